// `sitecache stats`: per cache, the backend and what it holds, and the hits, misses,
// errors and time saved of the last build and of recent builds, also per step.
#include <cstdio>
#include <map>
#include <memory>

#include "common.hpp"
#include "output.hpp"
#include "record_json.hpp"
#include "sitecache/build.hpp"

namespace sitecache::cli {
namespace {

struct StatsOptions {
  bool json = false;
  size_t builds = 10;
};

// Sums over several builds.
struct Totals {
  uint64_t builds = 0, hits = 0, misses = 0, errors = 0, rejected = 0, saved_us = 0, render_us = 0;
  std::map<std::string, StepCounters> steps;

  void add(const BuildRecord& r) {
    builds += 1;
    hits += r.hits;
    misses += r.misses;
    errors += r.errors;
    rejected += r.rejected;
    saved_us += r.saved_us;
    render_us += r.render_us;
    for (const auto& [name, step] : r.steps) {
      StepCounters& sum = steps[name];
      sum.hits += step.hits;
      sum.misses += step.misses;
      sum.saved_us += step.saved_us;
      sum.render_us += step.render_us;
    }
  }
};

void print_steps(const std::map<std::string, StepCounters>& steps) {
  if (steps.empty()) return;
  Table table({"step", "hits", "misses", "hit%", "saved", "rendering"},
              {false, true, true, true, true, true});
  for (const auto& [name, s] : steps) {
    table.add({name, std::to_string(s.hits), std::to_string(s.misses), percent(s.hits, s.misses),
               micros_text(s.saved_us), micros_text(s.render_us)});
  }
  table.print(4);
}

std::string limit_text(int64_t entries, int64_t bytes) {
  std::string text;
  if (entries >= 0) text += "max " + std::to_string(entries) + " entries";
  if (bytes >= 0) text += (text.empty() ? "max " : ", ") + size_text(static_cast<uint64_t>(bytes));
  return text;
}

// What stats reads of one cache: the backend's report and the recent build records.
struct CacheStats {
  Result<BackendReport> report = Status(StatusCode::internal, "unread");
  Result<std::vector<BuildRecord>> records = Status(StatusCode::internal, "unread");
  Totals totals;
  const BuildRecord* last = nullptr;
  Status problem;  // the first failure, if any

