// What the Cache stores through: one plugin backend, or several levels of them.
//
// Every method returns a Status; SC_NOT_FOUND from a plugin is a miss (nullopt / false),
// not an error. Implementations are safe to call from several threads.
#ifndef SITECACHE_STORAGE_STORE_HPP
#define SITECACHE_STORAGE_STORE_HPP

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/plugin_abi.h"
#include "sitecache/plugin_registry.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

struct StoreItem {
  std::string key;
  std::string value;
  int64_t ttl_ms = 0;
};

struct StoreScanItem {
  std::string_view key;
  std::optional<std::string_view> value;  // with ScanValues::yes
  int64_t value_size = -1;
  int64_t expires_ms = 0;
  int64_t last_access_ms = 0;
};

struct StoreStats {
  int64_t entries = -1;
  int64_t bytes = -1;
  int64_t max_entries = -1;
  int64_t max_bytes = -1;
  int64_t evictions = -1;
};

enum class ScanValues { no, yes };

// The SC_CAP_* bits of plugin_abi.h, typed.
enum class Capability : uint64_t {
  thread_safe = SC_CAP_THREAD_SAFE,
  get_many = SC_CAP_GET_MANY,
  set_many = SC_CAP_SET_MANY,
  touch = SC_CAP_TOUCH,
  clear = SC_CAP_CLEAR,
  scan = SC_CAP_SCAN,
  stats = SC_CAP_STATS,
  add = SC_CAP_ADD,
  native_ttl = SC_CAP_NATIVE_TTL,
  persistent = SC_CAP_PERSISTENT,
  shared = SC_CAP_SHARED,
};
enum class AddMode { atomic, emulated };  // how add() was carried out

// Receive a stored value's bytes where the backend holds them. The bytes are valid only
// during the call, which may run under the backend's lock: a visitor reads them once
// (verify, copy out what it keeps) and never calls back into the store.
using ValueVisitor = std::function<void(std::span<const uint8_t> bytes)>;
using IndexedValueVisitor = std::function<void(size_t index, std::span<const uint8_t> bytes)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual const PluginInfo& info() const = 0;
  // Whether a capability is available.
  virtual bool has(Capability capability) const = 0;

  // nullopt on a miss.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Status set(std::string_view key, std::string_view value, int64_t ttl_ms) = 0;
  // true when something was removed.
  virtual Result<bool> remove(std::string_view key) = 0;
  // values[i] is set for every found keys[i].
  virtual Status get_many(std::span<const std::string> keys,
                          std::vector<std::optional<std::string>>& values) = 0;
  virtual Status set_many(std::span<const StoreItem> items) = 0;
  // get() without the intermediate string: true when found, after calling visit with the
  // value; false on a miss. visit may also have been called when the result is false or
  // an error (a level that failed after delivering), and may be called more than once: a
  // later call replaces an earlier one. The default goes through get().
  virtual Result<bool> get_into(std::string_view key, const ValueVisitor& visit);
  // get_many() without the intermediate strings: on success visit(i, bytes) has been
  // called once for every found keys[i] (in any order) and never for a missing one. On an
  // error nothing visit received may be used. The default goes through get_many().
  virtual Status get_many_into(std::span<const std::string> keys, const IndexedValueVisitor& visit);
  // true when the key existed; unsupported without touch.
  virtual Result<bool> touch(std::string_view key, int64_t ttl_ms) = 0;
  // Removes everything under prefix, nothing else.
  virtual Status clear(std::string_view prefix) = 0;
  // Visits everything under prefix; the visitor returns false to stop. unsupported
  // without scan.
  virtual Status scan(std::string_view prefix, ScanValues values,
                      const std::function<bool(const StoreScanItem&)>& visitor) = 0;
  virtual Result<StoreStats> stats() = 0;
  // true when stored; `mode` (if given) reports whether it was atomic.
  virtual Result<bool> add(std::string_view key, std::string_view value, int64_t ttl_ms,
                           AddMode* mode = nullptr) = 0;
};

inline std::span<const uint8_t> span_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline Result<bool> Store::get_into(std::string_view key, const ValueVisitor& visit) {
  Result<std::optional<std::string>> value = get(key);
  if (!value) return value.status();
  if (!value->has_value()) return false;
  visit(span_of(**value));
  return true;
}

inline Status Store::get_many_into(std::span<const std::string> keys,
                                   const IndexedValueVisitor& visit) {
  std::vector<std::optional<std::string>> values;
  if (Status status = get_many(keys, values); !status) return status;
  for (size_t i = 0; i < values.size() && i < keys.size(); ++i) {
    if (values[i]) visit(i, span_of(*values[i]));
  }
  return Status::ok();
}

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_STORE_HPP
