// The on-disk schema of the sqlite backend and its version check.
//
// Version history (meta row 'schema_version'):
//   1  entries(key, expires_ms, size, value): a rowid table with a UNIQUE index on key and
//      a partial index on expires_ms > 0; entry_access(entry_id = entries.rowid,
//      last_access_ms) with an LRU index; meta rows 'entries' and 'bytes' hold the running
//      totals.
#ifndef SITECACHE_PLUGINS_SQLITE_SCHEMA_HPP
#define SITECACHE_PLUGINS_SQLITE_SCHEMA_HPP

#include <cstdint>

#include "sql.hpp"

namespace sitecache::sqlite {

inline constexpr int64_t kSchemaVersion = 1;

// Makes sure the connection's database holds a sitecache schema this plugin understands:
// creates it in an empty database (unless read-only), and verifies its version.
// Returns SC_UNSUPPORTED for a newer schema version, SC_INVALID_ARGUMENT for a SQLite
// database that belongs to something else (it has tables but no sitecache meta table;
// such a file is never modified), SC_CORRUPTION for a damaged sitecache schema or an
// empty database opened read-only, and the mapped SQLite error otherwise.
Status ensure_schema(Connection& connection, bool read_only);

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_SCHEMA_HPP
