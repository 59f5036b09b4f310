// Shared pieces of the network backend benchmarks: the server address (from the
// environment, as scripts/services exports it), a plugin driven through its raw C ABI,
// a full sitecache Cache on the same plugin, and the keys and 1 KiB value every benchmark
// uses.
//
// Single-threaded use only (each benchmark runs on one thread: one connection, like
// redis-benchmark -c 1). Failures end the benchmark with state.SkipWithError.
#ifndef SITECACHE_BENCH_NETWORK_SUPPORT_HPP
#define SITECACHE_BENCH_NETWORK_SUPPORT_HPP

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sitecache/cache.hpp"
#include "sitecache/plugin_abi.h"

namespace bench_network {

constexpr size_t kValueSize = 1024;  // redis-benchmark -d 1024
constexpr int kKeys = 1000;
constexpr int kBatch = 16;  // redis-benchmark -P 16

// "127.0.0.1:PORT" from $variable, or nullopt.
inline std::optional<std::string> server(const char* variable) {
  const char* value = std::getenv(variable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// Incompressible, so the Cache path does not profit from zstd (it is off anyway).
inline const std::string& value_1k() {
  static const std::string value = [] {
    std::mt19937 rng(42);
    std::string v(kValueSize, '\0');
    for (auto& c : v) c = static_cast<char>(rng());
    return v;
  }();
  return value;
}

inline std::vector<std::string> keys(const std::string& prefix) {
  std::vector<std::string> out;
  for (int i = 0; i < kKeys; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// One handle of a plugin .so, called through the C ABI exactly as the host does (values
// are copied out through the sink).
class RawPlugin {
 public:
  RawPlugin(const char* so_path, const std::map<std::string, std::string>& options) {
    void* lib = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) throw std::runtime_error(dlerror());
    auto entry = reinterpret_cast<sc_plugin_entry_fn>(dlsym(lib, SC_PLUGIN_ENTRY_SYMBOL));
    api_ = entry();
    std::vector<sc_option> raw;
    for (const auto& [k, v] : options) raw.push_back({k.c_str(), v.c_str()});
    if (api_->create(raw.data(), raw.size(), &handle_, err()) != SC_OK) {
      throw std::runtime_error(text_.c_str());
    }
  }
  ~RawPlugin() { api_->destroy(handle_); }
  RawPlugin(const RawPlugin&) = delete;
  RawPlugin& operator=(const RawPlugin&) = delete;

  bool set(const std::string& key, const std::string& value) {
    return api_->set(handle_, key.data(), key.size(), bytes(value), value.size(), 0, err()) ==
           SC_OK;
  }
  bool get(const std::string& key, std::string& out) {
    return api_->get(
               handle_, key.data(), key.size(),
               [](void* c, const uint8_t* d, size_t n) {
                 static_cast<std::string*>(c)->assign(reinterpret_cast<const char*>(d), n);
               },
               &out, err()) == SC_OK;
  }
  // kBatch keys starting at keys[first] (wrapping).
  bool get_many(const std::vector<std::string>& keys, size_t first, std::vector<std::string>& out) {
    sc_key batch[kBatch];
    for (int i = 0; i < kBatch; ++i) {
      const std::string& k = keys[(first + i) % keys.size()];
      batch[i] = {k.data(), k.size()};
    }
    out.resize(kBatch);
    return api_->get_many(
               handle_, batch, kBatch,
               [](void* c, size_t i, const uint8_t* d, size_t n) {
                 (*static_cast<std::vector<std::string>*>(c))[i].assign(
                     reinterpret_cast<const char*>(d), n);
               },
               &out, err()) == SC_OK;
  }
  bool set_many(const std::vector<std::string>& keys, size_t first, const std::string& value) {
    sc_item batch[kBatch];
    for (int i = 0; i < kBatch; ++i) {
      const std::string& k = keys[(first + i) % keys.size()];
      batch[i] = {k.data(), k.size(), bytes(value), value.size(), 0};
    }
    return api_->set_many(handle_, batch, kBatch, err()) == SC_OK;
  }
  std::string error() const { return text_.c_str(); }

 private:
  static const uint8_t* bytes(const std::string& s) {
    return reinterpret_cast<const uint8_t*>(s.data());
  }
  sc_error* err() {
    error_ = {text_.data(), text_.size()};
    return &error_;
  }
  const sc_plugin* api_ = nullptr;
  sc_handle* handle_ = nullptr;
  std::string text_ = std::string(512, '\0');
  sc_error error_{};
};

// A Cache on the plugin at `so_path`: key hashing, envelope and checksum included, no
// compression, no expiry, failures returned rather than turned into misses.
inline std::unique_ptr<sitecache::Cache> make_cache(const char* so_path,
                                                    const std::string& location) {
  static const sitecache::Config config;
  sitecache::CacheConfig settings;
  settings.name = "bench";
  settings.backend = so_path;
  settings.location = location;
  settings.key_prefix = "bench";
  settings.compress = sitecache::Compression::none;
  settings.timeout = sitecache::Timeout::never();
  settings.on_error = sitecache::OnError::fail;
  return std::make_unique<sitecache::Cache>(settings, config);
}

}  // namespace bench_network

#endif  // SITECACHE_BENCH_NETWORK_SUPPORT_HPP
