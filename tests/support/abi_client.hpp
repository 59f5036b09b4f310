// Test support: drives a plugin .so through its raw C ABI (dlopen + the entry symbol),
// without the core's loader. Used by plugin-specific tests (stress, crash, eviction) so
// they exercise the real shared library exactly as the host sees it.
//
// Not thread-safe beyond what the plugin itself declares. Aborts the test (via
// ADD_FAILURE + empty results) rather than throwing when the library cannot be loaded.
#ifndef SITECACHE_TESTS_ABI_CLIENT_HPP
#define SITECACHE_TESTS_ABI_CLIENT_HPP

#include <dlfcn.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sitecache/plugin_abi.h"

namespace sitecache::testing {

// One loaded plugin library plus one handle created from `options`.
class AbiClient {
 public:
  AbiClient(const std::string& so_path, const std::map<std::string, std::string>& options) {
    lib_ = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib_) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    auto entry = reinterpret_cast<sc_plugin_entry_fn>(dlsym(lib_, SC_PLUGIN_ENTRY_SYMBOL));
    if (!entry) throw std::runtime_error("no entry symbol in " + so_path);
    plugin_ = entry();
    std::vector<sc_option> opts;
    for (const auto& [k, v] : options) opts.push_back({k.c_str(), v.c_str()});
    last_status_ = plugin_->create(opts.data(), opts.size(), &handle_, err());
    if (last_status_ != SC_OK) handle_ = nullptr;
  }
  ~AbiClient() {
    if (handle_) plugin_->destroy(handle_);
    // The library stays mapped: the plugin's static descriptor may still be referenced
    // by other clients in the same test process.
  }
  AbiClient(const AbiClient&) = delete;
  AbiClient& operator=(const AbiClient&) = delete;

  bool ok() const { return handle_ != nullptr; }
  const sc_plugin& plugin() const { return *plugin_; }
  sc_handle* handle() const { return handle_; }
  sc_status last_status() const { return last_status_; }
  std::string last_error() const { return std::string(error_text_); }

  std::optional<std::string> get(const std::string& key) {
    std::string out;
    bool found = false;
    struct Ctx {
      std::string* out;
      bool* found;
    } ctx{&out, &found};
    last_status_ = plugin_->get(
        handle_, key.data(), key.size(),
        [](void* c, const uint8_t* d, size_t n) {
          auto* ctx = static_cast<Ctx*>(c);
          ctx->out->assign(reinterpret_cast<const char*>(d), n);
          *ctx->found = true;
        },
        &ctx, err());
    if (last_status_ == SC_OK && found) return out;
    return std::nullopt;
  }
  sc_status set(const std::string& key, const std::string& value, int64_t ttl_ms = 0) {
    return last_status_ = plugin_->set(handle_, key.data(), key.size(),
                                       reinterpret_cast<const uint8_t*>(value.data()), value.size(),
                                       ttl_ms, err());
  }
  sc_status remove(const std::string& key) {
    return last_status_ = plugin_->remove(handle_, key.data(), key.size(), err());
  }
  // Every key under prefix (requires SC_CAP_SCAN).
  std::vector<std::string> keys(const std::string& prefix = "") {
    std::vector<std::string> found;
    uint64_t cursor = 0;
    do {
      last_status_ = plugin_->scan(
          handle_, prefix.data(), prefix.size(), &cursor, 256, SC_SCAN_KEYS,
          [](void* c, const sc_scan_item* item) {
            static_cast<std::vector<std::string>*>(c)->emplace_back(item->key, item->key_size);
            return 0;
          },
          &found, err());
    } while (last_status_ == SC_OK && cursor != 0);
    return found;
  }
  sc_stats stats() {
    sc_stats s{};
    s.struct_size = sizeof(sc_stats);
    last_status_ = plugin_->stats(handle_, &s, err());
    return s;
  }

 private:
  sc_error* err() {
    error_text_[0] = '\0';
    error_ = {error_text_, sizeof(error_text_)};
    return &error_;
  }
  void* lib_ = nullptr;
  const sc_plugin* plugin_ = nullptr;
  sc_handle* handle_ = nullptr;
  sc_status last_status_ = SC_OK;
  char error_text_[512] = {0};
  sc_error error_{};
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_ABI_CLIENT_HPP
