// Shared helpers of the persistent and memoize benchmarks: a scratch directory, realistic
// values cut from a rendered HTML page, and Cache construction that fails loudly.
#ifndef SITECACHE_BENCH_SUPPORT_HPP
#define SITECACHE_BENCH_SUPPORT_HPP

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "sitecache/cache.hpp"

#ifndef BENCH_DATA_DIR
#error "BENCH_DATA_DIR must name bench/data (set by bench/meson.build)"
#endif

namespace bench {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "benchmark setup failed: %s\n", what.c_str());
  std::exit(1);
}

// A fresh directory under $SITECACHE_BENCH_DIR (else the system temp directory), removed
// with everything in it when the object dies. Benchmarks put their stores here, so they
// run on a real file system and never touch the working directory.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    const char* base = std::getenv("SITECACHE_BENCH_DIR");
    std::filesystem::path root =
        base != nullptr && *base != '\0' ? base : std::filesystem::temp_directory_path();
    std::filesystem::create_directories(root);
    std::string pattern = (root / ("sitecache-bench-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) fail("mkdtemp " + pattern);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// bench/data/page.html: a rendered blog post (header, nav, article with highlighted code
// blocks, footer) written for these benchmarks, so compression is measured on real HTML.
inline const std::string& page_html() {
  static const std::string page = [] {
    std::ifstream in(std::filesystem::path(BENCH_DATA_DIR) / "page.html", std::ios::binary);
    if (!in) fail(std::string("cannot read ") + BENCH_DATA_DIR + "/page.html");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }();
  return page;
}

// "page<N>KiB": how benchmark names refer to the page.
inline std::string page_tag() {
  return "page" + std::to_string(page_html().size() / 1024) + "KiB";
}

// `size` bytes of HTML (the page repeated and cut). With compression off the content does
// not matter; it keeps every value realistic anyway.
inline std::string html_of_size(size_t size) {
  std::string out;
  out.reserve(size);
  while (out.size() < size) out += page_html().substr(0, size - out.size());
  return out;
}

// Markdown-like source text, different for every n.
inline std::string markdown(size_t n, size_t size) {
  std::string text = "+++\ntitle = \"Post " + std::to_string(n) + "\"\ndate = 2025-01-01\n+++\n\n";
  static constexpr std::string_view kWords[] = {"cache",  "build",  "render", "page", "hash",
                                                "layout", "static", "site",   "step", "key"};
  for (size_t i = n; text.size() < size; i = i * 2654435761u % 1000003u + 1) {
    text += kWords[i % 10];
    text += (i % 13 == 0) ? ".\n\n" : " ";
  }
  return text;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) fail("cannot write " + path);
}

// A Cache on `backend` at `location` (empty: the backend's choice). on_error = fail, so a
// backend failure stops the benchmark instead of being timed as a cheap miss.
inline std::unique_ptr<sitecache::Cache> open_cache(const std::string& backend,
                                                    const std::string& location,
                                                    sitecache::Compression compression,
                                                    const std::filesystem::path& base_dir) {
  sitecache::Config config;
  config.base_dir = base_dir;  // the plugin path stays empty: the build tree's plugins
  sitecache::CacheConfig settings;
  settings.name = "bench";
  settings.backend = backend;
  settings.location = location;
  settings.compress = compression;
  settings.on_error = sitecache::OnError::fail;
  auto cache = std::make_unique<sitecache::Cache>(settings, config);
  if (sitecache::Status status = cache->check_backend(); !status.is_ok()) {
    fail("backend " + backend + ": " + status.to_string());
  }
  return cache;
}

}  // namespace bench

#endif  // SITECACHE_BENCH_SUPPORT_HPP
