// Persistent backends (issue 3): get, set, set_many and get_many through the full Cache
// path on the sqlite and file plugins, side by side in one run with the raw engine doing
// the same work (raw_engines.hpp).
//
// What each pair measures, and why it is fair:
//   - Both sides store the same keys (the 37-byte backend keys sitecache derives, computed
//     before timing for the raw side) and the same values, in separate files of one scratch
//     directory on the same file system, with the same SQLite settings.
//   - sitecache does, inside the timing: the key digest, the entry envelope (header,
//     label, XXH3 checksum; zstd when on), the plugin call over the C ABI, and whatever the
//     plugin adds (expiry, access-time table, size totals, temp-file naming, accounting).
//     That extra work is exactly what the ratio prices. Timeout is the default 7 days, as
//     in a real cache.
//   - Every value is copied out into an owned std::string on both sides.
//   - set writes a new key every time (a content-addressed cache mostly inserts: new
//     content is a new key), one transaction (sqlite) or one temp file + rename (file) per
//     set. set_many writes 100 new entries per call, in one transaction on both sqlite
//     sides; the file backend has no batch primitive, so both file sides write them one by
//     one. get and get_many read a pool written beforehand, cycling through its keys.
//   - Wall-clock time (UseRealTime): file-system work is not all on this thread's CPU.
// The "page" rows store bench/data/page.html (a rendered post) with zstd off and on; the
// counter raw/stored is value bytes over envelope bytes written (Cache counters), i.e.
// the compression ratio including the envelope's overhead.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache_impl.hpp"
#include "format/plain_key.hpp"
#include "raw_engines.hpp"
#include "support.hpp"

namespace {

using sitecache::Cache;
using sitecache::Compression;

constexpr size_t kBatch = 100;

enum class Impl { sitecache, sitecache_zstd, raw };

const char* impl_name(Impl impl) {
  switch (impl) {
    case Impl::sitecache:
      return "sitecache";
    case Impl::sitecache_zstd:
      return "sitecache-zstd";
    case Impl::raw:
      break;
  }
  return "raw";
}

// The file backend's 256 x 256 shard directories (plugins/file/layout.hpp), created
// before any timing as they exist in a cache that has been in use for a while. Without
// this, nearly every timed set into a new cache would also create one or two
// directories, a one-time cost per shard that the raw side (whose 256 shards
// RawFiles creates up front) never pays.
void create_file_shards(const std::string& location) {
  std::filesystem::create_directories(location);
  char name[8];
  for (int level1 = 0; level1 < 256; ++level1) {
    std::snprintf(name, sizeof(name), "%02x", level1);
    const std::filesystem::path dir1 = std::filesystem::path(location) / name;
    std::filesystem::create_directory(dir1);
    for (int level2 = 0; level2 < 256; ++level2) {
      std::snprintf(name, sizeof(name), "%02x", level2);
      std::filesystem::create_directory(dir1 / name);
    }
  }
}

// One backend's stores: two Caches (zstd off / on) and the raw engine, each in its own
// file or directory under one scratch directory. Created on first use, kept for the run.
struct Stores {
  explicit Stores(const std::string& backend_name)
      : backend(backend_name), dir("persistent-" + backend_name) {
    const bool sqlite = backend == "sqlite";
    if (!sqlite) {
      create_file_shards(dir / "files");
      create_file_shards(dir / "files-zstd");
    }
    plain = bench::open_cache(backend, dir / (sqlite ? "cache.db" : "files"), Compression::none,
                              dir.path());
    zstd = bench::open_cache(backend, dir / (sqlite ? "cache-zstd.db" : "files-zstd"),
                             Compression::zstd, dir.path());
    // One untimed write each: a new store's first write does one-time setup (the file
    // backend's first maintenance pass walks the shard tree).
    for (Cache* cache : {plain.get(), zstd.get()}) {
      if (!cache->set("bench/warm-up", "x").is_ok()) bench::fail("warm-up write " + backend);
    }
    if (sqlite) {
      raw_sqlite = std::make_unique<bench::RawSqlite>(dir / "raw.db");
    } else {
      raw_files = std::make_unique<bench::RawFiles>(dir / "raw");
    }
  }

  Cache& cache(Impl impl) { return impl == Impl::sitecache_zstd ? *zstd : *plain; }

