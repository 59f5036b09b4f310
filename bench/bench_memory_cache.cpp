// The memory backend through the full Cache path (key derivation, envelope, checksum,
// Boost.DLL-loaded plugin over the C ABI) against a plain mutex-protected hash map doing
// the same get/set: the ratio is what the ABI and the envelope cost.
#include <benchmark/benchmark.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include "sitecache/cache.hpp"

namespace {

constexpr int kKeys = 1000;

std::string value_of(size_t n) { return std::string(n, 'v'); }

sitecache::Cache& memory_cache(sitecache::Compression compression) {
  static sitecache::Config config;
  auto make = [&](sitecache::Compression c) {
    sitecache::CacheConfig settings;
    settings.name = "bench";
    settings.backend = "memory";
    settings.compress = c;
    return new sitecache::Cache(settings, config);
  };
  static sitecache::Cache* plain = make(sitecache::Compression::none);
  static sitecache::Cache* zstd = make(sitecache::Compression::zstd);
  return compression == sitecache::Compression::none ? *plain : *zstd;
}

std::vector<std::string> keys() {
  std::vector<std::string> k;
  for (int i = 0; i < kKeys; ++i) k.push_back("fragment/" + std::to_string(i));
  return k;
}

void BM_LockedHashMapSet(benchmark::State& state) {
  std::mutex mutex;
  std::unordered_map<std::string, std::string> map;
  auto k = keys();
  std::string value = value_of(static_cast<size_t>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    std::lock_guard lock(mutex);
    map[k[i++ % kKeys]] = value;
  }
}

void BM_LockedHashMapGet(benchmark::State& state) {
  std::mutex mutex;
  std::unordered_map<std::string, std::string> map;
  auto k = keys();
  std::string value = value_of(static_cast<size_t>(state.range(0)));
  for (const auto& key : k) map[key] = value;
  size_t i = 0;
  for (auto _ : state) {
    std::string out;
    {
      std::lock_guard lock(mutex);
      out = map.find(k[i++ % kKeys])->second;
    }
    benchmark::DoNotOptimize(out);
  }
}

void BM_CacheMemorySet(benchmark::State& state) {
  auto& cache = memory_cache(sitecache::Compression::none);
  auto k = keys();
  std::string value = value_of(static_cast<size_t>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    if (!cache.set(k[i++ % kKeys], value).is_ok()) state.SkipWithError("set failed");
  }
}

void BM_CacheMemoryGet(benchmark::State& state) {
  auto& cache = memory_cache(sitecache::Compression::none);
  auto k = keys();
  std::string value = value_of(static_cast<size_t>(state.range(0)));
  for (const auto& key : k) (void)cache.set(key, value);
  size_t i = 0;
  for (auto _ : state) {
    auto got = cache.get(k[i++ % kKeys]);
    if (!got || !got->has_value()) state.SkipWithError("miss");
    benchmark::DoNotOptimize(got);
  }
}

}  // namespace

BENCHMARK(BM_LockedHashMapSet)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(BM_CacheMemorySet)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(BM_LockedHashMapGet)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(BM_CacheMemoryGet)->Arg(1024)->Arg(64 * 1024);
BENCHMARK_MAIN();
