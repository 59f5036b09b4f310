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
//
// api() is the host's own copy of the plugin's descriptor, as large as this host's
// sc_plugin: the bytes the plugin's struct_size covers, and NULL/0 for every field a
// plugin of an older minor does not have (plugin_abi.h, "Versioning rules"). Nothing
// reads the plugin's own struct after loading.
class LoadedPlugin {
 public:
  LoadedPlugin(boost::dll::shared_library library, const sc_plugin& api, PluginInfo info);
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const sc_plugin& api() const { return api_; }
  const PluginInfo& info() const { return info_; }
  bool thread_safe() const { return (info_.capabilities & SC_CAP_THREAD_SAFE) != 0; }
  std::mutex& call_mutex() { return call_mutex_; }

 private:
  boost::dll::shared_library library_;
  sc_plugin api_;
  PluginInfo info_;
  std::mutex call_mutex_;
};

// Loads (or returns the already loaded) plugin at an absolute path. Distinct failures:
// the file does not exist; it is not a loadable shared library; it has no entry symbol;
// its ABI major differs (both versions named); its struct is smaller than ABI 1.0's;
// a required function is missing; a capability bit and its function disagree.
Result<std::shared_ptr<LoadedPlugin>> load_plugin(const std::filesystem::path& file);

// The smallest descriptor an ABI 1.x plugin may have: everything of 1.0 (through `add`),
// whatever minor this host was built for. Every plugin built since 1.0 is at least this
// large; later minors only append.
inline constexpr size_t kMinimumDescriptorSize = SC_PLUGIN_SIZE_1_0;
static_assert(kMinimumDescriptorSize == 136 || sizeof(void*) != 8,
              "the ABI 1.0 layout is frozen: 136 bytes on LP64");

// The host's copy of a descriptor whose struct_size is at least kMinimumDescriptorSize:
// the bytes the plugin's struct covers, the rest zero (fields of later minors than the
// plugin's read as absent). Reads nothing beyond `raw.struct_size`.
sc_plugin copy_descriptor(const sc_plugin& raw);

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_PLUGIN_LOADER_HPP
