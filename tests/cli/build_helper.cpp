// A tiny "site generator" for the CLI tests: one build session over a directory, one
// memoized render per file, so the tests can produce build records and entries the way
// a real generator does.
//
//   cli_build_helper --config FILE [--cache NAME] [--step NAME] [--step-version N]
//                    [--layout TEXT] [--tag T] DIR
//
// Every regular file under DIR becomes one memoize call of step NAME with the inputs
// "source" (the file) and "layout" (TEXT), slot = the file's path relative to DIR.
// Prints {"generation":G,"hits":H,"misses":M} on success; exit 1 with a message otherwise.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "sitecache/sitecache.hpp"

namespace {

namespace fs = std::filesystem;

int usage() {
  std::fputs(
      "usage: cli_build_helper --config FILE [--cache NAME] [--step NAME] [--step-version N]"
      " [--layout TEXT] [--tag T] DIR\n",
      stderr);
  return 2;
}

int failure(const std::string& what) {
  std::fprintf(stderr, "cli_build_helper: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_file, cache_name = "default", step_name = "render-page", layout, tag, dir;
  uint64_t step_version = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--config") {
      config_file = value();
    } else if (arg == "--cache") {
      cache_name = value();
    } else if (arg == "--step") {
      step_name = value();
    } else if (arg == "--step-version") {
      step_version = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--layout") {
      layout = value();
    } else if (arg == "--tag") {
      tag = value();
    } else if (!arg.starts_with("-") && dir.empty()) {
      dir = arg;
    } else {
      return usage();
    }
  }
  if (config_file.empty() || dir.empty()) return usage();

  sitecache::ConfigSource source;
  source.explicit_path = config_file;
  source.use_environment = false;
  auto caches = sitecache::Caches::load(source);
  if (!caches) return failure(caches.status().to_string());
  sitecache::Cache* cache = caches->find(cache_name);
  if (cache == nullptr) return failure("no cache " + cache_name);

  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  sitecache::BuildSession build = cache->begin_build();
  for (const fs::path& file : files) {
    sitecache::Inputs inputs;
    inputs.file("source", file).text("layout", layout);
    sitecache::MemoOptions options;
    options.slot = fs::relative(file, dir).generic_string();
    if (!tag.empty()) options.tags.push_back(tag);
    auto html = cache->memoize(
        {step_name, step_version}, inputs,
        [&] {
          std::ifstream in(file, std::ios::binary);
          std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
          return "<main>" + body + "</main>" + layout;
        },
        options);
    if (!html) return failure(file.string() + ": " + html.status().to_string());
  }
  auto record = build.finish();
  if (!record) return failure("finish: " + record.status().to_string());
  std::printf("{\"generation\":%llu,\"hits\":%llu,\"misses\":%llu}\n",
              static_cast<unsigned long long>(record->generation),
              static_cast<unsigned long long>(record->hits),
              static_cast<unsigned long long>(record->misses));
  return 0;
}
