#include "maintenance/stale.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace sitecache {
namespace {

// What the build records say about keys.
struct RecordIndex {
  std::set<std::string> used_recently;       // used by a record in R
  std::map<std::string, size_t> newest_use;  // key -> index of the newest record using it
  int64_t newest_start = 0;                  // when the newest recorded build started

  RecordIndex(const std::vector<BuildRecord>& records, uint64_t keep_builds) {
    const size_t kept = std::min<size_t>(keep_builds, records.size());
    for (size_t r = 0; r < records.size(); ++r) {
      for (const RecordedUse& use : records[r].uses) {
        if (r < kept) used_recently.insert(use.key);
        newest_use.emplace(use.key, r);  // records are newest first: the first one wins
      }
    }
    if (!records.empty()) newest_start = records.front().started_ms;
  }
  // Created after the newest recorded build started: a build may be running.
  bool in_progress(const EntryInfo& e) const {
    return newest_start > 0 && e.created_ms >= newest_start;
  }
};

// The current members of one (label, slot) group: those used by the newest record that
// used any of them; when no record did, the most recently created ones.
std::set<size_t> current_members(const std::vector<EntryInfo>& entries,
                                 const std::vector<size_t>& members, const RecordIndex& index) {
  size_t best = SIZE_MAX;
  for (size_t i : members) {
    if (auto it = index.newest_use.find(entries[i].key); it != index.newest_use.end()) {
      best = std::min(best, it->second);
    }
  }
  std::set<size_t> current;
  for (size_t i : members) {
    auto it = index.newest_use.find(entries[i].key);
    if (it != index.newest_use.end() && it->second == best) current.insert(i);
  }
  if (!current.empty()) return current;
  int64_t newest = 0;
  for (size_t i : members) newest = std::max(newest, entries[i].created_ms);
  for (size_t i : members) {
    if (entries[i].created_ms == newest) current.insert(i);
  }
  return current;
}

std::vector<bool> superseded_entries(const std::vector<EntryInfo>& entries,
                                     const RecordIndex& index) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].slot.empty()) groups[{entries[i].label, entries[i].slot}].push_back(i);
  }
  std::vector<bool> superseded(entries.size(), false);
  for (const auto& [group, members] : groups) {
    if (members.size() < 2) continue;
    const std::set<size_t> current = current_members(entries, members, index);
    for (size_t i : members) {
      superseded[i] = !current.contains(i) && !index.in_progress(entries[i]);
    }
  }
  return superseded;
}

}  // namespace

std::vector<PlannedRemoval> select_stale(const std::vector<EntryInfo>& entries,
                                         const std::vector<BuildRecord>& records,
                                         uint64_t keep_builds, int64_t now) {
  const RecordIndex index(records, keep_builds);
  const std::vector<bool> superseded = superseded_entries(entries, index);
  const bool have_records = !records.empty();
  std::vector<PlannedRemoval> removals;
  for (size_t i = 0; i < entries.size(); ++i) {
    const EntryInfo& e = entries[i];
    const bool builds_know_it = e.generation > 0 || index.newest_use.contains(e.key);
    std::optional<RemovalReason> reason;
    if (entry_expired(e, now)) {
      reason = RemovalReason::expired;
    } else if (superseded[i]) {
      reason = RemovalReason::superseded;
    } else if (have_records && builds_know_it && !index.used_recently.contains(e.key) &&
               !index.in_progress(e)) {
      reason = RemovalReason::unused;
    }
    if (reason) removals.push_back({e, *reason});
  }
  return removals;
}

}  // namespace sitecache
