// Memoizing render steps (issue 4), each against the hand-written equivalent in one run
// (the stat-cache benchmarks of the same issue are in bench_file_hasher.cpp):
//
//   memoize/hit/<backend>/...   a hit through Cache::memoize, whole path: Inputs with one
//       file input (through a warm FileHasher) and two text inputs, key derivation,
//       single-flight bookkeeping, backend fetch, envelope decode (checksum; zstd in the
//       -zstd rows), the page (bench/data/page.html) copied out. "raw" is the least a
//       hand-written memoizer over the same engine must do: stat the source and look its
//       digest up in a stat table, hash the same fields into a 128-bit XXH3 key, look the
//       key up, copy the value out.
//   memoize/miss/dummy/...      a miss through the dummy backend (it never stores, so every
//       call misses) against calling the same render function directly. The render is a
//       fixed ~50 us of CPU work that returns the page, so the ratio is direct / memoized
//       time and 1 - ratio is sitecache's share of a miss (inputs, key, single-flight,
//       envelope encode, zstd in the -zstd row, the ABI call).
// Wall-clock time throughout.
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3 through the widest SIMD variant this CPU runs
#endif

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <string>
#include <unordered_map>

#include "raw_engines.hpp"
#include "support.hpp"

namespace {

using sitecache::Cache;
using sitecache::Compression;
using sitecache::Digest;
using sitecache::FileHasher;

const sitecache::Step kStep{"render-post", 4};
constexpr std::string_view kTitle = "Incremental builds with content hashing";
constexpr std::string_view kBaseUrl = "https://notes.example.org/";

// Thread CPU time, so that calibration is not fooled by preemption on a busy machine.
double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

uint64_t spin(uint64_t rounds) {
  uint64_t x = 88172645463325252u;
  for (uint64_t i = 0; i < rounds; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    benchmark::DoNotOptimize(x);
  }
  return x;
}

// How many rounds of spin() take 50 us of CPU here: the fastest of several trials, so
// that the render is a fixed amount of work (not a fixed wall-clock wait, which would
// hide overhead behind preemption).
uint64_t rounds_for_50us() {
  static const uint64_t rounds = [] {
    constexpr uint64_t kProbe = 200'000;
    double best = 1e18;
    for (int trial = 0; trial < 20; ++trial) {
      const double start = thread_cpu_us();
      spin(kProbe);
      best = std::min(best, thread_cpu_us() - start);
    }
    return static_cast<uint64_t>(static_cast<double>(kProbe) * 50.0 / best);
  }();
  return rounds;
}

// Stands in for a render: ~50 us of work, then the page.
std::string render() {
  benchmark::DoNotOptimize(spin(rounds_for_50us()));
  return bench::page_html();
}

// --- memoize hit --------------------------------------------------------------------------

struct HitSetup {
  HitSetup()
      : dir("memoize"),
        source(dir / "post.md"),
        // racy_window 0: post.md was written a moment ago, so the default 2 s window would
        // keep the hasher from remembering it and every "hit" would re-read the file. A
        // real warm build sees sources older than that; 0 puts the hasher in that state.
        hasher(dir / "stat-cache", std::chrono::milliseconds(0)),
        raw_sqlite(dir / "raw.db") {
    bench::write_file(source, bench::markdown(1, 6000));
  }
  bench::ScratchDir dir;
  std::string source;
  FileHasher hasher;
  bench::RawSqlite raw_sqlite;
  std::mutex raw_mutex;
  std::unordered_map<std::string, std::string> raw_memory;
};

HitSetup& hit_setup() {
  static HitSetup setup;
  return setup;
}

void BM_MemoizeHit(benchmark::State& state, std::string backend, Compression compression) {
  HitSetup& s = hit_setup();
  // One database per compression setting: a zstd cache reading entries stored
  // uncompressed would not decompress anything.
  const std::string location =
      backend == "sqlite" ? s.dir / (compression == Compression::zstd ? "memo-zstd.db" : "memo.db")
                          : "";
  auto cache = bench::open_cache(backend, location, compression, s.dir.path());
  int renders = 0;
  auto counting_render = [&] {
    ++renders;
    return render();
  };
  auto once = [&] {
    sitecache::Inputs inputs;
    inputs.file("source", s.source, s.hasher).text("title", kTitle).text("base_url", kBaseUrl);
    return cache->memoize(kStep, inputs, counting_render);
  };
  if (!once()) bench::fail("memoize (priming)");
  renders = 0;
  for (auto _ : state) {
    auto html = once();
    if (!html || html->size() != bench::page_html().size()) {
      state.SkipWithError("memoize failed");
      break;
    }
    benchmark::DoNotOptimize(html);
  }
  if (renders != 0) state.SkipWithError("a hit rendered");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// The hand-written memoizer: a stat table, an XXH3-128 key over length-prefixed fields.
struct RawStamp {
  off_t size;
  struct timespec mtime, ctime;
  ino_t inode;
  XXH128_hash_t digest;
};

void feed(XXH3_state_t* h, std::string_view field) {
  const uint64_t size = field.size();
  XXH3_128bits_update(h, &size, sizeof size);
  XXH3_128bits_update(h, field.data(), field.size());
}

std::string raw_key(const std::string& path, std::unordered_map<std::string, RawStamp>& stamps,
                    XXH3_state_t* h) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) bench::fail("stat " + path);
  const RawStamp& stamp = stamps.at(path);
  if (stamp.size != st.st_size || stamp.inode != st.st_ino ||
      stamp.mtime.tv_nsec != st.st_mtim.tv_nsec || stamp.mtime.tv_sec != st.st_mtim.tv_sec ||
      stamp.ctime.tv_nsec != st.st_ctim.tv_nsec || stamp.ctime.tv_sec != st.st_ctim.tv_sec) {
    bench::fail("source changed");
  }
  XXH3_128bits_reset(h);
  feed(h, kStep.name);
  XXH3_128bits_update(h, &kStep.version, sizeof kStep.version);
  feed(h, "source");
  XXH3_128bits_update(h, &stamp.digest, sizeof stamp.digest);
  feed(h, "title");
  feed(h, kTitle);
  feed(h, "base_url");
  feed(h, kBaseUrl);
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(h));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "sc:1:";
  for (unsigned char byte : canonical.digest) {
    key += kHex[byte >> 4];
    key += kHex[byte & 15];
  }
  return key;
}