  void raw_set(const std::string& key, const std::string& value) {
    if (raw_sqlite) {
      raw_sqlite->set(key, value);
    } else {
      raw_files->set(key, value);
    }
  }
  bool raw_get(const std::string& key, std::string& out) {
    return raw_sqlite ? raw_sqlite->get(key, out) : raw_files->get(key, out);
  }
  void raw_set_many(std::span<const std::pair<std::string, std::string>> items) {
    if (raw_sqlite) {
      raw_sqlite->set_many(items);
    } else {
      for (const auto& [key, value] : items) raw_files->set(key, value);
    }
  }
  size_t raw_get_many(std::span<const std::string> keys, std::string* out) {
    if (raw_sqlite) return raw_sqlite->get_many(keys, out);
    size_t found = 0;
    for (size_t i = 0; i < keys.size(); ++i) found += raw_files->get(keys[i], out[i]) ? 1 : 0;
    return found;
  }

  std::string backend;
  bench::ScratchDir dir;
  std::unique_ptr<Cache> plain;
  std::unique_ptr<Cache> zstd;
  std::unique_ptr<bench::RawSqlite> raw_sqlite;
  std::unique_ptr<bench::RawFiles> raw_files;
  std::set<std::string> filled;  // pools already written for the get benchmarks
  uint64_t next_key = 0;         // the set benchmarks' next fresh key
};

Stores& stores(const std::string& backend) {
  static std::map<std::string, std::unique_ptr<Stores>> all;
  auto& slot = all[backend];
  if (!slot) slot = std::make_unique<Stores>(backend);
  return *slot;
}

// A pool of keys: plain keys for the Cache, the backend keys they map to for the raw side.
struct Pool {
  std::vector<std::string> plain;
  std::vector<std::string> backend;
  std::string value;
};

Pool make_pool(Cache& cache, const std::string& tag, size_t count, const std::string& value) {
  Pool pool;
  pool.value = value;
  for (size_t i = 0; i < count; ++i) {
    pool.plain.push_back("bench/" + tag + "/" + std::to_string(i));
    pool.backend.push_back(sitecache::CacheInternals::of(cache).keys.entry(
        sitecache::plain_key_digest(pool.plain.back())));
  }
  return pool;
}

// Writes every key of the pool once (untimed), so the get benchmarks only hit.
void fill(Stores& s, Impl impl, const std::string& tag, const Pool& pool) {
  const std::string id =
      std::string(impl_name(impl)) + "/" + tag + "/" + std::to_string(pool.plain.size());
  if (!s.filled.insert(id).second) return;
  for (size_t i = 0; i < pool.plain.size(); ++i) {
    if (impl == Impl::raw) {
      s.raw_set(pool.backend[i], pool.value);
    } else if (!s.cache(impl).set(pool.plain[i], pool.value).is_ok()) {
      bench::fail("prefill " + tag);
    }
  }
}

void report_storage(benchmark::State& state, const sitecache::CacheCounters& before,
                    const sitecache::CacheCounters& after, size_t value_size) {
  const uint64_t sets = after.sets - before.sets;
  const uint64_t written = after.bytes_written - before.bytes_written;
  if (sets == 0 || written == 0) return;
  state.counters["raw/stored"] =
      static_cast<double>(sets * value_size) / static_cast<double>(written);
  state.counters["stored_B"] = static_cast<double>(written) / static_cast<double>(sets);
}

// Fresh keys for the set benchmarks: a content-addressed cache mostly inserts (new content
// is a new key). Both sides build a 37-byte key per write inside the timing (~100 ns, on
// both sides alike): the plain key the Cache hashes, or the raw side's
// "sc:1:<32 hex digits>" of a well-mixed number, so both b-trees see random keys.
std::string fresh_plain_key(uint64_t n) {
  return "bench/new/" + std::to_string(n);
}

std::string fresh_raw_key(uint64_t n) {
  auto mix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
  };
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "sc:1:";
  for (uint64_t part : {mix(n), mix(~n)}) {
    for (int shift = 60; shift >= 0; shift -= 4) key += kHex[(part >> shift) & 15];
  }
  return key;
}

