// `sitecache explain SLOT`: why a slot missed in the last build. Each step that used the
// slot is compared with the newest earlier build that ran the same step for the same slot;
// the recorded named inputs say what changed.
#include <map>
#include <memory>

#include "common.hpp"
#include "output.hpp"
#include "sitecache/build.hpp"

namespace sitecache::cli {
namespace {

struct ExplainOptions {
  std::string slot;
  bool json = false;
};

struct Explanation {
  std::string step;
  bool hit = false;
  std::string key;
  const BuildRecord* previous = nullptr;  // the newest earlier build with this step and slot
  std::vector<std::string> changed, added, removed;
  std::string reason;  // stable word, see docs/json.md
  std::string message;
};

std::string list_text(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

Explanation explain_use(const RecordedUse& use, const std::vector<BuildRecord>& records) {
  Explanation e;
  e.step = use.step;
  e.hit = use.hit;
  e.key = use.key;
  const RecordedUse* before = nullptr;
  for (size_t i = 1; i < records.size() && before == nullptr; ++i) {
    for (const RecordedUse& old : records[i].uses) {
      if (old.step == use.step && old.slot == use.slot) {
        before = &old;
        e.previous = &records[i];
        break;
      }
    }
  }
  if (use.hit) {
    e.reason = "hit";
    e.message = "hit: nothing to explain";
    return e;
  }
  if (before == nullptr) {
    e.reason = "first_use";
    e.message = "miss: no earlier recorded build ran this step for this slot";
    return e;
  }
  std::map<std::string, std::string> old_inputs;
  for (const RecordedInput& in : before->inputs) old_inputs[in.name] = in.digest;
  std::map<std::string, std::string> new_inputs;
  for (const RecordedInput& in : use.inputs) new_inputs[in.name] = in.digest;
  for (const RecordedInput& in : use.inputs) {
    auto it = old_inputs.find(in.name);
    if (it == old_inputs.end()) {
      e.added.push_back(in.name);
    } else if (it->second != in.digest) {
      e.changed.push_back(in.name);
    }
  }
  for (const RecordedInput& in : before->inputs) {
    if (!new_inputs.contains(in.name)) e.removed.push_back(in.name);
  }
  const std::string since = " since build #" + std::to_string(e.previous->generation);
  if (!e.changed.empty() || !e.added.empty() || !e.removed.empty()) {
    e.reason = "inputs_changed";
    e.message = "miss:";
    if (!e.changed.empty()) e.message += " changed " + list_text(e.changed);
    if (!e.added.empty())
      e.message += (e.changed.empty() ? "" : ";") + std::string(" added ") + list_text(e.added);
    if (!e.removed.empty()) {
      e.message += (e.changed.empty() && e.added.empty() ? "" : ";") + std::string(" removed ") +
                   list_text(e.removed);
    }
    e.message += since;
  } else if (before->key != use.key) {
    e.reason = "key_changed";
    e.message = "miss: the inputs are unchanged" + since +
                ", but the key is not: the step's version, the cache's version or the "
                "key format changed";
  } else {
    e.reason = "entry_missing";
    e.message = "miss: same key as in build #" + std::to_string(e.previous->generation) +
                "; the entry was evicted, expired, cleared or corrupt";
  }
  return e;
}

int run_explain(Context& context, const ExplainOptions& o) {
  if (o.slot.empty()) usage_error("SLOT must not be empty");
  Cache& cache = context.cache();
  std::vector<BuildRecord> records = take(read_build_records(cache, kBuildRecordsKept));
  if (records.empty()) not_found("cache '" + cache.name() + "' has no build records");
  const BuildRecord& last = records.front();
  std::vector<Explanation> steps;
  for (const RecordedUse& use : last.uses) {
    if (use.slot == o.slot) steps.push_back(explain_use(use, records));
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
    Json list = Json::array();
    for (const Explanation& e : steps) {
      list.push_back({{"step", e.step},
                      {"hit", e.hit},
                      {"key", e.key},
                      {"previous_build", e.previous ? Json(e.previous->generation) : Json(nullptr)},
                      {"reason", e.reason},
                      {"changed", e.changed},
                      {"added", e.added},
                      {"removed", e.removed},
                      {"message", e.message}});
    }
    document["steps"] = std::move(list);
    print_json(document);
    return kExitOk;
  }
  std::string text = "slot " + o.slot + " in build #" + std::to_string(last.generation) +
                     " of cache " + cache.name() + ":\n";
  for (const Explanation& e : steps) text += "  " + e.step + ": " + e.message + "\n";
  write_stdout(text);
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
