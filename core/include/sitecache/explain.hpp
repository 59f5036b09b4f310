// Why a memoized step missed: the recorded inputs of one use compared with the newest
// earlier build that ran the same step for the same slot. What `sitecache explain SLOT`
// prints and `sitecache report` shows, as a library.
#ifndef SITECACHE_EXPLAIN_HPP
#define SITECACHE_EXPLAIN_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/build.hpp"
#include "sitecache/export.hpp"

namespace sitecache {

enum class MissReason {
  hit,             // not a miss
  first_use,       // no earlier recorded build ran this step for this slot
  inputs_changed,  // named inputs changed, appeared or disappeared
  key_changed,     // same inputs, other key: step version, cache version or key format
  entry_missing,   // same key as before: the entry was evicted, expired, cleared or corrupt
};
// Stable lowercase name, e.g. "inputs_changed" (docs/json.md).
SITECACHE_EXPORT std::string_view to_string(MissReason reason);

struct UseExplanation {
  std::string step;
  std::string slot;
  bool hit = false;
  std::string key;
  uint64_t previous_build = 0;                       // the earlier build compared with; 0 when none
  std::vector<std::string> changed, added, removed;  // input names
  MissReason reason = MissReason::hit;
  std::string message;  // one line for people: "miss: changed "source" since build #3"
};

// Explains records[index].uses' entry `use`, comparing with records[index + 1 ...]
// (records newest first, as read_build_records returns them).
SITECACHE_EXPORT UseExplanation explain_use(const std::vector<BuildRecord>& records, size_t index,
                                            const RecordedUse& use);

// explain_use for every miss of records[index], in use order, in one pass over the older
// records (explain_use searches them for each use: quadratic over a whole cold build).
SITECACHE_EXPORT std::vector<UseExplanation> explain_misses(const std::vector<BuildRecord>& records,
                                                            size_t index);

}  // namespace sitecache

#endif  // SITECACHE_EXPLAIN_HPP
