// Enforcing max_entries / max_size.
//
// Runs at the end of every write transaction, after that transaction's changes, and costs
// one read of the running totals (a single-row lookup) when nothing is over a limit. When a
// limit is exceeded:
//   1. every expired entry is deleted (it is garbage anyway), found by one sweep of the
//      table;
//   2. if still over, it culls as plugin_abi.h defines it (Django's cull): least recently
//      used entries go (oldest last use, i.e. the access time of an entry read since
//      written and the write time of one not, then oldest write), max(1, E /
//      cull_frequency) of them, E being the entries before this transaction's new ones,
//      and more while a limit is still exceeded; cull_frequency 0 removes every entry but
//      the ones this transaction wrote. The transaction's entries are the most recently
//      written, so they go last, and its newest one never: a single write is never culled,
//      while a batch larger than a limit culls its own older items. Culling a fraction
//      means a full cache pays for eviction once per many writes, not on every write.
// Reads record last access at a granularity of about a second (see AccessLog), so entries
// read within the same second are ordered by insertion.
#ifndef SITECACHE_PLUGINS_SQLITE_EVICTION_HPP
#define SITECACHE_PLUGINS_SQLITE_EVICTION_HPP

#include <cstdint>

#include "entries.hpp"
#include "settings.hpp"

namespace sitecache::sqlite {

struct Limits {
  int64_t max_entries = 0;  // 0: none
  int64_t max_bytes = 0;    // 0: none
  int64_t cull_frequency = 3;

  static Limits from(const Settings& settings) {
    return {settings.max_entries, settings.max_bytes, settings.cull_frequency};
  }
  bool any() const { return max_entries > 0 || max_bytes > 0; }
};

// Brings the table within `limits`; adds the number of deleted entries to `evicted`.
// `entries_before` is the entry count before the transaction's changes. Must run inside
// the write transaction whose changes it bounds. Failures are the mapped SQLite errors;
// the caller then rolls the whole transaction back.
Status enforce_limits(EntryTable& table, const Limits& limits, int64_t now, int64_t entries_before,
                      int64_t& evicted);

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_EVICTION_HPP
