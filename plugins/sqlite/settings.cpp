#include "settings.hpp"

#include <filesystem>
#include <system_error>
#include <tuple>

namespace sitecache::sqlite {

using plugin::Code;
using plugin::Status;

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefaultLocation = ".sitecache/cache.db";

Status invalid(std::string message) {
  return Status(Code::invalid_argument, std::move(message));
}

// An integer option that must be >= 0; `fallback` when absent.
Status non_negative(const plugin::Options& options, std::string_view key, int64_t fallback,
                    int64_t& out) {
  Status status;
  out = options.get_int(key, fallback, status);
  if (!status.is_ok()) return status;
  if (out < 0) {
    return invalid("option '" + std::string(key) + "' must not be negative, got " +
                   std::to_string(out));
  }
  return Status::ok();
}

Status resolve_location(const plugin::Options& options, std::string& out) {
  std::string location = options.get_or("location", kDefaultLocation);
  if (location.empty()) return invalid("option 'location' must name a database file");
  fs::path path(location);
  if (path.is_relative()) {
    std::error_code error;
    fs::path base;
    if (auto base_dir = options.get("base_dir"); base_dir && !base_dir->empty()) {
      base = fs::path(*base_dir);
    }
    if (base.is_relative()) base = fs::current_path(error) / base;
    if (error) {
      return Status(Code::io, "cannot resolve location '" + location +
                                  "': no working directory: " + error.message());
    }
    path = base / path;
  }
  path = path.lexically_normal();
  if (!path.has_filename()) {
    return invalid("option 'location' must name a database file, got a directory: '" + location +
                   "'");
  }
  out = path.string();
  return Status::ok();
}

}  // namespace

Status parse_settings(const plugin::Options& options, Settings& out) {
  if (Status status = options.check_known(
          {"busy_timeout_ms", "mmap_size", "on_corrupt", "synchronous"}, "sqlite");
      !status.is_ok()) {
    return status;
  }
  Settings settings;
  if (Status status = resolve_location(options, settings.path); !status.is_ok()) return status;
  for (auto [key, fallback, target] :
       {std::tuple{"max_entries", int64_t{0}, &settings.max_entries},
        std::tuple{"max_size", int64_t{0}, &settings.max_bytes},
        std::tuple{"cull_frequency", settings.cull_frequency, &settings.cull_frequency},
        std::tuple{"busy_timeout_ms", settings.busy_timeout_ms, &settings.busy_timeout_ms},
        std::tuple{"mmap_size", settings.mmap_size, &settings.mmap_size}}) {
    if (Status status = non_negative(options, key, fallback, *target); !status.is_ok()) {
      return status;
    }
  }
  Status status;
  settings.read_only = options.get_bool("read_only", false, status);
  if (!status.is_ok()) return status;

  std::string on_corrupt = options.get_or("on_corrupt", "error");
  if (on_corrupt == "recreate") {
    settings.on_corrupt = OnCorrupt::recreate;
  } else if (on_corrupt != "error") {
    return invalid("option 'on_corrupt' must be \"error\" or \"recreate\", got '" + on_corrupt +
                   "'");
  }
  std::string synchronous = options.get_or("synchronous", "normal");
  if (synchronous == "normal" || synchronous == "full" || synchronous == "off") {
    for (char& c : synchronous) c = static_cast<char>(c - 'a' + 'A');
    settings.synchronous = synchronous;
  } else {
    return invalid("option 'synchronous' must be \"normal\", \"full\" or \"off\", got '" +
                   synchronous + "'");
  }
  out = std::move(settings);
  return Status::ok();
}

}  // namespace sitecache::sqlite
