// The maintenance pass: the only place the file backend lists the whole tree.
//
// It runs when a write finds the shared counters over max_entries / max_size, or when no
// pass has run for kMaintenanceIntervalMs, and at most one process runs it at a time
// (PassLock). In one walk over every shard it removes temporary files left by crashed
// writers, garbled files and expired entries, and records every live entry's size and
// last access. If the live entries still exceed a limit it culls as plugin_abi.h defines
// it (Django's cull): the least recently accessed entries, max(1, E / cull_frequency) of
// them (every other one for cull_frequency 0), E being the live entries besides the one
// just written, and more while that is not enough to get under the limits; the entry just
// written is never evicted. Finally it writes the exact counts back to the shared
// counters.
#ifndef SITECACHE_FILE_MAINTENANCE_HPP
#define SITECACHE_FILE_MAINTENANCE_HPP

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "accounting.hpp"
#include "layout.hpp"

namespace sitecache::file {

struct Limits {
  int64_t max_entries = 0;     // 0: unlimited
  int64_t max_bytes = 0;       // 0: unlimited (compared with whole file sizes)
  int64_t cull_frequency = 3;  // >= 0 (plugin_abi.h)

  bool exceeded(int64_t entries, int64_t bytes) const {
    return (max_entries > 0 && entries > max_entries) || (max_bytes > 0 && bytes > max_bytes);
  }
  // Within 1/8 of a limit (or 64 entries of max_entries): close enough that every write's
  // delta is shared with other processes at once rather than batched (accounting.hpp).
  bool near(int64_t entries, int64_t bytes) const {
    return (max_entries > 0 && entries + std::max<int64_t>(max_entries / 8, 64) >= max_entries) ||
           (max_bytes > 0 && bytes + max_bytes / 8 >= max_bytes);
  }
};

struct PassResult {
  int64_t entries = 0;  // live entries left
  int64_t bytes = 0;    // their total file size
  int64_t expired = 0;  // expired or garbled entries removed
  int64_t evicted = 0;  // live entries removed to honour the limits
  int64_t temps = 0;    // stale temporary files removed
};

// Runs one pass over the store under `location_fd`. The caller holds the PassLock.
// Entries are removed with remove_if_same, so an entry rewritten by another process during
// the pass survives. `kept` (an entry file name, or empty) is the entry whose write
// started the pass: it is never evicted. Never fails: unreadable parts are skipped and
// seen again next time.
PassResult run_pass(int location_fd, const Limits& limits, int64_t now, std::string_view kept);

// Counts the live entries and their bytes without changing anything (for a read-only
// cache, which has no trustworthy counters of its own to report).
PassResult count_live(int location_fd, int64_t now);

// Removes the stale temporary files among `names` of one shard; returns how many.
int64_t remove_stale_temps(int shard_fd, const std::vector<std::string>& names, int64_t now);

}  // namespace sitecache::file

#endif  // SITECACHE_FILE_MAINTENANCE_HPP
