// The memcached plugin, 1 KiB values, one connection: through the C ABI and through a full
// Cache, against plain libmemcached calls doing the same work with the same behaviours
// (binary protocol, non-blocking I/O, TCP_NODELAY): memcached_set, memcached_get, and
// memcached_mget + fetch of 16 keys. There is no memcached counterpart of redis-benchmark
// in the toolchain, so the raw client is the baseline.
#include <libmemcached/memcached.h>

#include <cstdlib>

#include "bench_backends.hpp"

namespace bench_network {
namespace {

const Target kMemcached{MEMCACHED_PLUGIN_PATH, "SITECACHE_TEST_MEMCACHED",
                        [](const std::string& address) { return address; }};

void BM_MemcachedPluginSet(benchmark::State& s) {
  plugin_set(s, kMemcached);
}
void BM_MemcachedPluginGet(benchmark::State& s) {
  plugin_get(s, kMemcached);
}
void BM_MemcachedPluginGetMany16(benchmark::State& s) {
  plugin_get_many(s, kMemcached);
}
void BM_MemcachedPluginSetMany16(benchmark::State& s) {
  plugin_set_many(s, kMemcached);
}
void BM_MemcachedCacheSet(benchmark::State& s) {
  cache_set(s, kMemcached);
}
void BM_MemcachedCacheGet(benchmark::State& s) {
  cache_get(s, kMemcached);
}
void BM_MemcachedCacheGetMany16(benchmark::State& s) {
  cache_get_many(s, kMemcached);
}
void BM_MemcachedCacheSetMany16(benchmark::State& s) {
  cache_set_many(s, kMemcached);
}

// A plain libmemcached client on the server, configured like the plugin's.
memcached_st* raw_client(benchmark::State& state) {
  static memcached_st* client = nullptr;
  std::optional<std::string> address = server(kMemcached.address_variable);
  if (!address) {
    state.SkipWithError("SITECACHE_TEST_MEMCACHED is not set");
    return nullptr;
  }
  if (client == nullptr) {
    client = memcached_create(nullptr);
    memcached_behavior_set(client, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    memcached_behavior_set(client, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
    memcached_behavior_set(client, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    size_t colon = address->rfind(':');
    memcached_server_add(client, address->substr(0, colon).c_str(),
                         static_cast<in_port_t>(std::stoi(address->substr(colon + 1))));
  }
  return client;
}

const std::vector<std::string>& raw_keys() {
  static const std::vector<std::string> k = keys("raw:1:");
  return k;
}

void BM_LibmemcachedSet(benchmark::State& state) {
  memcached_st* client = raw_client(state);
  if (client == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& key = raw_keys()[i++ % kKeys];
    if (memcached_set(client, key.data(), key.size(), value_1k().data(), value_1k().size(), 0, 0) !=
        MEMCACHED_SUCCESS) {
      state.SkipWithError("memcached_set failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_LibmemcachedGet(benchmark::State& state) {
  memcached_st* client = raw_client(state);
  if (client == nullptr) return;
  for (const auto& key : raw_keys()) {
    memcached_set(client, key.data(), key.size(), value_1k().data(), value_1k().size(), 0, 0);
  }
  size_t i = 0;
  std::string out;
  for (auto _ : state) {
    const std::string& key = raw_keys()[i++ % kKeys];
    size_t length = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char* value = memcached_get(client, key.data(), key.size(), &length, &flags, &rc);
    if (value == nullptr || length != kValueSize) {
      state.SkipWithError("memcached_get missed or failed");
      break;
    }
    out.assign(value, length);  // the copy the plugin's host makes too
    std::free(value);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_LibmemcachedMget16(benchmark::State& state) {
  memcached_st* client = raw_client(state);
  if (client == nullptr) return;
  for (const auto& key : raw_keys()) {
    memcached_set(client, key.data(), key.size(), value_1k().data(), value_1k().size(), 0, 0);
  }
  size_t first = 0;
  std::vector<std::string> out(kBatch);
  for (auto _ : state) {
    const char* batch[kBatch];
    size_t lengths[kBatch];
    for (int i = 0; i < kBatch; ++i) {
      const std::string& key = raw_keys()[(first + i) % kKeys];
      batch[i] = key.data();
      lengths[i] = key.size();
    }
    first += kBatch;
    if (memcached_mget(client, batch, lengths, kBatch) != MEMCACHED_SUCCESS) {
      state.SkipWithError("memcached_mget failed");
      break;
    }
    int found = 0;
    memcached_return_t rc;
    memcached_result_st* result = nullptr;
    while ((result = memcached_fetch_result(client, result, &rc)) != nullptr) {
      out[found++ % kBatch].assign(memcached_result_value(result), memcached_result_length(result));
    }
    if (found != kBatch) {
      state.SkipWithError("memcached_mget missed keys");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

BENCHMARK(BM_LibmemcachedSet)->UseRealTime();
BENCHMARK(BM_LibmemcachedGet)->UseRealTime();
BENCHMARK(BM_LibmemcachedMget16)->UseRealTime();
BENCHMARK(BM_MemcachedPluginSet)->UseRealTime();
BENCHMARK(BM_MemcachedPluginGet)->UseRealTime();
BENCHMARK(BM_MemcachedPluginGetMany16)->UseRealTime();
BENCHMARK(BM_MemcachedPluginSetMany16)->UseRealTime();
BENCHMARK(BM_MemcachedCacheSet)->UseRealTime();
BENCHMARK(BM_MemcachedCacheGet)->UseRealTime();
BENCHMARK(BM_MemcachedCacheGetMany16)->UseRealTime();
BENCHMARK(BM_MemcachedCacheSetMany16)->UseRealTime();

}  // namespace
}  // namespace bench_network

BENCHMARK_MAIN();
