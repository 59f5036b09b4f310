// Hashing the input files of a build (issue 4): content digests of 10,000 unchanged
// Markdown files (2-6 KiB, 100 directories), each against the hand-written equivalent:
//
//   hash10k/warm/...        through a warm FileHasher (every file remembered in its stat
//       cache) against the floor of any stat cache: one stat() and one hash-table lookup of
//       (size, mtime, ctime, inode) per file.
//   hash10k/cold/...        without a stat cache: sitecache::hash_file on each file against
//       open/read/XXH3-128/close with one reused buffer.
//   hash10k/load-state      loading the stat cache's 10,000-entry state file (paid once per
//       build process).
// Items are files; wall-clock time. The files are written and hashed once per process, so
// the page cache is warm for both sides.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3 through the widest SIMD variant this CPU runs
#endif

#include <chrono>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "support.hpp"

namespace {

using sitecache::FileHasher;

struct Stamp {
  off_t size;
  struct timespec mtime, ctime;
  ino_t inode;
};

constexpr size_t kFiles = 10'000;

// 10,000 Markdown files of 2-6 KiB in 100 directories, written once, then hashed once into
// the stat cache's state file.
struct Tree {
  Tree() : dir("inputs") {
    for (size_t d = 0; d < 100; ++d) {
      std::filesystem::create_directories(dir / ("content/" + std::to_string(d)));
    }
    for (size_t n = 0; n < kFiles; ++n) {
      paths.push_back(
          dir / ("content/" + std::to_string(n % 100) + "/post-" + std::to_string(n) + ".md"));
      bench::write_file(paths.back(), bench::markdown(n, 2048 + (n * 37) % 4096));
    }
    state_file = dir / "stat-cache";
    // racy_window 0: the files were all written just now, and the default 2 s window would
    // leave every one of them out of the table, so each "warm" pass would hash all 10,000.
    // On a real warm build the sources are older than 2 s; 0 reproduces that state without
    // sleeping. The window only matters for edits racing the build, which this never has.
    FileHasher hasher(state_file, std::chrono::milliseconds(0));
    for (const auto& path : paths) {
      if (!hasher.digest(path)) bench::fail("hash " + path);
    }
    if (!hasher.save()) bench::fail("save the stat cache");
  }
  bench::ScratchDir dir;
  std::vector<std::string> paths;
  std::string state_file;
};

Tree& tree() {
  static Tree t;
  return t;
}

void BM_HashWarmFileHasher(benchmark::State& state) {
  Tree& t = tree();
  FileHasher hasher(t.state_file, std::chrono::milliseconds(0));
  for (auto _ : state) {
    for (const auto& path : t.paths) {
      auto digest = hasher.digest(path);
      benchmark::DoNotOptimize(digest);
    }
  }
  if (hasher.counters().hashed != 0) state.SkipWithError("the warm hasher read files");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kFiles));
}

void BM_HashWarmRaw(benchmark::State& state) {
  Tree& t = tree();
  std::unordered_map<std::string, Stamp> stamps;
  for (const auto& path : t.paths) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    stamps[path] = Stamp{st.st_size, st.st_mtim, st.st_ctim, st.st_ino};
  }
  for (auto _ : state) {
    for (const auto& path : t.paths) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) bench::fail("stat " + path);
      auto it = stamps.find(path);
      bool same = it != stamps.end() && it->second.size == st.st_size &&
                  it->second.mtime.tv_nsec == st.st_mtim.tv_nsec &&
                  it->second.mtime.tv_sec == st.st_mtim.tv_sec &&
                  it->second.ctime.tv_nsec == st.st_ctim.tv_nsec &&
                  it->second.ctime.tv_sec == st.st_ctim.tv_sec && it->second.inode == st.st_ino;
      benchmark::DoNotOptimize(same);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kFiles));
}

void BM_HashColdHashFile(benchmark::State& state) {
  Tree& t = tree();
  for (auto _ : state) {
    for (const auto& path : t.paths) {
      auto digest = sitecache::hash_file(path);
      benchmark::DoNotOptimize(digest);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kFiles));
}

void BM_HashColdRaw(benchmark::State& state) {
  Tree& t = tree();
  std::vector<char> buffer(64 * 1024);
  for (auto _ : state) {
    for (const auto& path : t.paths) {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) bench::fail("open " + path);
      ssize_t n = ::read(fd, buffer.data(), buffer.size());
      ::close(fd);
      if (n < 0) bench::fail("read " + path);
      XXH128_hash_t digest = XXH3_128bits(buffer.data(), static_cast<size_t>(n));
      benchmark::DoNotOptimize(digest);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kFiles));
}

void BM_HashLoadState(benchmark::State& state) {
  Tree& t = tree();
  for (auto _ : state) {
    FileHasher hasher(t.state_file, std::chrono::milliseconds(0));
    benchmark::DoNotOptimize(hasher);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kFiles));
}

}  // namespace

namespace bench {

void register_file_hasher_benchmarks() {
  auto add = [](const char* name, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark(name, fn)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  add("hash10k/warm/sitecache", BM_HashWarmFileHasher);
  add("hash10k/warm/raw", BM_HashWarmRaw);
  add("hash10k/cold/sitecache", BM_HashColdHashFile);
  add("hash10k/cold/raw", BM_HashColdRaw);
  add("hash10k/load-state/sitecache", BM_HashLoadState);
}

}  // namespace bench
