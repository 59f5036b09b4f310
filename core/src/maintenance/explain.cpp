#include "sitecache/explain.hpp"

#include <map>

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
  UseExplanation e;
  e.step = use.step;
  e.slot = use.slot;
  e.hit = use.hit;
  e.key = use.key;
  const RecordedUse* before = previous_use(records, index, use, e.previous_build);
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

}  // namespace sitecache
