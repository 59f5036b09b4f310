// Test support for backend tests: thin wrappers over the raw C ABI for the optional
// functions AbiClient does not cover, and ABI-level checks shared by the memory, dummy and
// C backend tests.
//
// Every wrapper takes the descriptor and handle explicitly and keeps its error text in a
// local buffer, so (unlike AbiClient) the wrappers may be called from several threads at
// once on a plugin that declares SC_CAP_THREAD_SAFE.
#ifndef SITECACHE_TESTS_BACKEND_CALLS_HPP
#define SITECACHE_TESTS_BACKEND_CALLS_HPP

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi_client.hpp"
#include "sitecache/plugin_abi.h"

namespace sitecache::testing {

// A plugin handle as seen through the ABI: descriptor + handle.
struct Raw {
  const sc_plugin* plugin;
  sc_handle* handle;
};

inline Raw raw_of(const AbiClient& client) {
  return {&client.plugin(), client.handle()};
}

struct CallError {
  char text[512] = {0};
  sc_error error{text, sizeof(text)};
};

inline const uint8_t* bytes_of(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

inline sc_status raw_get(Raw r, const std::string& key, std::optional<std::string>& out) {
  CallError e;
  out.reset();
  return r.plugin->get(
      r.handle, key.data(), key.size(),
      [](void* c, const uint8_t* d, size_t n) {
        static_cast<std::optional<std::string>*>(c)->emplace(reinterpret_cast<const char*>(d), n);
      },
      &out, &e.error);
}

inline sc_status raw_set(Raw r, const std::string& key, const std::string& value,
                         int64_t ttl_ms = 0) {
  CallError e;
  return r.plugin->set(r.handle, key.data(), key.size(), bytes_of(value), value.size(), ttl_ms,
                       &e.error);
}

inline sc_status raw_remove(Raw r, const std::string& key) {
  CallError e;
  return r.plugin->remove(r.handle, key.data(), key.size(), &e.error);
}

inline sc_status raw_add(Raw r, const std::string& key, const std::string& value, int64_t ttl_ms,
                         int& stored) {
  CallError e;
  stored = -1;
  return r.plugin->add(r.handle, key.data(), key.size(), bytes_of(value), value.size(), ttl_ms,
                       &stored, &e.error);
}

inline sc_status raw_touch(Raw r, const std::string& key, int64_t ttl_ms) {
  CallError e;
  return r.plugin->touch(r.handle, key.data(), key.size(), ttl_ms, &e.error);
}

inline sc_status raw_clear(Raw r, const std::string& prefix) {
  CallError e;
  return r.plugin->clear(r.handle, prefix.data(), prefix.size(), &e.error);
}

// get_many: index -> value for every key found. A key delivered twice is a test failure.
inline sc_status raw_get_many(Raw r, const std::vector<std::string>& keys,
                              std::map<size_t, std::string>& found) {
  CallError e;
  std::vector<sc_key> request;
  for (const auto& k : keys) request.push_back({k.data(), k.size()});
  found.clear();
  return r.plugin->get_many(
      r.handle, request.data(), request.size(),
      [](void* c, size_t index, const uint8_t* d, size_t n) {
        auto* map = static_cast<std::map<size_t, std::string>*>(c);
        EXPECT_EQ(map->count(index), 0u) << "index " << index << " delivered twice";
        (*map)[index] = std::string(reinterpret_cast<const char*>(d), n);
      },
      &found, &e.error);
}

struct KV {
  std::string key;
  std::string value;
  int64_t ttl_ms = 0;
};

inline sc_status raw_set_many(Raw r, const std::vector<KV>& items) {
  CallError e;
  std::vector<sc_item> request;
  for (const auto& kv : items) {
    request.push_back(
        {kv.key.data(), kv.key.size(), bytes_of(kv.value), kv.value.size(), kv.ttl_ms});
  }
  return r.plugin->set_many(r.handle, request.data(), request.size(), &e.error);
}

// One entry as reported by scan (value only with SC_SCAN_VALUES).
struct Scanned {
  std::string key;
  std::optional<std::string> value;
  int64_t value_size = 0;
  int64_t expires_ms = 0;
};

// One scan call. `stop_after` > 0 makes the visitor ask to stop after that many entries.
inline sc_status raw_scan_batch(Raw r, const std::string& prefix, uint64_t& cursor,
                                size_t batch_hint, uint32_t flags, std::vector<Scanned>& out,
                                size_t stop_after = 0) {
  CallError e;
  struct Ctx {
    std::vector<Scanned>* out;
    size_t stop_after;
    size_t seen;
  } ctx{&out, stop_after, 0};
  return r.plugin->scan(
      r.handle, prefix.data(), prefix.size(), &cursor, batch_hint, flags,
      [](void* c, const sc_scan_item* item) {
        auto* ctx = static_cast<Ctx*>(c);
        Scanned s;
        s.key.assign(item->key, item->key_size);
        if (item->value)
          s.value.emplace(reinterpret_cast<const char*>(item->value),
                          static_cast<size_t>(item->value_size));
        s.value_size = item->value_size;
        s.expires_ms = item->expires_ms;
        ctx->out->push_back(std::move(s));
        ++ctx->seen;
        return ctx->stop_after != 0 && ctx->seen >= ctx->stop_after ? 1 : 0;
      },
      &ctx, &e.error);
}

// A whole scan; every call must succeed. Counts how often each key was visited.
inline std::map<std::string, int> raw_scan_counts(Raw r, const std::string& prefix,
                                                  size_t batch_hint) {
  std::map<std::string, int> counts;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    std::vector<Scanned> batch;
    EXPECT_EQ(raw_scan_batch(r, prefix, cursor, batch_hint, SC_SCAN_KEYS, batch), SC_OK);
    EXPECT_LE(batch.size(), batch_hint);
    for (const auto& s : batch) ++counts[s.key];
    if (++calls > 1000000) {
      ADD_FAILURE() << "scan does not terminate";
      break;
    }
  } while (cursor != 0);
  return counts;
}

inline sc_stats raw_stats(Raw r) {
  CallError e;
  sc_stats s{};
  s.struct_size = sizeof(sc_stats);
  EXPECT_EQ(r.plugin->stats(r.handle, &s, &e.error), SC_OK) << e.text;
  return s;
}

// Checks the descriptor header and that each optional function is present exactly when
// its capability bit is declared (the host refuses a plugin where they disagree).
inline void expect_consistent_descriptor(const sc_plugin& p) {
  EXPECT_GE(p.struct_size, sizeof(sc_plugin));
  EXPECT_EQ(p.abi_major, SC_ABI_MAJOR);
  EXPECT_NE(p.name, nullptr);
  EXPECT_NE(p.version, nullptr);
  EXPECT_NE(p.description, nullptr);
  EXPECT_NE(p.create, nullptr);
  EXPECT_NE(p.destroy, nullptr);
  EXPECT_NE(p.get, nullptr);
  EXPECT_NE(p.set, nullptr);
  EXPECT_NE(p.remove, nullptr);
  const struct {
    uint64_t bit;
    bool present;
    const char* name;
  } optional[] = {
      {SC_CAP_GET_MANY, p.get_many != nullptr, "get_many"},
      {SC_CAP_SET_MANY, p.set_many != nullptr, "set_many"},
      {SC_CAP_TOUCH, p.touch != nullptr, "touch"},
      {SC_CAP_CLEAR, p.clear != nullptr, "clear"},
      {SC_CAP_SCAN, p.scan != nullptr, "scan"},
      {SC_CAP_STATS, p.stats != nullptr, "stats"},
      {SC_CAP_ADD, p.add != nullptr, "add"},
  };
  for (const auto& o : optional) {
    EXPECT_EQ((p.capabilities & o.bit) != 0, o.present) << p.name << ": " << o.name;
  }
}

// A value with every byte value in it, including NULs, of the given size.
inline std::string binary_value(size_t size, uint32_t seed = 1) {
  std::string value(size, '\0');
  uint32_t x = seed;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    value[i] = static_cast<char>(i % 7 == 0 ? 0 : (x >> 24));
  }
  return value;
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_BACKEND_CALLS_HPP
