// Key hashing: KeyBuilder over tagged fields against raw XXH3-128 of the same bytes.
#include <benchmark/benchmark.h>
#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3 through the widest SIMD variant this CPU runs
#endif

#include <string>

#include "sitecache/key.hpp"

namespace {

std::string input(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

void BM_RawXXH3_128(benchmark::State& state) {
  std::string data = input(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_KeyBuilder(benchmark::State& state) {
  std::string data = input(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    sitecache::Digest d = sitecache::KeyBuilder("render", 1).add_string(data).finish();
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// A typical page key: step + source text + front matter fields + template digest.
void BM_KeyBuilderPageKey(benchmark::State& state) {
  std::string source = input(6000);
  sitecache::Digest layout = sitecache::hash_bytes(std::string_view("layout"));
  for (auto _ : state) {
    sitecache::Digest d = sitecache::KeyBuilder("render-page", 3)
                              .add_string("content/posts/post-00042.md")
                              .add_string(source)
                              .add_string("Some Title")
                              .add_int(1700000000)
                              .add_digest(layout)
                              .finish();
    benchmark::DoNotOptimize(d);
  }
}

}  // namespace

BENCHMARK(BM_RawXXH3_128)->Arg(64)->Arg(1024)->Arg(64 * 1024)->Arg(1 << 20);
BENCHMARK(BM_KeyBuilder)->Arg(64)->Arg(1024)->Arg(64 * 1024)->Arg(1 << 20);
BENCHMARK(BM_KeyBuilderPageKey);
