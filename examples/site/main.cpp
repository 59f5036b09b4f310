// sitegen: builds a static site from Markdown with TOML front matter, caching every render
// step in sitecache. Usage: sitegen --help.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sitecache/sitecache.hpp>

#include "build_progress.hpp"
#include "memo.hpp"
#include "options.hpp"
#include "site.hpp"
#include "site_config.hpp"
#include "templates.hpp"

namespace fs = std::filesystem;
using sitegen::BuildStats;
using sitegen::Options;

namespace {

struct CacheSummary {
  bool enabled = false;
  sitecache::BuildRecord record;
};

// The stat cache lives beside the cache's configuration (the working directory for the
// embedded default), unless $SITECACHE_STAT_CACHE says otherwise.
fs::path stat_cache_path(const sitecache::Config& config) {
  if (const char* env = std::getenv("SITECACHE_STAT_CACHE"); env && *env) return env;
  return config.base_dir / ".sitecache" / "stat-cache";
}

std::string seconds(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, s < 10 ? "%.3f s" : "%.1f s", s);
  return buffer;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void write_stats_json(const fs::path& path, const BuildStats& stats, const CacheSummary& cache,
                      double wall_s) {
  std::ofstream out(path);
  out << "{\"pages\": " << stats.pages << ", \"posts\": " << stats.posts
      << ", \"drafts\": " << stats.drafts << ", \"written\": " << stats.written
      << ", \"removed\": " << stats.removed << ", \"cache\": " << (cache.enabled ? "true" : "false")
      << ", \"wall_ms\": " << static_cast<int64_t>(wall_s * 1000);
  if (cache.enabled) {
    const sitecache::BuildRecord& r = cache.record;
    out << ", \"generation\": " << r.generation << ", \"hits\": " << r.hits
        << ", \"misses\": " << r.misses << ", \"errors\": " << r.errors
        << ", \"saved_us\": " << r.saved_us << ", \"render_us\": " << r.render_us
        << ", \"steps\": {";
    const char* sep = "";
    for (const auto& [name, c] : r.steps) {
      out << sep << json_string(name) << ": {\"hits\": " << c.hits << ", \"misses\": " << c.misses
          << "}";
      sep = ", ";
    }
    out << "}";
  }
  out << "}\n";
  if (!out) throw std::runtime_error(path.string() + ": cannot write");
}

int run(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  const sitegen::SiteConfig site = sitegen::load_site_config(options.site_config, options.content);
  const fs::path template_dir =
      options.templates.empty() ? fs::path(SITEGEN_DEFAULT_TEMPLATES) : options.templates;
  const sitegen::Templates templates = sitegen::Templates::load(template_dir);
  sitegen::SiteSpec spec{options.content,
                         options.out,
                         {options.content, template_dir, fs::current_path()},
                         options.jobs,
                         {}};
  // Builds with a progress line on a terminal, erased before anything else is printed.
  auto build = [&](sitecache::Cache* cache, sitecache::FileHasher* hasher) {
    using sitecache::progress::OutputMode;
    sitegen::BuildProgress progress(
        cache, sitecache::progress::progress_display(options.quiet ? OutputMode::json_or_quiet
                                                                   : OutputMode::human));
    spec.item_done = [&progress](sitegen::BuildPhase phase, size_t total) {
      progress.item_done(phase, total);
    };
    BuildStats built = sitegen::build_site(spec, templates, site, sitegen::Memo(cache), hasher);
    progress.finish();
    return built;
  };

  BuildStats stats;
  CacheSummary cache;
  if (options.no_cache) {
    stats = build(nullptr, nullptr);
  } else {
    sitecache::ConfigSource source;
    source.explicit_path = options.cache_config;
    sitecache::Result<sitecache::Caches> caches = sitecache::Caches::load(source);
    if (!caches) throw std::runtime_error(caches.status().message());
    sitecache::Cache* c = caches->find(options.cache_name);
    if (!c)
      throw std::runtime_error("no cache named '" + options.cache_name + "' in the configuration");
    sitecache::FileHasher hasher(stat_cache_path(caches->config()));
    sitecache::BuildSession session = c->begin_build();
    stats = build(c, &hasher);
    sitecache::Result<sitecache::BuildRecord> record = session.finish();
    if (!record) throw std::runtime_error("recording the build: " + record.status().to_string());
    cache.enabled = true;
    cache.record = std::move(record).value();
    // A stat cache that cannot be saved only costs rehashing next time.
    if (sitecache::Status saved = hasher.save(); !saved) {
      std::cerr << "sitegen: warning: " << saved.message() << "\n";
    }
  }

  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.stats_json) write_stats_json(*options.stats_json, stats, cache, wall_s);
  if (!options.quiet) {
    std::cout << "sitegen: " << stats.pages << " pages (" << stats.posts << " posts, "
              << stats.written << " written, " << stats.removed << " removed), ";
    if (cache.enabled) {
      std::cout << cache.record.hits << (cache.record.hits == 1 ? " hit, " : " hits, ")
                << cache.record.misses << (cache.record.misses == 1 ? " miss, " : " misses, ")
                << seconds(static_cast<double>(cache.record.saved_us) / 1e6) << " saved, ";
    } else {
      std::cout << "cache off, ";
    }
    std::cout << "wall " << seconds(wall_s) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = sitegen::parse_options(argc, argv);
    if (options.help) {
      std::cout << sitegen::usage_text();
      return 0;
    }
    return run(options);
  } catch (const sitegen::UsageError& e) {
    std::cerr << "sitegen: " << e.what() << "\n\n" << sitegen::usage_text();
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sitegen: error: " << e.what() << "\n";
    return 1;
  }
}
