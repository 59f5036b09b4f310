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

// Whether a plugin receives the cache's [options] table.
enum class OptionsTable { include, leave_out };

// The reserved options of plugin_abi.h, then the cache's [options] table (unless left out).
std::vector<std::pair<std::string, std::string>> plugin_options(const CacheConfig& settings,
                                                                const Config& config,
                                                                OptionsTable table) {
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
  if (table == OptionsTable::include) {
    for (const auto& option : settings.options) options.push_back(option);
  }
  return options;
}

// The reserved settings a plugin receives as options, by name.
constexpr std::string_view kReservedSettings[] = {"location", "max_entries", "max_size",
                                                  "cull_frequency", "read_only"};

// Where the setting a backend's complaint is about was written, as "FILE:LINE:COLUMN":
// the [options] key or reserved setting its message quotes ('name'), else `backend`;
// the config file for a setting it leaves out; "" for the embedded default and for
// settings made in code.
std::string where_configured(const CacheConfig& settings, const Config& config,
                             std::string_view message) {
  auto origin = [&](const std::string& setting) -> std::string {
    auto found = settings.origin.find(setting);
    return found == settings.origin.end() || found->second == "default" ? "" : found->second;
  };
  auto quoted = [&](std::string_view name) {
    return message.find("'" + std::string(name) + "'") != std::string_view::npos;
  };
  std::string where;
  for (const auto& [key, value] : settings.options) {
    if (where.empty() && quoted(key)) where = origin("options." + key);
  }
  for (std::string_view setting : kReservedSettings) {
    if (where.empty() && quoted(setting)) where = origin(std::string(setting));
  }
  if (where.empty()) where = origin("backend");
  if (where.empty()) where = config.source.string();
  return where;
}

// `failure` with the place it was configured in front, as config check reports it.
Status located(const Status& failure, const CacheConfig& settings, const Config& config,
               const std::string& what) {
  const std::string where = where_configured(settings, config, failure.message());
  return Status(failure.code(), (where.empty() ? "" : where + ": ") + what + failure.message());
}

// A failure names the place in the config file it comes from (where_configured), so a
// site generator's warning reads like `sitecache config check`.
Result<std::unique_ptr<Store>> open_plugin_store(const CacheConfig& settings, const Config& config,
                                                 const RejectSink& rejected) {
  // Keys first: a cache that cannot sign or verify as configured must not open at all.
  Result<std::optional<SigningPolicy>> policy = signing_policy(settings, config);
  if (!policy) return policy.status();
  const std::string backend_name = config.disabled ? "dummy" : settings.backend;
  Result<std::filesystem::path> file = find_plugin(backend_name, config);
  if (!file) return located(file.status(), settings, config, "");
  Result<std::shared_ptr<LoadedPlugin>> plugin = load_plugin(*file);
  if (!plugin) return located(plugin.status(), settings, config, "");
  // The dummy stand-in of SITECACHE_DISABLE would reject the real backend's options.
  Result<std::unique_ptr<PluginStore>> created = PluginStore::create(
      *plugin, plugin_options(settings, config,
                              config.disabled ? OptionsTable::leave_out : OptionsTable::include));
  if (!created) return located(created.status(), settings, config, "");
  std::unique_ptr<Store> store(std::move(created.value()));
  if (*policy && !config.disabled) {
    store = std::make_unique<SigningStore>(std::move(store), std::move(**policy), rejected);
  }
  return store;
}

}  // namespace

Status validate_backend(const CacheConfig& settings, const Config& config) {
  if (!settings.levels.empty()) return Status::ok();  // its levels are caches of their own
  const std::string what = "cache '" + settings.name + "': ";
  Result<std::filesystem::path> file = find_plugin(settings.backend, config);
  if (!file) return located(file.status(), settings, config, what);
  Result<std::shared_ptr<LoadedPlugin>> plugin = load_plugin(*file);
  if (!plugin) return located(plugin.status(), settings, config, what);
  Status checked =
      PluginStore::validate(**plugin, plugin_options(settings, config, OptionsTable::include));
  if (checked.code() == StatusCode::unsupported) {
    return Status(StatusCode::unsupported,
                  what + checked.message() + "; they are checked when the cache is first used");
  }
  if (!checked) return located(checked, settings, config, what);
  return Status::ok();
}

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
