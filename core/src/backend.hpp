// A backend handle created from a loaded plugin: the host side of the C ABI.
//
// Converts between C++ and the ABI (sinks, error buffers, status codes), serialises calls
// into plugins that are not thread-safe, and provides fallbacks for optional functions
// the plugin leaves NULL (get_many/set_many loop, clear scans and removes). Every method
// returns a Status; a plugin status is mapped 1:1 and its error text kept.
// Thread safety: safe to call from several threads (the plugin's own guarantee or the
// shared call mutex).
#ifndef SITECACHE_BACKEND_HPP
#define SITECACHE_BACKEND_HPP

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_loader.hpp"
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

class Backend {
 public:
  // Creates a handle with the given options. The plugin stays loaded while this lives.
  static Result<std::unique_ptr<Backend>> create(
      std::shared_ptr<LoadedPlugin> plugin,
      const std::vector<std::pair<std::string, std::string>>& options);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  const PluginInfo& info() const { return plugin_->info(); }
  bool has(uint64_t capability) const { return (info().capabilities & capability) != 0; }

  // nullopt on a miss.
  Result<std::optional<std::string>> get(std::string_view key);
  Status set(std::string_view key, std::string_view value, int64_t ttl_ms);
  // true when something was removed.
  Result<bool> remove(std::string_view key);
  // values[i] is set for every found keys[i].
  Status get_many(std::span<const std::string> keys,
                  std::vector<std::optional<std::string>>& values);
  Status set_many(std::span<const BackendItem> items);
  // true when the key existed. unsupported when the plugin has no touch.
  Result<bool> touch(std::string_view key, int64_t ttl_ms);
  // Removes everything under prefix: the plugin's clear, else scan + remove, else
  // unsupported.
  Status clear(std::string_view prefix);
  // Visits everything under prefix; the visitor returns false to stop. unsupported
  // when the plugin cannot scan.
  Status scan(std::string_view prefix, ScanValues values,
              const std::function<bool(const BackendScanItem&)>& visitor);
  Result<BackendStats> stats();
  // true when stored. Without the plugin's add it is emulated by get + set, which is not
  // atomic across processes; `mode` (if given) reports which happened.
  Result<bool> add(std::string_view key, std::string_view value, int64_t ttl_ms,
                   AddMode* mode = nullptr);

 private:
  Backend(std::shared_ptr<LoadedPlugin> plugin, sc_handle* handle);
  // Holds the plugin's call mutex for non-thread-safe plugins.
  std::unique_lock<std::mutex> lock_if_needed();
  Status status_from(sc_status code, const char* error_text) const;

  std::shared_ptr<LoadedPlugin> plugin_;
  const sc_plugin& api_;
  sc_handle* handle_;
};

}  // namespace sitecache

#endif  // SITECACHE_BACKEND_HPP
