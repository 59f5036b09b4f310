// Finding, inspecting and listing backend plugins.
//
// A backend is named in the config either by plugin name (backend = "sqlite" ->
// sitecache-sqlite.so in the plugin search path) or by a path to a .so (relative paths
// resolve against the config file's directory). Plugins are always loaded by absolute
// path: Boost.DLL would resolve a bare file name against the working directory.
#ifndef SITECACHE_PLUGIN_REGISTRY_HPP
#define SITECACHE_PLUGIN_REGISTRY_HPP

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/config.hpp"
#include "sitecache/export.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

struct SITECACHE_EXPORT PluginInfo {
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path file;
  uint16_t abi_major = 0;
  uint16_t abi_minor = 0;
  uint64_t capabilities = 0;  // SC_CAP_* bits

  // "thread_safe", "get_many", ... in bit order.
  std::vector<std::string> capability_names() const;
};

// The directories searched for plugins, in order: the config's [plugins] path,
// $SITECACHE_PLUGIN_PATH (colon-separated), then the plugins that came with this copy of
// sitecache: the build tree's plugin directory when it runs from its build tree (tests,
// `meson devenv`), else the installed plugin directory (<libdir>/sitecache, found
// relative to the library, and the configured install location). All absolute.
SITECACHE_EXPORT std::vector<std::filesystem::path> plugin_search_path(const Config& config);

// Resolves a backend setting to the absolute path of its .so. An unknown name fails with
// StatusCode::plugin listing the plugins that do exist and the directories searched.
SITECACHE_EXPORT Result<std::filesystem::path> find_plugin(std::string_view backend,
                                                           const Config& config);

// Loads a plugin file and validates its descriptor (ABI major, struct size, required
// functions, capability bits) without creating a handle.
SITECACHE_EXPORT Result<PluginInfo> inspect_plugin(const std::filesystem::path& file);

// Checks a cache's backend as opening it would, without opening it: finds and loads the
// plugin, and asks it to validate the options the cache would hand it (plugin_abi.h,
// validate: no file is created or changed, no server contacted). A problem reads
// "FILE:LINE:COLUMN: cache 'NAME': what", at the setting it is about (the option the
// backend's message names, else `backend`); opening the cache reports the same failure
// with the same place. StatusCode::unsupported when the plugin predates validate (ABI
// 1.0): its options are checked only when the cache opens. A tiered cache has nothing
// of its own to check: its levels are caches of the same config.
SITECACHE_EXPORT Status validate_backend(const CacheConfig& settings, const Config& config);

// Every sitecache-*.so in the search path (first one wins for a duplicate name), each
// loaded and validated; a file that fails validation is reported in `problems`.
struct PluginListing {
  std::vector<PluginInfo> plugins;
  std::vector<std::pair<std::filesystem::path, Status>> problems;
};
SITECACHE_EXPORT PluginListing list_plugins(const Config& config);

}  // namespace sitecache

#endif  // SITECACHE_PLUGIN_REGISTRY_HPP