  CacheStats(Cache& cache, size_t builds) {
    report = cache.backend_report();
    records = report ? read_build_records(cache, builds)
                     : Result<std::vector<BuildRecord>>(report.status());
    if (records) {
      for (const BuildRecord& r : *records) totals.add(r);
      if (!records->empty()) last = &records->front();
    }
    problem = !report ? report.status() : records.status();
  }
  CacheStats(const CacheStats&) = delete;  // `last` points into `records`
  CacheStats& operator=(const CacheStats&) = delete;
};

Json cache_json(const Cache& cache, const CacheStats& stats) {
  const CacheConfig& settings = cache.settings();
  Json c = {{"name", cache.name()},
            {"backend", settings.backend},
            {"location", settings.location},
            {"key_prefix", settings.key_prefix},
            {"version", settings.version}};
  if (stats.report) {
    const BackendReport& report = *stats.report;
    c["plugin"] = {{"name", report.plugin.name},
                   {"version", report.plugin.version},
                   {"file", report.plugin.file.string()}};
    c["entries"] = known_or_null(report.entries);
    c["bytes"] = known_or_null(report.bytes);
    c["max_entries"] = known_or_null(report.max_entries);
    c["max_bytes"] = known_or_null(report.max_bytes);
    c["evictions"] = known_or_null(report.evictions);
  } else {
    c["plugin"] = nullptr;
    for (const char* field : {"entries", "bytes", "max_entries", "max_bytes", "evictions"}) {
      c[field] = nullptr;
    }
  }
  c["error"] = stats.problem ? Json(nullptr) : Json(stats.problem.message());
  c["last_build"] =
      stats.last != nullptr ? build_record_json(*stats.last, RecordSteps::include) : Json(nullptr);
  const Totals& totals = stats.totals;
  Json recent = {
      {"builds", totals.builds},           {"hits", totals.hits},
      {"misses", totals.misses},           {"hit_ratio", ratio_json(totals.hits, totals.misses)},
      {"errors", totals.errors},           {"rejected", totals.rejected},
      {"saved_us", totals.saved_us},       {"render_us", totals.render_us},
      {"steps", steps_json(totals.steps)}, {"history", Json::array()}};
  if (stats.records) {
    for (const BuildRecord& r : *stats.records)
      recent["history"].push_back(build_record_json(r, RecordSteps::omit));
  }
  c["recent"] = std::move(recent);
  return c;
}

// "6 keys, 1.2 KiB in the whole backend (...) (max 100 entries), 3 evicted"
std::string store_text(const BackendReport& report) {
  // The backend counts its whole store: every key prefix sharing it, and build records
  // and leases besides entries. `ls` counts this cache's entries only; say so.
  std::string text;
  if (report.entries < 0 && report.bytes < 0) {
    text = "the backend does not report its size";
  } else {
    text = (report.entries >= 0 ? counted(static_cast<uint64_t>(report.entries), "key", "keys")
                                : std::string("? keys")) +
           ", " +
           (report.bytes >= 0 ? size_text(static_cast<uint64_t>(report.bytes))
                              : std::string("? bytes")) +
           " in the whole backend (entries of every key prefix, build records)";
  }
  std::string limits = limit_text(report.max_entries, report.max_bytes);
  if (!limits.empty()) text += " (" + limits + ")";
  if (report.evictions >= 0) text += ", " + std::to_string(report.evictions) + " evicted";
  return text;
}

// ", N rejected" when signature checks refused entries; nothing otherwise.
std::string rejected_text(uint64_t rejected) {
  return rejected == 0 ? std::string() : ", " + std::to_string(rejected) + " rejected";
}

std::string build_line(const BuildRecord& r) {
  const std::string age = age_text(r.ended_ms, now_ms());
  return "#" + std::to_string(r.generation) + ", " +
         (age == "now" ? std::string("just now") : age + " ago") + ", took " +
         duration_text(std::chrono::milliseconds(r.ended_ms - r.started_ms)) + ": " +
         counted(r.hits, "hit", "hits") + ", " + counted(r.misses, "miss", "misses") + " (" +
         percent(r.hits, r.misses) + "), " + counted(r.errors, "error", "errors") +
         rejected_text(r.rejected) + ", saved " + micros_text(r.saved_us);
}

// Prints one cache's stats; returns false when something could not be read.
bool print_cache(const Cache& cache, const CacheStats& stats) {
  const CacheConfig& settings = cache.settings();
  std::string text = "cache " + cache.name() + "\n  backend     " + settings.backend;
  if (stats.report) {
    const PluginInfo& plugin = stats.report->plugin;
    text += " (plugin " + plugin.name + " " + plugin.version + ", " + plugin.file.string() + ")";
  }
  text +=
      "\n  location    " + (settings.location.empty() ? "(backend default)" : settings.location);
  text += "\n  key prefix  " + settings.key_prefix + ":" + std::to_string(settings.version) + "\n";
  if (stats.report) text += "  store       " + store_text(*stats.report) + "\n";
  if (!stats.problem) text += "  error       " + stats.problem.message() + "\n";
  write_text(text);
  if (!stats.problem) return false;
  if (stats.last == nullptr) {
    write_text("  last build  none recorded\n");
    return true;
  }
  write_text("  last build  " + build_line(*stats.last) + "\n");
  print_steps(stats.last->steps);
  const Totals& totals = stats.totals;
  write_text("  recent      " + counted(totals.builds, "build", "builds") + ": " +
             counted(totals.hits, "hit", "hits") + ", " + counted(totals.misses, "miss", "misses") +
             " (" + percent(totals.hits, totals.misses) + "), " +
             counted(totals.errors, "error", "errors") + rejected_text(totals.rejected) +
             ", saved " + micros_text(totals.saved_us) + "\n");
  print_steps(totals.steps);
  return true;
}

// Prints or fills the JSON of one cache; returns false when something could not be read.
bool stats_of(Cache& cache, const StatsOptions& options, Json* json) {
  const CacheStats stats(cache, options.builds);
  if (json == nullptr) return print_cache(cache, stats);
  json->push_back(cache_json(cache, stats));
  return stats.problem.is_ok();
}

int run_stats(Context& context, const StatsOptions& options) {
  std::vector<Cache*> caches = context.selected_caches();
  Json list = Json::array();
  bool all_ok = true;
  for (size_t i = 0; i < caches.size(); ++i) {
    if (!options.json && i > 0) write_text("\n");
    if (!stats_of(*caches[i], options, options.json ? &list : nullptr)) {
      all_ok = false;
      print_lines("sitecache: error: ",
                  "cache '" + caches[i]->name() + "' could not be read completely");
    }
  }
  if (options.json) {
    Json document = json_document("stats");
    document["caches"] = std::move(list);
    print_json(document);
  }
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace

void add_stats_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "stats", "Backend, size, and the hit ratio and time saved of recent builds, per cache");
  cmd->add_flag("--json", options->json, "Print JSON (see docs/json.md)");
  cmd->add_option("--builds", options->builds, "How many recent builds to sum up (default 10)")
      ->type_name("N")
      ->check(whole_number(1, kBuildRecordsKept));
  cmd->footer("Without --cache, every configured cache is shown.");
  verbs.add(cmd, "sitecache stats [--cache NAME] [--builds N] [--json]",
            [&context, options] { return run_stats(context, *options); });
}

}  // namespace sitecache::cli
