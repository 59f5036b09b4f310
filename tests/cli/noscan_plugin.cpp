// A persistent backend that cannot scan, for the CLI tests: `ls`, `clear` and `stats` must
// fall back to build records on such a backend (think memcached). One file per key under
// `location`, named by the key's hex encoding; writes go through a temporary file and a
// rename, add through link(), so separate processes (the test helper and the CLI) share
// the store safely. Only the required functions and add: no scan, clear, stats or touch.
// Test-only, not installed.
//
// Built a second time with SCAN_WITHOUT_VALUES as the "novalues" plugin: it adds a scan
// that lists every key but never delivers a value, even when asked for values
// (SC_SCAN_VALUES): the broken contract `plugins check` must name.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>

#include "sitecache/plugin.hpp"

namespace {

namespace sp = sitecache::plugin;
namespace fs = std::filesystem;

class NoScanBackend {
 public:
#ifdef SCAN_WITHOUT_VALUES
  static constexpr std::string_view plugin_name = "novalues";
  static constexpr std::string_view plugin_description =
      "test backend: one file per key; its scan breaks the contract (never delivers values)";
#else
  static constexpr std::string_view plugin_name = "noscan";
  static constexpr std::string_view plugin_description =
      "test backend: one file per key, no scan (for the CLI's build-record fallback)";
#endif
  static constexpr std::string_view plugin_version = "0.1.0";
  static constexpr uint64_t plugin_flags = SC_CAP_PERSISTENT | SC_CAP_SHARED;

  static sp::Status validate(const sp::Options& options) {
    return options.check_known({}, plugin_name);
  }
  static sp::Status create(const sp::Options& options, std::unique_ptr<NoScanBackend>& out) {
    if (sp::Status s = validate(options); !s.is_ok()) return s;
    fs::path dir = options.get_or("location", "noscan-store");
    if (dir.is_relative()) dir = fs::path(options.get_or("base_dir", ".")) / dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return {sp::Code::io, dir.string() + ": " + ec.message()};
    out = std::make_unique<NoScanBackend>();
    out->dir_ = dir;
    return sp::Status::ok();
  }

  sp::Status get(std::string_view key, sp::ValueSink& sink) {
    std::ifstream in(path_of(key), std::ios::binary);
    if (!in) return sp::Status::not_found();
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sink.deliver(sp::as_bytes(data));
    return sp::Status::ok();
  }

  sp::Status set(std::string_view key, sp::Bytes value, int64_t /*ttl_ms*/) {
    fs::path temp;
    if (sp::Status s = write_temp(value, temp); !s.is_ok()) return s;
    std::error_code ec;
    fs::rename(temp, path_of(key), ec);
    if (ec) return {sp::Code::io, ec.message()};
    return sp::Status::ok();
  }

  sp::Status remove(std::string_view key) {
    std::error_code ec;
    if (fs::remove(path_of(key), ec)) return sp::Status::ok();
    return ec ? sp::Status(sp::Code::io, ec.message()) : sp::Status::not_found();
  }

  sp::Status add(std::string_view key, sp::Bytes value, int64_t /*ttl_ms*/, bool& stored) {
    fs::path temp;
    if (sp::Status s = write_temp(value, temp); !s.is_ok()) return s;
    // link() fails when the name exists: an atomic set-if-absent across processes.
    int rc = ::link(temp.c_str(), path_of(key).c_str());
    int error = errno;
    std::error_code ec;
    fs::remove(temp, ec);
    if (rc == 0) {
      stored = true;
      return sp::Status::ok();
    }
    if (error == EEXIST) {
      stored = false;
      return sp::Status::ok();
    }
    return {sp::Code::io, std::strerror(error)};
  }

#ifdef SCAN_WITHOUT_VALUES
  // Every key, in one batch, without its value whatever `mode` asks.
  sp::Status scan(std::string_view prefix, uint64_t& cursor, size_t /*batch_hint*/,
                  sp::ScanMode /*mode*/, sp::ScanVisitor& visitor) {
    cursor = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with(".tmp-")) continue;
      std::string key;
      for (size_t i = 0; i + 1 < name.size(); i += 2) {
        key.push_back(static_cast<char>(std::stoi(name.substr(i, 2), nullptr, 16)));
      }
      if (!key.starts_with(prefix)) continue;
      sp::ScanEntry item;
      item.key = key;
      item.value_size = static_cast<int64_t>(entry.file_size(ec));
      if (!visitor.visit(item)) break;
    }
    return ec ? sp::Status(sp::Code::io, ec.message()) : sp::Status::ok();
  }
#endif

 private:
  fs::path path_of(std::string_view key) const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name;
    for (unsigned char c : key) {
      name.push_back(kHex[c >> 4]);
      name.push_back(kHex[c & 15]);
    }
    return dir_ / name;
  }

  sp::Status write_temp(sp::Bytes value, fs::path& temp) {
    static std::atomic<unsigned> counter{0};
    temp = dir_ / (".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(value.data()),
              static_cast<std::streamsize>(value.size()));
    out.close();
    if (!out) return {sp::Code::io, "cannot write " + temp.string()};
    return sp::Status::ok();
  }

  fs::path dir_;
};

}  // namespace

SITECACHE_PLUGIN(NoScanBackend)
