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

Status enforce_limits(EntryTable& table, const Limits& limits, int64_t now, int64_t& evicted) {
  if (!limits.any()) return Status::ok();
  Totals totals;
  if (Status status = table.totals(totals); !status.is_ok()) return status;
  if (!over(totals, limits)) return Status::ok();

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

  if (limits.cull_frequency == 0) {
    int64_t removed = 0;
    Status status = table.erase_prefix("", removed);
    evicted += removed;
    return status;
  }
  int64_t need_entries = 0;
  if (limits.max_entries > 0 && totals.entries > limits.max_entries) {
    need_entries =
        std::max(totals.entries / limits.cull_frequency, totals.entries - limits.max_entries);
  }
  int64_t need_bytes = 0;
  if (limits.max_bytes > 0 && totals.bytes > limits.max_bytes) {
    int64_t target = limits.max_bytes - limits.max_bytes / limits.cull_frequency;
    need_bytes = totals.bytes - target;
  }
  std::vector<int64_t> victims;
  if (Status status = table.lru_victims(need_entries, need_bytes, victims); !status.is_ok()) {
    return status;
  }
  for (int64_t rowid : victims) {
    if (Status status = table.erase_rowid(rowid); !status.is_ok()) return status;
  }
  evicted += static_cast<int64_t>(victims.size());
  return Status::ok();
}

}  // namespace sitecache::sqlite
