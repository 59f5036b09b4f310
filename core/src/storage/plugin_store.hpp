// PluginStore: the Store over one handle of a loaded plugin, the host side of the C ABI.
//
// Converts between C++ and the ABI (sinks, error buffers, status codes), serialises calls
// into plugins that are not thread-safe, and provides fallbacks for optional functions
// the plugin leaves NULL (get_many/set_many loop, clear scans and removes). Every method
// returns a Status; a plugin status is mapped 1:1 and its error text kept.
// Thread safety: safe to call from several threads (the plugin's own guarantee or the
// shared call mutex).
#ifndef SITECACHE_STORAGE_PLUGIN_STORE_HPP
#define SITECACHE_STORAGE_PLUGIN_STORE_HPP

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sitecache/status.hpp"
#include "storage/plugin_loader.hpp"
#include "storage/store.hpp"

namespace sitecache {

class PluginStore final : public Store {
 public:
  // Creates a handle with the given options. The plugin stays loaded while this lives.
  static Result<std::unique_ptr<PluginStore>> create(
      std::shared_ptr<LoadedPlugin> plugin,
      const std::vector<std::pair<std::string, std::string>>& options);
  // Asks the plugin to check `options` as create() would, without creating a handle
  // (plugin_abi.h, ABI 1.1 validate). unsupported when the plugin has no validate.
  static Status validate(LoadedPlugin& plugin,
                         const std::vector<std::pair<std::string, std::string>>& options);
  ~PluginStore() override;
  PluginStore(const PluginStore&) = delete;
  PluginStore& operator=(const PluginStore&) = delete;

  const PluginInfo& info() const override { return plugin_->info(); }
  bool has(Capability capability) const override {
    return (info().capabilities & static_cast<uint64_t>(capability)) != 0;
  }

  Result<std::optional<std::string>> get(std::string_view key) override;
  Status set(std::string_view key, std::string_view value, int64_t ttl_ms) override;
  Result<bool> remove(std::string_view key) override;
  Status get_many(std::span<const std::string> keys,
                  std::vector<std::optional<std::string>>& values) override;
  Status set_many(std::span<const StoreItem> items) override;
  // Both call visit inside the plugin call (under the call mutex of a plugin that is not
  // thread-safe), on the plugin's own bytes.
  Result<bool> get_into(std::string_view key, const ValueVisitor& visit) override;
  Status get_many_into(std::span<const std::string> keys,
                       const IndexedValueVisitor& visit) override;
  Result<bool> touch(std::string_view key, int64_t ttl_ms) override;
  // The plugin's clear, else scan + remove, else unsupported.
  Status clear(std::string_view prefix) override;
  Status scan(std::string_view prefix, ScanValues values,
              const std::function<bool(const StoreScanItem&)>& visitor) override;
  Result<StoreStats> stats() override;
  // Without the plugin's add it is emulated by get + set, which is not atomic across
  // processes.
  Result<bool> add(std::string_view key, std::string_view value, int64_t ttl_ms,
                   AddMode* mode = nullptr) override;

 private:
  PluginStore(std::shared_ptr<LoadedPlugin> plugin, sc_handle* handle);
  // Holds the plugin's call mutex for non-thread-safe plugins.
  std::unique_lock<std::mutex> lock_if_needed();
  Status status_from(sc_status code, const char* error_text) const;

  std::shared_ptr<LoadedPlugin> plugin_;
  const sc_plugin& api_;
  sc_handle* handle_;
};

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_PLUGIN_STORE_HPP
