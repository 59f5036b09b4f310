#include "entries.hpp"

#include <cstdio>

#include "common.hpp"

namespace sitecache::cli {
namespace {

std::string count_text(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " entry" : " entries");
}

}  // namespace

Json entry_json(const EntryInfo& e) {
  return {{"key", e.key},
          {"label", e.label},
          {"slot", e.slot},
          {"tags", e.tags},
          {"size", entry_size(e)},
          {"value_size", e.value_size},
          {"stored_size", known_or_null(e.stored_size)},
          {"compressed", e.compressed},
          {"created_ms", e.created_ms},
          {"expires_ms", e.expires_ms == 0 ? Json(nullptr) : Json(e.expires_ms)},
          {"last_access_ms", e.last_access_ms == 0 ? Json(nullptr) : Json(e.last_access_ms)},
          {"generation", e.generation},
          {"cost_us", e.cost_us}};
}

std::string cannot_scan_note(Cache& cache, uint64_t entries_known) {
  return "the " + cache.settings().backend + " backend of cache '" + cache.name() +
         "' cannot scan; using the " + count_text(entries_known) +
         " named by its build records (others are not visible)";
}

int carry_out(Cache& cache, const ClearPlan& plan, const PlanOutput& output) {
  const uint64_t planned = plan.removals.size();
  const uint64_t planned_bytes = plan.bytes();
  ClearSummary summary;
  if (!output.dry_run && (planned > 0 || plan.sweep_key_space)) {
    Progress progress("removing from " + cache.name(), output_mode(output.json));
    summary = take(execute(cache, plan, progress.callback()));
  }

  if (output.json) {
    Json document = json_document(output.command);
    document["cache"] = cache.name();
    document["dry_run"] = output.dry_run;
    document[output.command == "gc" ? "limits" : "selector"] = output.details;
    document["source"] = to_string(plan.source);
    document["examined"] = plan.examined;
    Json list = Json::array();
    for (const PlannedRemoval& r : plan.removals) {
      list.push_back({{"key", r.entry.key},
                      {"label", r.entry.label},
                      {"slot", r.entry.slot},
                      {"size", entry_size(r.entry)},
                      {"reason", to_string(r.reason)}});
    }
    document["entries"] = std::move(list);
    document["planned_entries"] = planned;
    document["planned_bytes"] = planned_bytes;
    document["removed_entries"] = output.dry_run ? Json(nullptr) : Json(summary.removed);
    document["removed_bytes"] = output.dry_run ? Json(nullptr) : Json(summary.bytes);
    document["already_gone"] = summary.already_gone;
    document["failed"] = summary.failed;
    document["error"] = summary.failed > 0 ? Json(summary.first_error) : Json(nullptr);
    print_json(document);
  } else if (output.dry_run) {
    if (planned > 0) {
      const int64_t now = now_ms();
      Table table({"label", "slot", "size", "age", "reason"}, {false, false, true, false, false});
      for (const PlannedRemoval& r : plan.removals) {
        table.add({r.entry.label.empty() ? "-" : r.entry.label,
                   r.entry.slot.empty() ? "-" : r.entry.slot, size_text(entry_size(r.entry)),
                   age_text(r.entry.created_ms, now), std::string(to_string(r.reason))});
      }
      table.print();
    }
    write_text("dry run: would remove " + count_text(planned) + " (" + size_text(planned_bytes) +
               ") of " + std::to_string(plan.examined) + " examined from cache '" + cache.name() +
               "'; nothing was removed\n");
  } else {
    std::string text = "removed " + count_text(summary.removed) + " (" + size_text(summary.bytes) +
                       ") from cache '" + cache.name() + "'";
    if (summary.already_gone > 0) {
      text += "; " + std::to_string(summary.already_gone) + " were already gone";
    }
    write_text(text + "\n");
  }
  if (summary.failed > 0) {
    fail(std::to_string(summary.failed) + " of " + std::to_string(planned) +
         " removals failed: " + summary.first_error);
  }
  return kExitOk;
}

}  // namespace sitecache::cli
