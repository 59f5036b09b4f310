#include "storage/open_store.hpp"

#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/plugin_loader.hpp"
#include "storage/plugin_store.hpp"
#include "storage/tiered_store.hpp"

namespace sitecache {
namespace {

// The reserved options of plugin_abi.h, then the cache's [options] table.
std::vector<std::pair<std::string, std::string>> plugin_options(const CacheConfig& settings,
                                                                const Config& config) {
  std::vector<std::pair<std::string, std::string>> options;
  if (!settings.location.empty()) options.emplace_back("location", settings.location);
  if (settings.max_entries) {
    options.emplace_back("max_entries", std::to_string(*settings.max_entries));
  }
  if (settings.max_size) options.emplace_back("max_size", std::to_string(*settings.max_size));
  options.emplace_back("cull_frequency", std::to_string(settings.cull_frequency));
  options.emplace_back("read_only", settings.read_only ? "true" : "false");
  options.emplace_back("cache_name", settings.name);
  std::error_code ec;
  std::filesystem::path base =
      config.base_dir.empty() ? std::filesystem::current_path(ec) : config.base_dir;
  options.emplace_back("base_dir", base.string());
  // The dummy stand-in of SITECACHE_DISABLE would reject the real backend's options.
  if (!config.disabled) {
    for (const auto& option : settings.options) options.push_back(option);
  }
  return options;
}

Result<std::unique_ptr<Store>> open_plugin_store(const CacheConfig& settings, const Config& config,
                                                 const RejectSink& rejected) {
  // Keys first: a cache that cannot sign or verify as configured must not open at all.
  Result<std::optional<SigningPolicy>> policy = signing_policy(settings, config);
  if (!policy) return policy.status();
  const std::string backend_name = config.disabled ? "dummy" : settings.backend;
  Result<std::filesystem::path> file = find_plugin(backend_name, config);
  if (!file) return file.status();
  Result<std::shared_ptr<LoadedPlugin>> plugin = load_plugin(*file);
  if (!plugin) return plugin.status();
  Result<std::unique_ptr<PluginStore>> created =
      PluginStore::create(*plugin, plugin_options(settings, config));
  if (!created) return created.status();
  std::unique_ptr<Store> store(std::move(created.value()));
  if (*policy && !config.disabled) {
    store = std::make_unique<SigningStore>(std::move(store), std::move(**policy), rejected);
  }
  return store;
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(const CacheConfig& settings, const Config& config,
                                          const std::function<void(std::string_view)>& warn,
                                          const RejectSink& rejected) {
  if (settings.levels.empty() || config.disabled) {
    return open_plugin_store(settings, config, rejected);
  }
  std::vector<TieredStore::Level> levels;
  std::string failures;
  for (const std::string& name : settings.levels) {
    auto level_settings = config.caches.find(name);
    if (level_settings == config.caches.end()) {
      return Status(StatusCode::config,
                    "cache '" + settings.name + "' names unknown level '" + name + "'");
    }
    Result<std::unique_ptr<Store>> store =
        open_plugin_store(level_settings->second, config, rejected);
    if (!store) {
      // A level that cannot start is skipped like a level that fails later.
      warn("cache '" + settings.name + "': level '" + name + "' is unavailable (" +
           store.status().to_string() + "); continuing without it");
      failures += (failures.empty() ? "" : "; ") + store.status().to_string();
      continue;
    }
    levels.push_back(
        TieredStore::Level{name, std::move(store.value()), level_settings->second.read_only});
  }
  if (levels.empty()) {
    return Status(StatusCode::unavailable,
                  "no level of cache '" + settings.name + "' could start: " + failures);
  }
  return std::unique_ptr<Store>(std::make_unique<TieredStore>(
      std::move(levels), [warn, cache_name = settings.name](std::string_view message) {
        warn("cache '" + cache_name + "': " + std::string(message));
      }));
}

}  // namespace sitecache
