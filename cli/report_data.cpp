#include "report_data.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "record_json.hpp"
#include "sitecache/build.hpp"
#include "sitecache/explain.hpp"

namespace sitecache::cli {
namespace {

// Entry count and bytes of one group (a step, a tag).
struct Usage {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// [{"name":..,"entries":..,"bytes":..}], largest first, then by name.
Json usage_rows(const std::map<std::string, Usage>& groups) {
  std::vector<std::pair<std::string, Usage>> rows(groups.begin(), groups.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
  Json out = Json::array();
  for (const auto& [name, usage] : rows) {
    out.push_back({{"name", name}, {"entries", usage.entries}, {"bytes", usage.bytes}});
  }
  return out;
}

// The history (oldest first) and the per-step totals of the newest `builds` records.
void add_builds(Json& report, const std::vector<BuildRecord>& records, size_t builds) {
  const size_t shown = std::min(builds, records.size());
  std::map<std::string, StepCounters> steps;
  Json history = Json::array();
  for (size_t i = shown; i-- > 0;) {
    const BuildRecord& r = records[i];
    history.push_back(build_record_json(r, RecordSteps::omit));
    for (const auto& [name, s] : r.steps) {
      StepCounters& sum = steps[name];
      sum.hits += s.hits;
      sum.misses += s.misses;
      sum.saved_us += s.saved_us;
      sum.render_us += s.render_us;
    }
  }
  std::vector<std::pair<std::string, StepCounters>> rows(steps.begin(), steps.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.render_us + a.second.saved_us > b.second.render_us + b.second.saved_us;
  });
  Json step_rows = Json::array();
  for (const auto& [name, s] : rows) {
    step_rows.push_back({{"step", name},
                         {"hits", s.hits},
                         {"misses", s.misses},
                         {"hit_ratio", ratio_json(s.hits, s.misses)},
                         {"render_us", s.render_us},
                         {"saved_us", s.saved_us}});
  }
  report["builds"] = std::move(history);
  report["steps"] = std::move(step_rows);
}

// The misses of the newest `limits.miss_builds` builds, newest build first.
Json miss_lists(const std::vector<BuildRecord>& records, const ReportLimits& limits) {
  Json out = Json::array();
  const size_t builds = std::min({limits.miss_builds, limits.builds, records.size()});
  for (size_t i = 0; i < builds; ++i) {
    const std::vector<UseExplanation> misses = explain_misses(records, i);
    Json by_reason = Json::object();
    Json rows = Json::array();
    for (const UseExplanation& e : misses) {
      const std::string reason(to_string(e.reason));
      by_reason[reason] = by_reason.value(reason, 0) + 1;
      if (rows.size() < limits.max_rows) {
        rows.push_back(
            {{"step", e.step},
             {"slot", e.slot},
             {"reason", reason},
             {"previous_build", e.previous_build ? Json(e.previous_build) : Json(nullptr)},
             {"message", e.message}});
      }
    }
    out.push_back({{"generation", records[i].generation},
                   {"misses", misses.size()},
                   {"by_reason", std::move(by_reason)},
                   {"rows", std::move(rows)}});
  }
  return out;
}

// Sizes by step and by tag, from the backend's listing.
Json size_of(const EntryListing& listing) {
  std::map<std::string, Usage> by_step, by_tag;
  Usage total, blobs;
  for (const EntryInfo& e : listing.entries) {
    const uint64_t bytes = entry_size(e);
    total.entries += 1;
    total.bytes += bytes;
    if (e.kind == EntryInfo::Kind::blob) {
      blobs.entries += 1;
      blobs.bytes += bytes;
      continue;
    }
    Usage& step = by_step[e.label.empty() ? "(no label)" : e.label];
    step.entries += 1;
    step.bytes += bytes;
    if (e.tags.empty()) {
      Usage& untagged = by_tag["(untagged)"];
      untagged.entries += 1;
      untagged.bytes += bytes;
    }
    for (const std::string& tag : e.tags) {
      by_tag[tag].entries += 1;
      by_tag[tag].bytes += bytes;
    }
  }
  return {{"source", std::string(to_string(listing.source))},
          {"entries", total.entries},
          {"bytes", total.bytes},
          {"blobs", {{"entries", blobs.entries}, {"bytes", blobs.bytes}}},
          {"by_step", usage_rows(by_step)},
          {"by_tag", usage_rows(by_tag)}};
}

// What `clear --stale` would remove, largest first.
Json stale_of(const ClearPlan& plan, size_t max_rows) {
  std::vector<const PlannedRemoval*> removals;
  for (const PlannedRemoval& r : plan.removals) removals.push_back(&r);
  std::stable_sort(removals.begin(), removals.end(), [](const auto* a, const auto* b) {
    return entry_size(a->entry) > entry_size(b->entry);
  });
  Json by_reason = Json::object();
  Json rows = Json::array();
  for (const PlannedRemoval* r : removals) {
    const std::string reason(to_string(r->reason));
    by_reason[reason] = by_reason.value(reason, 0) + 1;
    if (rows.size() < max_rows) {
      rows.push_back({{"label", r->entry.label},
                      {"slot", r->entry.slot},
                      {"reason", reason},
                      {"bytes", entry_size(r->entry)},
                      {"key", r->entry.key}});
    }
  }
  return {{"keep_builds", plan.builds_kept},
          {"entries", plan.removals.size()},
          {"bytes", plan.bytes()},
          {"by_reason", std::move(by_reason)},
          {"rows", std::move(rows)}};
}

}  // namespace

Json gather_report(Cache& cache, const ReportLimits& limits, const MaintenanceProgress& progress) {
  Json report = json_document("report");
  report["cache"] = cache.name();
  report["backend"] = cache.settings().backend;
  report["generated_ms"] = now_ms();
  report["builds_requested"] = limits.builds;
  report["max_rows"] = limits.max_rows;
  Json notes = Json::array();

  // Every kept record: a miss is explained against builds older than the ones shown.
  Result<std::vector<BuildRecord>> records = read_build_records(cache, kBuildRecordsKept);
  if (records) {
    add_builds(report, *records, limits.builds);
    report["misses"] = miss_lists(*records, limits);
    if (records->empty())
      notes.push_back("no build records: no build has finished with this cache");
  } else {
    report["builds"] = Json::array();
    report["steps"] = Json::array();
    report["misses"] = Json::array();
    notes.push_back("the build records could not be read: " + records.status().to_string());
  }

  Result<EntryListing> listing = list_entries(cache, progress);
  if (listing) {
    report["size"] = size_of(*listing);
    if (listing->source == EntrySource::build_records) {
      notes.push_back("the " + cache.settings().backend +
                      " backend cannot list its entries: sizes count only the entries that "
                      "build records name");
    }
  } else {
    report["size"] = nullptr;
    notes.push_back("the entries could not be listed: " + listing.status().to_string());
  }

  Result<ClearPlan> stale = plan_clear(cache, ClearSelector::stale());
  if (stale) {
    report["stale"] = stale_of(*stale, limits.max_rows);
  } else {
    report["stale"] = nullptr;
    notes.push_back("the stale entries could not be found: " + stale.status().to_string());
  }
  report["notes"] = std::move(notes);
  return report;
}

}  // namespace sitecache::cli
