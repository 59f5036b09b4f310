// `sitecache explain SLOT`: why a slot missed in the last build. Each step that used the
// slot is compared with the newest earlier build that ran the same step for the same slot;
// the recorded named inputs say what changed.
#include <memory>

#include "common.hpp"
#include "output.hpp"
#include "sitecache/build.hpp"
#include "sitecache/explain.hpp"

namespace sitecache::cli {
namespace {

struct ExplainOptions {
  std::string slot;
  bool json = false;
};

Json explanation_json(const UseExplanation& e) {
  return {{"step", e.step},
          {"hit", e.hit},
          {"key", e.key},
          {"previous_build", e.previous_build ? Json(e.previous_build) : Json(nullptr)},
          {"reason", std::string(to_string(e.reason))},
          {"changed", e.changed},
          {"added", e.added},
          {"removed", e.removed},
          {"message", e.message}};
}

int run_explain(Context& context, const ExplainOptions& o) {
  if (o.slot.empty()) usage_error("SLOT must not be empty");
  Cache& cache = context.cache();
  std::vector<BuildRecord> records = take(read_build_records(cache, kBuildRecordsKept));
  if (records.empty()) not_found("cache '" + cache.name() + "' has no build records");
  const BuildRecord& last = records.front();
  std::vector<UseExplanation> steps;
  for (const RecordedUse& use : last.uses) {
    if (use.slot == o.slot) steps.push_back(explain_use(records, 0, use));
  }
  if (steps.empty()) {
    not_found("slot '" + o.slot + "' was not used in the last build (#" +
              std::to_string(last.generation) + ") of cache '" + cache.name() + "'");
  }
  if (o.json) {
    Json document = json_document("explain");
    document["cache"] = cache.name();
    document["slot"] = o.slot;
    document["build"] = last.generation;
    document["steps"] = Json::array();
    for (const UseExplanation& e : steps) document["steps"].push_back(explanation_json(e));
    print_json(document);
    return kExitOk;
  }
  std::string text = "slot " + o.slot + " in build #" + std::to_string(last.generation) +
                     " of cache " + cache.name() + ":\n";
  for (const UseExplanation& e : steps) text += "  " + e.step + ": " + e.message + "\n";
  write_text(text);
  return kExitOk;
}

}  // namespace

void add_explain_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto o = std::make_shared<ExplainOptions>();
  CLI::App* cmd =
      app.add_subcommand("explain", "Why SLOT missed in the last build: which input changed");
  cmd->add_option("SLOT", o->slot, "The slot (e.g. the page's source path)")->required();
  cmd->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  cmd->footer("Exit 3 when the last build did not use SLOT or there are no build records.");
  verbs.add(cmd, "sitecache explain [--cache NAME] SLOT [--json]",
            [&context, o] { return run_explain(context, *o); });
}

}  // namespace sitecache::cli
