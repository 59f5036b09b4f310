#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <thread>

namespace sitegen {

const char* usage_text() {
  return R"(usage: sitegen [options]

Builds a static site from Markdown pages with TOML front matter.

  --content DIR      content folder (default: content)
  --out DIR          output folder, owned by sitegen: files it did not produce
                     in this build are removed (default: public)
  --templates DIR    Mustache templates (default: the built-in ones)
  --site FILE        site settings (default: site.toml beside the content folder,
                     when present)
  --config FILE      sitecache.toml (default: $SITECACHE_CONFIG, ./sitecache.toml,
                     or the embedded SQLite default at .sitecache/cache.db)
  --cache NAME       which cache of the configuration to use (default: default)
  --no-cache         render everything, never touch the cache
  --jobs N           render with N threads (0 = one per core; default: 1)
  --stats-json FILE  write the build summary as JSON
  --quiet            no summary line, and no progress line on a terminal
  --help             this text
)";
}

namespace {

unsigned parse_jobs(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 1024) {
    throw UsageError("--jobs needs a number from 0 to 1024, not '" + std::string(text) + "'");
  }
  if (value == 0) value = std::max(1u, std::thread::hardware_concurrency());
  return value;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_inline_value = false;
    if (arg.starts_with("--")) {
      if (size_t eq = arg.find('='); eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline_value = true;
      }
    }
    auto next = [&]() -> std::string {
      if (has_inline_value) return std::string(value);
      if (i + 1 >= argc) throw UsageError(std::string(arg) + " needs a value");
      return argv[++i];
    };
    auto flag = [&] {
      if (has_inline_value) throw UsageError(std::string(arg) + " takes no value");
    };
    if (arg == "--content") {
      options.content = next();
    } else if (arg == "--out") {
      options.out = next();
    } else if (arg == "--templates") {
      options.templates = next();
    } else if (arg == "--site") {
      options.site_config = next();
    } else if (arg == "--config") {
      options.cache_config = next();
    } else if (arg == "--cache") {
      options.cache_name = next();
    } else if (arg == "--stats-json") {
      options.stats_json = next();
    } else if (arg == "--jobs" || arg == "-j") {
      options.jobs = parse_jobs(next());
    } else if (arg == "--no-cache") {
      flag();
      options.no_cache = true;
    } else if (arg == "--quiet" || arg == "-q") {
      flag();
      options.quiet = true;
    } else if (arg == "--help" || arg == "-h") {
      flag();
      options.help = true;
    } else {
      throw UsageError("unknown argument '" + std::string(arg) + "'");
    }
  }
  for (const auto* path : {&options.content, &options.out}) {
    if (path->empty()) throw UsageError("--content and --out must not be empty");
  }
  return options;
}

}  // namespace sitegen
