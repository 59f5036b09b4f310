// Signed entries (docs/security.md): what signing and verifying an entry cost, against
// XXH3 over the same bytes (the checksum every read pays anyway) and against a whole
// round trip through the memory backend with and without signing. Figures go in the
// issue note and docs/perf; nothing here is asserted.
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <array>
#include <string>
#include <vector>

#include "signing/keys.hpp"
#include "signing/signed_entry.hpp"
#include "sitecache/cache.hpp"
#include "sitecache/signing.hpp"
#include "storage/store.hpp"

namespace {

std::string payload_of(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

const sitecache::signing::SecretKey& signer() {
  static const sitecache::signing::SecretKey key = [] {
    std::array<uint8_t, 32> seed{};
    seed.fill(7);
    return std::move(sitecache::signing::SecretKey::from_seed(seed).value());
  }();
  return key;
}

constexpr std::string_view kKey = "site:1:0123456789abcdef0123456789abcdef";

void BM_RawXXH3_64(benchmark::State& state) {
  const std::string data = payload_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(XXH3_64bits(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_SignEntry(benchmark::State& state) {
  const std::string data = payload_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    std::string sealed = sitecache::signing::seal(signer(), kKey, sitecache::span_of(data));
    benchmark::DoNotOptimize(sealed.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_VerifyEntry(benchmark::State& state) {
  const std::string data = payload_of(static_cast<size_t>(state.range(0)));
  const std::string sealed = sitecache::signing::seal(signer(), kKey, sitecache::span_of(data));
  const std::vector<sitecache::signing::PublicKey> trusted{signer().public_key()};
  for (auto _ : state) {
    sitecache::signing::Opened opened =
        sitecache::signing::open(sitecache::span_of(sealed), kKey, trusted);
    benchmark::DoNotOptimize(opened.payload.data());
    if (opened.seal != sitecache::signing::Seal::valid) state.SkipWithError("did not verify");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// A get through the whole Cache path on the memory backend, signed or not.
sitecache::Cache& memory_cache(bool signed_entries) {
  static sitecache::Config config;
  auto make = [](bool sign) {
    sitecache::CacheConfig settings;
    settings.name = sign ? "signed" : "plain";
    settings.backend = "memory";
    settings.compress = sitecache::Compression::none;
    if (sign) {
      static const std::string secret = sitecache::generate_signing_key().value().secret;
      ::setenv("SITECACHE_BENCH_SIGNING_KEY", secret.c_str(), 1);
      settings.signing_key = "env:SITECACHE_BENCH_SIGNING_KEY";
      settings.require_signature = true;
    }
    return new sitecache::Cache(settings, config);
  };
  static sitecache::Cache* plain = make(false);
  static sitecache::Cache* with_signing = make(true);
  return signed_entries ? *with_signing : *plain;
}

void cache_get(benchmark::State& state, bool signed_entries) {
  sitecache::Cache& cache = memory_cache(signed_entries);
  const std::string value = payload_of(static_cast<size_t>(state.range(0)));
  if (!cache.set("page", value).is_ok()) state.SkipWithError("set failed");
  for (auto _ : state) {
    auto got = cache.get("page");
    if (!got.is_ok() || !got->has_value()) state.SkipWithError("miss");
    benchmark::DoNotOptimize(got);
  }
}
void BM_MemoryGetUnsigned(benchmark::State& state) {
  cache_get(state, false);
}
void BM_MemoryGetSigned(benchmark::State& state) {
  cache_get(state, true);
}

}  // namespace

BENCHMARK(BM_RawXXH3_64)->Arg(1024)->Arg(64 << 10)->Arg(1 << 20);
BENCHMARK(BM_SignEntry)->Arg(1024)->Arg(64 << 10)->Arg(1 << 20);
BENCHMARK(BM_VerifyEntry)->Arg(1024)->Arg(64 << 10)->Arg(1 << 20);
BENCHMARK(BM_MemoryGetUnsigned)->Arg(1024)->Arg(64 << 10);
BENCHMARK(BM_MemoryGetSigned)->Arg(1024)->Arg(64 << 10);
