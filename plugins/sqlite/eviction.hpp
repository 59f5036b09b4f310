// Enforcing max_entries / max_size.
//
// Runs at the end of every write transaction, after that transaction's changes, and costs
// one read of the running totals (a single-row lookup) when nothing is over a limit. When a
// limit is exceeded:
//   1. every expired entry is deleted (it is garbage anyway), found by one sweep of the
//      table;
//   2. if still over, least recently used entries go (oldest last use, i.e. the access
//      time of an entry read since written and the write time of one not, then oldest
//      write): at least enough to get under the limit, and at least 1/cull_frequency of
//      the entries (max_entries) or of the byte budget (max_size), so that a full cache
//      pays for eviction once per many writes, not on every write (Django's culling).
//      cull_frequency 0 empties the cache, as in Django.
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
// Must run inside the write transaction whose changes it bounds. Failures are the mapped
// SQLite errors; the caller then rolls the whole transaction back.
Status enforce_limits(EntryTable& table, const Limits& limits, int64_t now, int64_t& evicted);

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_EVICTION_HPP