void BM_RawMemoizeHit(benchmark::State& state, std::string backend) {
  HitSetup& s = hit_setup();
  std::unordered_map<std::string, RawStamp> stamps;
  {
    struct stat st {};
    if (::stat(s.source.c_str(), &st) != 0) bench::fail("stat " + s.source);
    std::ifstream in(s.source, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    stamps[s.source] = RawStamp{st.st_size, st.st_mtim, st.st_ctim, st.st_ino,
                                XXH3_128bits(text.data(), text.size())};
  }
  XXH3_state_t* h = XXH3_createState();
  const std::string key = raw_key(s.source, stamps, h);
  if (backend == "sqlite") {
    s.raw_sqlite.set(key, render());
  } else {
    s.raw_memory[key] = render();
  }
  std::string out;
  for (auto _ : state) {
    const std::string k = raw_key(s.source, stamps, h);
    bool found = false;
    if (backend == "sqlite") {
      found = s.raw_sqlite.get(k, out);
    } else {
      std::lock_guard lock(s.raw_mutex);
      auto it = s.raw_memory.find(k);
      found = it != s.raw_memory.end();
      if (found) out = it->second;
    }
    if (!found) {
      state.SkipWithError("raw miss");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  XXH3_freeState(h);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// --- memoize miss -------------------------------------------------------------------------

void BM_MemoizeMissDummy(benchmark::State& state, Compression compression) {
  HitSetup& s = hit_setup();
  auto cache = bench::open_cache("dummy", "", compression, s.dir.path());
  for (auto _ : state) {
    sitecache::Inputs inputs;
    inputs.file("source", s.source, s.hasher).text("title", kTitle).text("base_url", kBaseUrl);
    auto html = cache->memoize(kStep, inputs, render);
    if (!html) {
      state.SkipWithError("memoize failed");
      break;
    }
    benchmark::DoNotOptimize(html);
  }
  if (cache->counters().hits != 0) state.SkipWithError("the dummy backend hit");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_DirectRender(benchmark::State& state) {
  for (auto _ : state) {
    std::string html = render();
    benchmark::DoNotOptimize(html);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// --- hashing 10,000 input files -----------------------------------------------------------

void register_all() {
  for (const std::string backend : {"memory", "sqlite"}) {
    const std::string prefix = "memoize/hit/" + backend + "/" + bench::page_tag() + "/";
    benchmark::RegisterBenchmark((prefix + "sitecache").c_str(), BM_MemoizeHit, backend,
                                 Compression::none)
        ->UseRealTime();
    benchmark::RegisterBenchmark((prefix + "sitecache-zstd").c_str(), BM_MemoizeHit, backend,
                                 Compression::zstd)
        ->UseRealTime();
    benchmark::RegisterBenchmark((prefix + "raw").c_str(), BM_RawMemoizeHit, backend)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("memoize/miss/dummy/render50us/sitecache", BM_MemoizeMissDummy,
                               Compression::none)
      ->UseRealTime();
  benchmark::RegisterBenchmark("memoize/miss/dummy/render50us/sitecache-zstd", BM_MemoizeMissDummy,
                               Compression::zstd)
      ->UseRealTime();
  benchmark::RegisterBenchmark("memoize/miss/dummy/render50us/raw", BM_DirectRender)->UseRealTime();
}

}  // namespace

namespace bench {
void register_file_hasher_benchmarks();  // bench_file_hasher.cpp
}  // namespace bench

int main(int argc, char** argv) {
  register_all();
  bench::register_file_hasher_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
