// Test support for the network backends: every plugin call through the raw C ABI, on a
// handle made by AbiClient (tests/support/abi_client.hpp). Unlike AbiClient's own methods
// these keep their error text per call, so several threads may use them at once on a
// thread-safe plugin. Shared by tests/redis and tests/memcached.
#ifndef SITECACHE_TESTS_PLUGIN_CALLS_HPP
#define SITECACHE_TESTS_PLUGIN_CALLS_HPP

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi_client.hpp"
#include "sitecache/plugin_abi.h"

namespace sitecache::testing {

// The outcome of one call: status, error text, and what came back.
struct Call {
  sc_status status = SC_OK;
  std::string error;
};

struct GetResult : Call {
  std::optional<std::string> value;
};

struct ScanEntry {
  std::string key;
  std::optional<std::string> value;
  int64_t value_size = -1;
  int64_t expires_ms = 0;
};

class Calls {
 public:
  explicit Calls(const AbiClient& client) : plugin_(&client.plugin()), handle_(client.handle()) {}

  GetResult get(const std::string& key) const {
    GetResult r;
    Error e;
    r.status = plugin_->get(
        handle_, key.data(), key.size(),
        [](void* c, const uint8_t* d, size_t n) {
          static_cast<std::optional<std::string>*>(c)->emplace(reinterpret_cast<const char*>(d), n);
        },
        &r.value, &e.error);
    r.error = e.text;
    return r;
  }
  Call set(const std::string& key, const std::string& value, int64_t ttl_ms = 0) const {
    Error e;
    return e.finish(plugin_->set(handle_, key.data(), key.size(), bytes(value), value.size(),
                                 ttl_ms, &e.error));
  }
  Call add(const std::string& key, const std::string& value, int64_t ttl_ms, bool& stored) const {
    Error e;
    int flag = 0;
    Call c = e.finish(plugin_->add(handle_, key.data(), key.size(), bytes(value), value.size(),
                                   ttl_ms, &flag, &e.error));
    stored = flag != 0;
    return c;
  }
  Call remove(const std::string& key) const {
    Error e;
    return e.finish(plugin_->remove(handle_, key.data(), key.size(), &e.error));
  }
  Call touch(const std::string& key, int64_t ttl_ms) const {
    Error e;
    return e.finish(plugin_->touch(handle_, key.data(), key.size(), ttl_ms, &e.error));
  }
  Call clear(const std::string& prefix) const {
    Error e;
    return e.finish(plugin_->clear(handle_, prefix.data(), prefix.size(), &e.error));
  }
  // values[i] is set for every found keys[i].
  Call get_many(const std::vector<std::string>& keys,
                std::vector<std::optional<std::string>>& values) const {
    std::vector<sc_key> raw;
    for (const auto& k : keys) raw.push_back({k.data(), k.size()});
    values.assign(keys.size(), std::nullopt);
    Error e;
    return e.finish(plugin_->get_many(
        handle_, raw.data(), raw.size(),
        [](void* c, size_t i, const uint8_t* d, size_t n) {
          (*static_cast<std::vector<std::optional<std::string>>*>(c))[i].emplace(
              reinterpret_cast<const char*>(d), n);
        },
        &values, &e.error));
  }
  Call set_many(const std::map<std::string, std::string>& items, int64_t ttl_ms = 0) const {
    std::vector<sc_item> raw;
    for (const auto& [k, v] : items)
      raw.push_back({k.data(), k.size(), bytes(v), v.size(), ttl_ms});
    Error e;
    return e.finish(plugin_->set_many(handle_, raw.data(), raw.size(), &e.error));
  }
  // Every entry under prefix, all batches.
  Call scan(const std::string& prefix, bool values, std::vector<ScanEntry>& out,
            size_t batch_hint = 100) const {
    out.clear();
    uint64_t cursor = 0;
    Call c;
    do {
      Error e;
      c = e.finish(plugin_->scan(
          handle_, prefix.data(), prefix.size(), &cursor, batch_hint,
          values ? SC_SCAN_VALUES : SC_SCAN_KEYS,
          [](void* ctx, const sc_scan_item* item) {
            ScanEntry entry;
            entry.key.assign(item->key, item->key_size);
            if (item->value)
              entry.value.emplace(reinterpret_cast<const char*>(item->value),
                                  static_cast<size_t>(item->value_size));
            entry.value_size = item->value_size;
            entry.expires_ms = item->expires_ms;
            static_cast<std::vector<ScanEntry>*>(ctx)->push_back(std::move(entry));
            return 0;
          },
          &out, &e.error));
    } while (c.status == SC_OK && cursor != 0);
    return c;
  }
  Call stats(sc_stats& out) const {
    out = sc_stats{};
    out.struct_size = sizeof(sc_stats);
    Error e;
    return e.finish(plugin_->stats(handle_, &out, &e.error));
  }

 private:
  struct Error {
    char text[512] = {0};
    sc_error error{text, sizeof(text)};
    Call finish(sc_status status) const { return Call{status, text}; }
  };
  static const uint8_t* bytes(const std::string& s) {
    return reinterpret_cast<const uint8_t*>(s.data());
  }
  const sc_plugin* plugin_;
  sc_handle* handle_;
};

// A handle on `so_path` with `options`; fails the test when creation fails.
inline std::unique_ptr<AbiClient> open_plugin(const std::string& so_path,
                                              const std::map<std::string, std::string>& options) {
  return std::make_unique<AbiClient>(so_path, options);
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_PLUGIN_CALLS_HPP
