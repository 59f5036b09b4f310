// The redis plugin, 1 KiB values, one connection: through the C ABI and through a full
// Cache. The baseline is redis-benchmark with the same value size and pipeline depth,
// which run.sh runs beside this program (-c 1 -P 1 and -P 16): GetMany16 is one MGET of 16
// keys, SetMany16 is 16 pipelined SETs.
#include "bench_backends.hpp"

namespace bench_network {
namespace {

const Target kRedis{REDIS_PLUGIN_PATH, "SITECACHE_TEST_REDIS",
                    [](const std::string& address) { return "redis://" + address + "/0"; }};

void BM_RedisPluginSet(benchmark::State& s) {
  plugin_set(s, kRedis);
}
void BM_RedisPluginGet(benchmark::State& s) {
  plugin_get(s, kRedis);
}
void BM_RedisPluginGetMany16(benchmark::State& s) {
  plugin_get_many(s, kRedis);
}
void BM_RedisPluginSetMany16(benchmark::State& s) {
  plugin_set_many(s, kRedis);
}
void BM_RedisCacheSet(benchmark::State& s) {
  cache_set(s, kRedis);
}
void BM_RedisCacheGet(benchmark::State& s) {
  cache_get(s, kRedis);
}
void BM_RedisCacheGetMany16(benchmark::State& s) {
  cache_get_many(s, kRedis);
}
void BM_RedisCacheSetMany16(benchmark::State& s) {
  cache_set_many(s, kRedis);
}

BENCHMARK(BM_RedisPluginSet)->UseRealTime();
BENCHMARK(BM_RedisPluginGet)->UseRealTime();
BENCHMARK(BM_RedisPluginGetMany16)->UseRealTime();
BENCHMARK(BM_RedisPluginSetMany16)->UseRealTime();
BENCHMARK(BM_RedisCacheSet)->UseRealTime();
BENCHMARK(BM_RedisCacheGet)->UseRealTime();
BENCHMARK(BM_RedisCacheGetMany16)->UseRealTime();
BENCHMARK(BM_RedisCacheSetMany16)->UseRealTime();

}  // namespace
}  // namespace bench_network
