#include "schema.hpp"

#include <string>

namespace sitecache::sqlite {

namespace {

// Rowid table plus a UNIQUE index rather than WITHOUT ROWID keyed on `key`: with values of
// a kilobyte inline, WITHOUT ROWID measured about 7x slower for inserts here, because every
// b-tree cell of the primary key then carries the value. Small columns come before the
// value so reading them never walks a value's overflow pages.
//
// Access times live in their own narrow table instead of a column of entries: SQLite
// rewrites a whole row (reading its value) to change one column, so recording reads in
// entries measured 10k updates/s with 1 KiB values and 4k/s with 20 KiB values, against
// 90k/s for the narrow table, whose pages each hold hundreds of rows. entry_id is the rowid
// of the entry; every delete from entries deletes its access row in the same transaction.
//
// No index on expires_ms (version 2): it cost a sixth of every set, while expired rows are
// only needed by the periodic purge and by eviction, which sweep the table instead.
constexpr std::string_view kCreate = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  key TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,  -- ms since the epoch; 0 = never
  size INTEGER NOT NULL,        -- bytes in value
  value BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS entries_key ON entries(key);
CREATE TABLE IF NOT EXISTS entry_access (
  entry_id INTEGER PRIMARY KEY,     -- entries.rowid
  last_access_ms INTEGER NOT NULL   -- ms since the epoch, at a granularity of about 1 s
);
CREATE INDEX IF NOT EXISTS entry_access_lru ON entry_access(last_access_ms);
INSERT OR IGNORE INTO meta(key, value)
  VALUES ('schema_version', 2), ('entries', 0), ('bytes', 0), ('purge_after', 0);
)sql";

struct Found {
  bool meta = false;
  int tables = 0;       // how many of entries and entry_access exist
  std::string foreign;  // a table that is not ours, if any
};

Status list_tables(Connection& connection, Found& found) {
  Statement statement;
  Status status = connection.prepare(
      statement, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      "read schema");
  if (!status.is_ok()) return status;
  int rc = SQLITE_DONE;
  while ((rc = statement.step()) == SQLITE_ROW) {
    std::string_view name = statement.column_text(0);
    if (name == "meta") {
      found.meta = true;
    } else if (name == "entries" || name == "entry_access") {
      found.tables += 1;
    } else if (found.foreign.empty() && !name.starts_with("sqlite_")) {
      found.foreign = std::string(name);
    }
  }
  return rc == SQLITE_DONE ? Status::ok() : connection.error(rc, "read schema");
}

// Reads the schema version; fails for a missing, invalid or newer one.
Status check_version(Connection& connection, int64_t& version) {
  Statement statement;
  Status status = connection.prepare(
      statement, "SELECT value FROM meta WHERE key = 'schema_version'", "read schema version");
  if (!status.is_ok()) return status;
  int rc = statement.step();
  if (rc == SQLITE_DONE) {
    return Status(Code::corruption,
                  "sqlite cache " + connection.path() + ": the meta table has no schema_version");
  }
  if (rc != SQLITE_ROW) return connection.error(rc, "read schema version");
  version = statement.column_int(0);
  if (version > kSchemaVersion) {
    return Status(Code::unsupported,
                  "sqlite cache " + connection.path() + " has schema version " +
                      std::to_string(version) + ", newer than the " +
                      std::to_string(kSchemaVersion) +
                      " this sitecache-sqlite plugin understands: upgrade sitecache, or point "
                      "location at another file");
  }
  if (version < 1) {
    return Status(Code::corruption, "sqlite cache " + connection.path() +
                                        ": invalid schema version " + std::to_string(version));
  }
  return Status::ok();
}

// Version 1 -> 2 (see schema.hpp). Re-reads the version under the write lock: another
// process may have migrated the file since this one looked.
constexpr std::string_view kMigrate1To2 = R"sql(
DROP INDEX IF EXISTS entries_expiry;
INSERT OR IGNORE INTO meta(key, value) VALUES ('purge_after', 0);
UPDATE meta SET value = 2 WHERE key = 'schema_version' AND value = 1;
)sql";

Status migrate(Connection& connection) {
  if (Status status = connection.begin_write(); !status.is_ok()) return status;
  Status status = connection.exec(kMigrate1To2, "migrate schema 1 to 2");
  if (status.is_ok()) status = connection.commit();
  if (!status.is_ok()) connection.rollback();
  return status;
}

}  // namespace

Status ensure_schema(Connection& connection, bool read_only) {
  Found found;
  if (Status status = list_tables(connection, found); !status.is_ok()) return status;

  if (!found.meta && !found.foreign.empty()) {
    return Status(Code::invalid_argument,
                  "sqlite cache " + connection.path() +
                      " is a SQLite database of something else (it has a table '" + found.foreign +
                      "' and no sitecache meta table); refusing to use it");
  }
  if (!found.meta) {
    if (read_only) {
      return Status(Code::corruption, "sqlite cache " + connection.path() +
                                          " has no sitecache tables (opened read-only, so "
                                          "they cannot be created)");
    }
    // IF NOT EXISTS + INSERT OR IGNORE under the write lock: concurrent first opens by
    // several processes all succeed and create the schema once.
    if (Status status = connection.begin_write(); !status.is_ok()) return status;
    Status status = connection.exec(kCreate, "create schema");
    if (status.is_ok()) status = connection.commit();
    if (!status.is_ok()) {
      connection.rollback();
      return status;
    }
    found.tables = 2;
  }
  int64_t version = 0;
  if (Status status = check_version(connection, version); !status.is_ok()) return status;
  if (found.tables != 2) {
    return Status(Code::corruption, "sqlite cache " + connection.path() +
                                        ": the entries or entry_access table is missing");
  }
  if (version < kSchemaVersion && !read_only) return migrate(connection);
  return Status::ok();
}

}  // namespace sitecache::sqlite
