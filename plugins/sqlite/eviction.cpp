#include "eviction.hpp"

#include <algorithm>
#include <vector>

namespace sitecache::sqlite {

namespace {

// Rows looked at per step of the sweep for expired entries (bounds the scratch memory).
constexpr int64_t kSweepWindow = 4096;

bool over(const Totals& totals, const Limits& limits) {
  return (limits.max_entries > 0 && totals.entries > limits.max_entries) ||
         (limits.max_bytes > 0 && totals.bytes > limits.max_bytes);
}

}  // namespace

Status enforce_limits(EntryTable& table, const Limits& limits, int64_t now, int64_t entries_before,
                      int64_t& evicted) {
  if (!limits.any()) return Status::ok();
  Totals totals;
  if (Status status = table.totals(totals); !status.is_ok()) return status;
  if (!over(totals, limits)) return Status::ok();
  const int64_t written = std::max<int64_t>(0, totals.entries - entries_before);

  // A whole-table sweep (there is no expiry index, schema.hpp). It runs once per cull, and
  // a cull removes at least 1/cull_frequency of the entries, so it costs a few rows per
  // write on average.
  int64_t after = 0;
  do {
    if (Status status = table.sweep_expired(after, kSweepWindow, now, evicted); !status.is_ok()) {
      return status;
    }
  } while (after != 0);
  if (Status status = table.totals(totals); !status.is_ok()) return status;
  if (!over(totals, limits)) return Status::ok();

  // The entries besides this transaction's new ones: the only candidates.
  const int64_t others = std::max<int64_t>(0, totals.entries - written);
  int64_t need_entries =
      limits.cull_frequency == 0 ? others : std::max<int64_t>(1, others / limits.cull_frequency);
  if (limits.max_entries > 0) {
    need_entries = std::max(need_entries, totals.entries - limits.max_entries);
  }
  const int64_t need_bytes =
      limits.max_bytes > 0 ? std::max<int64_t>(0, totals.bytes - limits.max_bytes) : 0;
  std::vector<int64_t> victims;
  if (Status status = table.lru_victims(need_entries, need_bytes, victims); !status.is_ok()) {
    return status;
  }
  // The transaction's own entries come last in LRU order, its newest one last of all: a
  // single write is never culled, while a batch larger than a limit culls its own older
  // items to end within it.
  const int64_t most = std::max<int64_t>(0, totals.entries - std::min<int64_t>(written, 1));
  if (static_cast<int64_t>(victims.size()) > most) victims.resize(static_cast<size_t>(most));
  for (int64_t rowid : victims) {
    if (Status status = table.erase_rowid(rowid); !status.is_ok()) return status;
  }
  evicted += static_cast<int64_t>(victims.size());
  return Status::ok();
}

}  // namespace sitecache::sqlite
