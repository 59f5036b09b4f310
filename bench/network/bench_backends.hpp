// The benchmark bodies shared by the redis and memcached benchmarks: get and set of a
// 1 KiB value, one at a time and in batches of 16, through the plugin's C ABI and through
// a full sitecache Cache. Each file instantiates them for its plugin and registers them.
#ifndef SITECACHE_BENCH_NETWORK_BACKENDS_HPP
#define SITECACHE_BENCH_NETWORK_BACKENDS_HPP

#include <benchmark/benchmark.h>

#include "bench_support.hpp"

namespace bench_network {

// Where one plugin lives: its .so and the environment variable holding the address.
struct Target {
  const char* so_path;
  const char* address_variable;
  std::string (*location)(const std::string& address);
};

// The plugin handle and the Cache of `target`, created on first use (one per process);
// null (and the benchmark skipped) when no server address is set.
RawPlugin* plugin_of(const Target& target, benchmark::State& state);
sitecache::Cache* cache_of(const Target& target, benchmark::State& state);

void plugin_set(benchmark::State& state, const Target& target);
void plugin_get(benchmark::State& state, const Target& target);
void plugin_get_many(benchmark::State& state, const Target& target);
void plugin_set_many(benchmark::State& state, const Target& target);
void cache_set(benchmark::State& state, const Target& target);
void cache_get(benchmark::State& state, const Target& target);
void cache_get_many(benchmark::State& state, const Target& target);
void cache_set_many(benchmark::State& state, const Target& target);

}  // namespace bench_network

#endif  // SITECACHE_BENCH_NETWORK_BACKENDS_HPP
