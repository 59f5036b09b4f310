// The on-disk schema of the sqlite backend, its version check and its migrations.
//
// Version history (meta row 'schema_version'):
//   1  entries(key, expires_ms, size, value): a rowid table with a UNIQUE index on key and
//      a partial index on expires_ms > 0; entry_access(entry_id = entries.rowid,
//      last_access_ms) with an LRU index, one row per entry; meta rows 'entries' and
//      'bytes' hold the running totals.
//   2  No expiry index (expired rows are found by sweeping the table in rowid order, from
//      the meta row 'purge_after'). A new row's rowid encodes its write time:
//      rowid = max(write_ms << kRowidTimeShift, max(rowid) + 1), so rowid order is write
//      order and rowid >> kRowidTimeShift is the write time. entry_access rows exist only
//      for entries read, touched or overwritten since they were written; an entry without
//      one was last used at its write time. Saves three of the five b-tree pages a
//      version-1 set dirtied (docs/perf/persistent-backends.md).
//      Migration from 1 (on the first writable open): drop the expiry index, add
//      'purge_after', set the version. Version-1 rows all have access rows, so they keep
//      their LRU order; their small rowids sort before every version-2 row, which is also
//      their true write order. A read-only handle reads a version-1 file as it is.
#ifndef SITECACHE_PLUGINS_SQLITE_SCHEMA_HPP
#define SITECACHE_PLUGINS_SQLITE_SCHEMA_HPP

#include <cstdint>

#include "sql.hpp"

namespace sitecache::sqlite {

inline constexpr int64_t kSchemaVersion = 2;
// Low rowid bits left for rows written in the same millisecond (about a million). Write
// times up to the year 2248 fit in a positive int64 rowid.
inline constexpr int kRowidTimeShift = 20;

// Makes sure the connection's database holds a sitecache schema this plugin understands:
// creates it in an empty database (unless read-only), migrates an older version (unless
// read-only), and verifies its version.
// Returns SC_UNSUPPORTED for a newer schema version, SC_INVALID_ARGUMENT for a SQLite
// database that belongs to something else (it has tables but no sitecache meta table;
// such a file is never modified), SC_CORRUPTION for a damaged sitecache schema or an
// empty database opened read-only, and the mapped SQLite error otherwise.
Status ensure_schema(Connection& connection, bool read_only);

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_SCHEMA_HPP
