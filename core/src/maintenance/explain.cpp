#include "sitecache/explain.hpp"

#include <map>
#include <string_view>
#include <utility>

namespace sitecache {
namespace {

std::string list_text(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

// The newest use of the same step and slot in a record older than records[index].
const RecordedUse* previous_use(const std::vector<BuildRecord>& records, size_t index,
                                const RecordedUse& use, uint64_t& generation) {
  for (size_t i = index + 1; i < records.size(); ++i) {
    for (const RecordedUse& old : records[i].uses) {
      if (old.step == use.step && old.slot == use.slot) {
        generation = records[i].generation;
        return &old;
      }
    }
  }
  return nullptr;
}

void diff_inputs(const RecordedUse& before, const RecordedUse& now, UseExplanation& e) {
  std::map<std::string, std::string> old_inputs;
  for (const RecordedInput& in : before.inputs) old_inputs[in.name] = in.digest;
  std::map<std::string, std::string> new_inputs;
  for (const RecordedInput& in : now.inputs) new_inputs[in.name] = in.digest;
  for (const RecordedInput& in : now.inputs) {
    auto it = old_inputs.find(in.name);
    if (it == old_inputs.end()) {
      e.added.push_back(in.name);
    } else if (it->second != in.digest) {
      e.changed.push_back(in.name);
    }
  }
  for (const RecordedInput& in : before.inputs) {
    if (!new_inputs.contains(in.name)) e.removed.push_back(in.name);
  }
}

std::string inputs_message(const UseExplanation& e) {
  std::string message = "miss:";
  if (!e.changed.empty()) message += " changed " + list_text(e.changed);
  if (!e.added.empty()) {
    message += (e.changed.empty() ? "" : ";") + std::string(" added ") + list_text(e.added);
  }
  if (!e.removed.empty()) {
    message += (e.changed.empty() && e.added.empty() ? "" : ";") + std::string(" removed ") +
               list_text(e.removed);
  }
  return message + " since build #" + std::to_string(e.previous_build);
}

// What explain_use says of `use`, given the newest older use of its step and slot (null
// when none) and that use's build.
UseExplanation explain_against(const RecordedUse& use, const RecordedUse* before,
                               uint64_t previous_build) {
  UseExplanation e;
  e.step = use.step;
  e.slot = use.slot;
  e.hit = use.hit;
  e.key = use.key;
  e.previous_build = previous_build;
  if (use.hit) {
    e.reason = MissReason::hit;
    e.message = "hit: nothing to explain";
  } else if (before == nullptr) {
    e.reason = MissReason::first_use;
    e.message = "miss: no earlier recorded build ran this step for this slot";
  } else {
    diff_inputs(*before, use, e);
    const std::string since = " since build #" + std::to_string(e.previous_build);
    if (!e.changed.empty() || !e.added.empty() || !e.removed.empty()) {
      e.reason = MissReason::inputs_changed;
      e.message = inputs_message(e);
    } else if (before->key != use.key) {
      e.reason = MissReason::key_changed;
      e.message = "miss: the inputs are unchanged" + since +
                  ", but the key is not: the step's version, the cache's version or the "
                  "key format changed";
    } else {
      e.reason = MissReason::entry_missing;
      e.message = "miss: same key as in build #" + std::to_string(e.previous_build) +
                  "; the entry was evicted, expired, cleared or corrupt";
    }
  }
  if (before != nullptr && !before->not_stored.empty() && e.reason == MissReason::entry_missing) {
    e.message = "miss: build #" + std::to_string(e.previous_build) +
                " ran this step but did not store it (" + before->not_stored + ")";
  }
  if (!use.not_stored.empty()) e.message += "; not stored: " + use.not_stored;
  return e;
}

}  // namespace

std::string_view to_string(MissReason reason) {
  switch (reason) {
    case MissReason::hit:
      return "hit";
    case MissReason::first_use:
      return "first_use";
    case MissReason::inputs_changed:
      return "inputs_changed";
    case MissReason::key_changed:
      return "key_changed";
    case MissReason::entry_missing:
      return "entry_missing";
  }
  return "unknown";
}

UseExplanation explain_use(const std::vector<BuildRecord>& records, size_t index,
                           const RecordedUse& use) {
  uint64_t generation = 0;
  const RecordedUse* before = previous_use(records, index, use, generation);
  return explain_against(use, before, generation);
}

std::vector<UseExplanation> explain_misses(const std::vector<BuildRecord>& records, size_t index) {
  // The (step, slot) of every miss, then the newest older use of each.
  using StepSlot = std::pair<std::string_view, std::string_view>;
  struct Previous {
    const RecordedUse* use = nullptr;
    uint64_t generation = 0;
  };
  std::map<StepSlot, Previous> previous;
  for (const RecordedUse& use : records[index].uses) {
    if (!use.hit) previous.try_emplace({use.step, use.slot});
  }
  size_t unresolved = previous.size();
  for (size_t i = index + 1; i < records.size() && unresolved > 0; ++i) {
    for (const RecordedUse& old : records[i].uses) {
      auto it = previous.find({old.step, old.slot});
      if (it == previous.end() || it->second.use != nullptr) continue;
      it->second = {&old, records[i].generation};
      --unresolved;
    }
  }
  std::vector<UseExplanation> out;
  for (const RecordedUse& use : records[index].uses) {
    if (use.hit) continue;
    const Previous& p = previous.at({use.step, use.slot});
    out.push_back(explain_against(use, p.use, p.generation));
  }
  return out;
}

}  // namespace sitecache
