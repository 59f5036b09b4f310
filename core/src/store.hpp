// What the Cache stores through: one plugin backend, or several levels of them.
//
// Every method returns a Status; SC_NOT_FOUND from a plugin is a miss (nullopt / false),
// not an error. Implementations are safe to call from several threads.
#ifndef SITECACHE_STORE_HPP
#define SITECACHE_STORE_HPP

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/plugins.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

struct BackendItem {
  std::string key;
  std::string value;
  int64_t ttl_ms = 0;
};

struct BackendScanItem {
  std::string_view key;
  std::optional<std::string_view> value;  // with ScanValues::yes
  int64_t value_size = -1;
  int64_t expires_ms = 0;
  int64_t last_access_ms = 0;
};

struct BackendStats {
  int64_t entries = -1;
  int64_t bytes = -1;
  int64_t max_entries = -1;
  int64_t max_bytes = -1;
  int64_t evictions = -1;
};

enum class ScanValues { no, yes };
enum class AddMode { atomic, emulated };  // how add() was carried out

class Store {
 public:
  virtual ~Store() = default;

  virtual const PluginInfo& info() const = 0;
  // Whether an SC_CAP_* capability is available.
  virtual bool has(uint64_t capability) const = 0;

  // nullopt on a miss.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Status set(std::string_view key, std::string_view value, int64_t ttl_ms) = 0;
  // true when something was removed.
  virtual Result<bool> remove(std::string_view key) = 0;
  // values[i] is set for every found keys[i].
  virtual Status get_many(std::span<const std::string> keys,
                          std::vector<std::optional<std::string>>& values) = 0;
  virtual Status set_many(std::span<const BackendItem> items) = 0;
  // true when the key existed; unsupported without touch.
  virtual Result<bool> touch(std::string_view key, int64_t ttl_ms) = 0;
  // Removes everything under prefix, nothing else.
  virtual Status clear(std::string_view prefix) = 0;
  // Visits everything under prefix; the visitor returns false to stop. unsupported
  // without scan.
  virtual Status scan(std::string_view prefix, ScanValues values,
                      const std::function<bool(const BackendScanItem&)>& visitor) = 0;
  virtual Result<BackendStats> stats() = 0;
  // true when stored; `mode` (if given) reports whether it was atomic.
  virtual Result<bool> add(std::string_view key, std::string_view value, int64_t ttl_ms,
                           AddMode* mode = nullptr) = 0;
};

}  // namespace sitecache

#endif  // SITECACHE_STORE_HPP
