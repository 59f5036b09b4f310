// Loading plugin shared libraries through Boost.DLL and validating their descriptors.
#ifndef SITECACHE_STORAGE_PLUGIN_LOADER_HPP
#define SITECACHE_STORAGE_PLUGIN_LOADER_HPP

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <memory>
#include <mutex>

#include "sitecache/plugin_abi.h"
#include "sitecache/plugin_registry.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

// One loaded plugin library. Shared by every backend handle created from it; the library
// stays mapped until the last handle (and so the last shared_ptr) is gone.
// Thread safety: immutable after loading, except call_mutex(), which serialises every
// call into a plugin that does not declare SC_CAP_THREAD_SAFE.
class LoadedPlugin {
 public:
  LoadedPlugin(boost::dll::shared_library library, const sc_plugin* api, PluginInfo info);
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const sc_plugin& api() const { return *api_; }
  const PluginInfo& info() const { return info_; }
  bool thread_safe() const { return (info_.capabilities & SC_CAP_THREAD_SAFE) != 0; }
  std::mutex& call_mutex() { return call_mutex_; }

 private:
  boost::dll::shared_library library_;
  const sc_plugin* api_;
  PluginInfo info_;
  std::mutex call_mutex_;
};

// Loads (or returns the already loaded) plugin at an absolute path. Distinct failures:
// the file does not exist; it is not a loadable shared library; it has no entry symbol;
// its ABI major differs (both versions named); its struct is too small for its version;
// a required function is missing; a capability bit and its function disagree.
Result<std::shared_ptr<LoadedPlugin>> load_plugin(const std::filesystem::path& file);

// The smallest descriptor an ABI 1.x plugin may have: everything of 1.0 (through `add`).
// Fields appended by later minors must be read only after checking struct_size covers
// them (offsetof(sc_plugin, field) + sizeof field <= struct_size).
inline constexpr size_t kMinimumDescriptorSize = sizeof(sc_plugin);

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_PLUGIN_LOADER_HPP
