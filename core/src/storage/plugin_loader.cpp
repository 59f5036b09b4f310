#include "storage/plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <system_error>

namespace sitecache {
namespace {

Status plugin_error(const std::filesystem::path& file, const std::string& what) {
  return Status(StatusCode::plugin, file.string() + ": " + what);
}

// Capability bits that name an optional function, with that function.
struct CapabilityFunction {
  uint64_t bit;
  const char* name;
  bool (*present)(const sc_plugin&);
};

constexpr CapabilityFunction kCapabilityFunctions[] = {
    {SC_CAP_GET_MANY, "get_many", [](const sc_plugin& p) { return p.get_many != nullptr; }},
    {SC_CAP_SET_MANY, "set_many", [](const sc_plugin& p) { return p.set_many != nullptr; }},
    {SC_CAP_TOUCH, "touch", [](const sc_plugin& p) { return p.touch != nullptr; }},
    {SC_CAP_CLEAR, "clear", [](const sc_plugin& p) { return p.clear != nullptr; }},
    {SC_CAP_SCAN, "scan", [](const sc_plugin& p) { return p.scan != nullptr; }},
    {SC_CAP_STATS, "stats", [](const sc_plugin& p) { return p.stats != nullptr; }},
    {SC_CAP_ADD, "add", [](const sc_plugin& p) { return p.add != nullptr; }},
    {SC_CAP_VALIDATE, "validate", [](const sc_plugin& p) { return p.validate != nullptr; }},
};

// The fixed header (struct_size, ABI version) of the plugin's own struct: present in
// every version, so readable before anything else is known.
Status check_header(const sc_plugin& raw, const std::filesystem::path& file) {
  if (raw.abi_major != SC_ABI_MAJOR) {
    return plugin_error(file, "plugin ABI " + std::to_string(raw.abi_major) + "." +
                                  std::to_string(raw.abi_minor) + " is not supported: this " +
                                  "sitecache speaks ABI " + std::to_string(SC_ABI_MAJOR) + "." +
                                  std::to_string(SC_ABI_MINOR) + "; rebuild the plugin " +
                                  "against this version's plugin.h");
  }
  if (raw.struct_size < kMinimumDescriptorSize) {
    return plugin_error(file, "descriptor is " + std::to_string(raw.struct_size) +
                                  " bytes, smaller than ABI 1.0's " +
                                  std::to_string(kMinimumDescriptorSize));
  }
  return Status::ok();
}

// The host's copy (copy_descriptor) of a plugin with a valid header.
Status validate(const sc_plugin& p, const std::filesystem::path& file) {
  if (p.name == nullptr || p.name[0] == '\0') return plugin_error(file, "plugin has no name");
  const std::pair<const char*, bool> required[] = {
      {"create", p.create != nullptr}, {"destroy", p.destroy != nullptr}, {"get", p.get != nullptr},
      {"set", p.set != nullptr},       {"remove", p.remove != nullptr},
  };
  for (const auto& [name, present] : required) {
    if (!present) {
      return plugin_error(file, std::string("required function '") + name + "' is missing");
    }
  }
  for (const auto& cap : kCapabilityFunctions) {
    bool declared = (p.capabilities & cap.bit) != 0;
    bool present = cap.present(p);
    if (declared && !present) {
      return plugin_error(
          file, std::string("declares capability '") + cap.name + "' but its function is missing");
    }
    if (!declared && present) {
      return plugin_error(
          file, std::string("provides '") + cap.name + "' without declaring its capability bit");
    }
  }
  return Status::ok();
}

PluginInfo describe(const sc_plugin& p, const std::filesystem::path& file) {
  PluginInfo info;
  info.name = p.name;
  info.version = p.version ? p.version : "";
  info.description = p.description ? p.description : "";
  info.file = file;
  info.abi_major = p.abi_major;
  info.abi_minor = p.abi_minor;
  info.capabilities = p.capabilities;
  return info;
}

// Loaded libraries by canonical path, so that every cache on one plugin shares its
// library and its call mutex. Weak: a library unloads when its last handle is gone.
std::mutex registry_mutex;
std::map<std::filesystem::path, std::weak_ptr<LoadedPlugin>>& registry() {
  static auto* loaded = new std::map<std::filesystem::path, std::weak_ptr<LoadedPlugin>>();
  return *loaded;
}

}  // namespace

LoadedPlugin::LoadedPlugin(boost::dll::shared_library library, const sc_plugin& api,
                           PluginInfo info)
    : library_(std::move(library)), api_(api), info_(std::move(info)) {}

sc_plugin copy_descriptor(const sc_plugin& raw) {
  sc_plugin copy;
  std::memset(&copy, 0, sizeof copy);
  std::memcpy(&copy, &raw, std::min<size_t>(raw.struct_size, sizeof copy));
  return copy;
}

Result<std::shared_ptr<LoadedPlugin>> load_plugin(const std::filesystem::path& file) {
  std::error_code fs_error;
  if (!file.is_absolute()) {
    return plugin_error(file, "plugin paths must be absolute");
  }
  if (!std::filesystem::is_regular_file(file, fs_error)) {
    return plugin_error(file, "plugin file not found");
  }
  std::filesystem::path canonical = std::filesystem::canonical(file, fs_error);
  if (fs_error) return plugin_error(file, "cannot resolve path: " + fs_error.message());

  std::lock_guard lock(registry_mutex);
  if (auto existing = registry()[canonical].lock()) return existing;

  boost::dll::fs::error_code load_error;
  // Lazy binding: resolving every function symbol of the plugin and its libraries at load
  // (RTLD_NOW) was 40% of a short-lived process's work; a plugin's own calls resolve when
  // first made. `sitecache plugins check` still runs every required function.
  boost::dll::shared_library library(
      canonical, load_error, boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local);
  if (load_error || !library.is_loaded()) {
    const char* detail = dlerror();
    return plugin_error(file, std::string("not a loadable shared library") +
                                  (detail ? std::string(": ") + detail : ""));
  }
  if (!library.has(SC_PLUGIN_ENTRY_SYMBOL)) {
    return plugin_error(file, std::string("no entry symbol '") + SC_PLUGIN_ENTRY_SYMBOL +
                                  "': not a sitecache plugin (or built without "
                                  "SC_DEFINE_PLUGIN_ENTRY / SITECACHE_PLUGIN)");
  }
  auto& entry = library.get<const sc_plugin*()>(SC_PLUGIN_ENTRY_SYMBOL);
  const sc_plugin* raw = entry();
  if (raw == nullptr) return plugin_error(file, "entry function returned no descriptor");
  if (Status status = check_header(*raw, file); !status) return status;
  const sc_plugin api = copy_descriptor(*raw);
  if (Status status = validate(api, file); !status) return status;

  auto loaded = std::make_shared<LoadedPlugin>(std::move(library), api, describe(api, file));
  registry()[canonical] = loaded;
  return loaded;
}

Result<PluginInfo> inspect_plugin(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(file, ec);
  Result<std::shared_ptr<LoadedPlugin>> loaded = load_plugin(ec ? file : absolute);
  if (!loaded) return loaded.status();
  return (*loaded)->info();
}

}  // namespace sitecache
