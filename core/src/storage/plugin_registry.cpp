// Plugin search path, name resolution and listing.
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <system_error>

#include "sitecache/plugin_registry.hpp"
#include "storage/plugin_loader.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFilePrefix = "sitecache-";
constexpr std::string_view kFileSuffix = ".so";

bool looks_like_path(std::string_view backend) {
  return backend.find('/') != std::string_view::npos ||
         (backend.size() > kFileSuffix.size() && backend.ends_with(kFileSuffix));
}

// Candidate files for a plugin name within one directory: the flat layout of an install
// and the per-plugin folders of the build tree.
std::vector<fs::path> candidates(const fs::path& dir, std::string_view name) {
  std::string file = std::string(kFilePrefix) + std::string(name) + std::string(kFileSuffix);
  return {dir / file, dir / std::string(name) / file};
}

// Every sitecache-*.so directly in dir or one folder below it.
std::vector<fs::path> plugin_files_in(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  auto consider = [&](const fs::path& path) {
    std::string file = path.filename().string();
    if (file.starts_with(kFilePrefix) && file.ends_with(kFileSuffix) &&
        fs::is_regular_file(path, ec)) {
      found.push_back(path);
    }
  };
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) {
      for (const auto& inner : fs::directory_iterator(entry.path(), ec)) consider(inner.path());
    } else {
      consider(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string name_of(const fs::path& file) {
  std::string stem = file.filename().string();
  return stem.substr(kFilePrefix.size(), stem.size() - kFilePrefix.size() - kFileSuffix.size());
}

// The file this code was loaded from: libsitecache.so, or the program or module that
// linked the core statically. Empty when the loader cannot tell.
fs::path own_object_file() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&own_object_file), &info) == 0 || info.dli_fname == nullptr) {
    return {};
  }
  std::error_code ec;
  fs::path file = fs::weakly_canonical(fs::path(info.dli_fname), ec);
  return ec ? fs::path(info.dli_fname) : file;
}

bool is_inside(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

// Where the plugins that came with this copy of the library are. A copy running from
// its build tree (tests, meson devenv, build/cli/sitecache) uses the build tree's plugins
// and nothing installed. An installed copy uses <its libdir>/sitecache, found relative to
// the library itself so that an install moved to another prefix still finds its own
// plugins, then the configured install directory; never a build tree.
std::vector<fs::path> built_in_plugin_dirs() {
  static const std::vector<fs::path> dirs = [] {
    const fs::path object = own_object_file();
    std::error_code ec;
    const fs::path build_root = fs::weakly_canonical(fs::path(SITECACHE_BUILD_ROOT), ec);
    if (!object.empty() && is_inside(object, build_root)) {
      return std::vector<fs::path>{fs::path(SITECACHE_BUILD_PLUGIN_DIR)};
    }
    std::vector<fs::path> found;
    if (!object.empty()) found.push_back(object.parent_path() / "sitecache");
    const fs::path configured(SITECACHE_INSTALL_PLUGIN_DIR);
    if (found.empty() || found.front() != configured) found.push_back(configured);
    return found;
  }();
  return dirs;
}

}  // namespace

std::vector<std::string> PluginInfo::capability_names() const {
  static constexpr std::pair<uint64_t, const char*> kNames[] = {
      {SC_CAP_THREAD_SAFE, "thread_safe"},
      {SC_CAP_GET_MANY, "get_many"},
      {SC_CAP_SET_MANY, "set_many"},
      {SC_CAP_TOUCH, "touch"},
      {SC_CAP_CLEAR, "clear"},
      {SC_CAP_SCAN, "scan"},
      {SC_CAP_STATS, "stats"},
      {SC_CAP_ADD, "add"},
      {SC_CAP_VALIDATE, "validate"},
      {SC_CAP_NATIVE_TTL, "native_ttl"},
      {SC_CAP_PERSISTENT, "persistent"},
      {SC_CAP_SHARED, "shared"},
  };
  std::vector<std::string> names;
  for (const auto& [bit, name] : kNames) {
    if (capabilities & bit) names.emplace_back(name);
  }
  return names;
}

std::vector<fs::path> plugin_search_path(const Config& config) {
  std::vector<fs::path> dirs = config.plugin_path;
  if (const char* env = std::getenv("SITECACHE_PLUGIN_PATH"); env && *env) {
    std::string_view rest(env);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string_view part = rest.substr(0, colon);
      if (!part.empty()) {
        std::error_code ec;
        dirs.push_back(fs::absolute(fs::path(std::string(part)), ec).lexically_normal());
      }
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  }
  for (fs::path& dir : built_in_plugin_dirs()) dirs.push_back(std::move(dir));
  return dirs;
}

Result<fs::path> find_plugin(std::string_view backend, const Config& config) {
  if (backend.empty()) return Status(StatusCode::plugin, "no backend configured");
  if (looks_like_path(backend)) {
    fs::path path{std::string(backend)};
    if (path.is_relative()) {
      path = (config.base_dir.empty() ? fs::current_path() : config.base_dir) / path;
    }
    path = path.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      return Status(StatusCode::plugin, path.string() + ": plugin file not found");
    }
    return path;
  }
  std::vector<fs::path> dirs = plugin_search_path(config);
  for (const auto& dir : dirs) {
    for (const auto& candidate : candidates(dir, backend)) {
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return candidate;
    }
  }
  std::set<std::string> available;
  for (const auto& dir : dirs) {
    for (const auto& file : plugin_files_in(dir)) available.insert(name_of(file));
  }
  std::string message = "unknown backend '" + std::string(backend) + "'; available: ";
  if (available.empty()) message += "none";
  bool first = true;
  for (const auto& name : available) {
    message += (first ? "" : ", ") + name;
    first = false;
  }
  message += " (searched:";
  for (const auto& dir : dirs) message += " " + dir.string();
  message += ")";
  return Status(StatusCode::plugin, message);
}

PluginListing list_plugins(const Config& config) {
  PluginListing listing;
  std::set<std::string> seen;
  for (const auto& dir : plugin_search_path(config)) {
    for (const auto& file : plugin_files_in(dir)) {
      if (!seen.insert(name_of(file)).second) continue;
      Result<PluginInfo> info = inspect_plugin(file);
      if (info) {
        listing.plugins.push_back(std::move(info.value()));
      } else {
        listing.problems.emplace_back(file, info.status());
      }
    }
  }
  return listing;
}

}  // namespace sitecache
