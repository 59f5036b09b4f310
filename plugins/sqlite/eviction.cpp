#include "eviction.hpp"

#include <algorithm>
#include <vector>

namespace sitecache::sqlite {

namespace {

// Expired rows are deleted in chunks so one statement never holds a huge RETURNING set.
constexpr int64_t kExpiredChunk = 1000;

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

  for (int64_t removed = kExpiredChunk; removed == kExpiredChunk;) {
    removed = 0;
    if (Status status = table.erase_expired(now, kExpiredChunk, removed); !status.is_ok()) {
      return status;
    }
    evicted += removed;
  }
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