void BM_Set(benchmark::State& state, const std::string& backend, Impl impl, const std::string&,
            size_t, const std::string* value) {
  Stores& s = stores(backend);
  const auto before = s.cache(impl).counters();
  for (auto _ : state) {
    const uint64_t n = s.next_key++;
    if (impl == Impl::raw) {
      s.raw_set(fresh_raw_key(n), *value);
    } else if (!s.cache(impl).set(fresh_plain_key(n), *value).is_ok()) {
      state.SkipWithError("set failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * value->size()));
  if (impl != Impl::raw) report_storage(state, before, s.cache(impl).counters(), value->size());
}

void BM_Get(benchmark::State& state, const std::string& backend, Impl impl, const std::string& tag,
            size_t keys, const std::string* value) {
  Stores& s = stores(backend);
  Pool pool = make_pool(s.cache(impl), tag, keys, *value);
  fill(s, impl, tag, pool);
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ % keys;
    if (impl == Impl::raw) {
      if (!s.raw_get(pool.backend[k], out)) {
        state.SkipWithError("raw miss");
        break;
      }
    } else {
      auto got = s.cache(impl).get(pool.plain[k]);
      if (!got || !got->has_value() || (*got)->size() != value->size()) {
        state.SkipWithError("cache miss");
        break;
      }
      benchmark::DoNotOptimize(got);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * value->size()));
}

// One call writes kBatch new entries; items/s counts entries. The batch is built with the
// timer paused.
void BM_SetMany(benchmark::State& state, const std::string& backend, Impl impl, const std::string&,
                size_t, const std::string* value) {
  Stores& s = stores(backend);
  std::map<std::string, std::string> batch;
  std::vector<std::pair<std::string, std::string>> list;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    list.clear();
    for (size_t j = 0; j < kBatch; ++j) {
      const uint64_t n = s.next_key++;
      if (impl == Impl::raw) {
        list.emplace_back(fresh_raw_key(n), *value);
      } else {
        batch.emplace(fresh_plain_key(n), *value);
      }
    }
    state.ResumeTiming();
    if (impl == Impl::raw) {
      s.raw_set_many(list);
    } else if (!s.cache(impl).set_many(batch).is_ok()) {
      state.SkipWithError("set_many failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}

void BM_GetMany(benchmark::State& state, const std::string& backend, Impl impl,
                const std::string& tag, size_t keys, const std::string* value) {
  Stores& s = stores(backend);
  Pool pool = make_pool(s.cache(impl), tag, keys, *value);
  fill(s, impl, tag, pool);
  std::vector<std::string> out(kBatch);
  size_t i = 0;
  for (auto _ : state) {
    const size_t first = (i++ % (keys / kBatch)) * kBatch;
    if (impl == Impl::raw) {
      std::span<const std::string> batch(pool.backend.data() + first, kBatch);
      if (s.raw_get_many(batch, out.data()) != kBatch) state.SkipWithError("raw miss");
    } else {
      std::span<const std::string> batch(pool.plain.data() + first, kBatch);
      auto got = s.cache(impl).get_many(batch);
      if (!got || got->size() != kBatch) {
        state.SkipWithError("cache miss");
        break;
      }
      benchmark::DoNotOptimize(got);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}

using BenchFn = void (*)(benchmark::State&, const std::string&, Impl, const std::string&, size_t,
                         const std::string*);

// "persistent/<backend>/<op>/<values>/<impl>": the summary compares every row with the
// "raw" row of the same prefix.
void add(const std::string& backend, const char* op, BenchFn fn, const std::string& tag,
         size_t keys, const std::string* value, std::initializer_list<Impl> impls) {
  for (Impl impl : impls) {
    std::string name = "persistent/" + backend + "/" + op + "/" + tag + "/" + impl_name(impl);
    benchmark::RegisterBenchmark(name.c_str(), fn, backend, impl, tag, keys, value)->UseRealTime();
  }
}

void register_all() {
  static const std::string kib1 = bench::html_of_size(1024);
  static const std::string kib64 = bench::html_of_size(64 * 1024);
  const std::string& page = bench::page_html();
  const std::string page_tag = bench::page_tag();
  for (const std::string backend : {"sqlite", "file"}) {
    for (auto [tag, keys, value] :
         {std::tuple{"1KiB", size_t{1000}, &kib1}, std::tuple{"64KiB", size_t{200}, &kib64}}) {
      add(backend, "set", BM_Set, tag, keys, value, {Impl::sitecache, Impl::raw});
      add(backend, "get", BM_Get, tag, keys, value, {Impl::sitecache, Impl::raw});
    }
    add(backend, "set_many100", BM_SetMany, "1KiB", 0, &kib1, {Impl::sitecache, Impl::raw});
    add(backend, "get_many100", BM_GetMany, "1KiB", 2000, &kib1, {Impl::sitecache, Impl::raw});
    const auto all = {Impl::sitecache, Impl::sitecache_zstd, Impl::raw};
    add(backend, "set", BM_Set, page_tag, 200, &page, all);
    add(backend, "get", BM_Get, page_tag, 200, &page, all);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
