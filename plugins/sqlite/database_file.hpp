// The database file on disk: opening it with the configured pragmas, recognising which
// file is open, and moving a corrupt one aside.
#ifndef SITECACHE_PLUGINS_SQLITE_DATABASE_FILE_HPP
#define SITECACHE_PLUGINS_SQLITE_DATABASE_FILE_HPP

#include <sys/types.h>

#include <memory>
#include <string>

#include "settings.hpp"
#include "sql.hpp"

namespace sitecache::sqlite {

// Which inode a path named when it was opened. Used so that a process never moves aside a
// file that another process has already replaced with a fresh database.
struct FileIdentity {
  bool known = false;
  dev_t device = 0;
  ino_t inode = 0;

  static FileIdentity of(const std::string& path);
  bool operator==(const FileIdentity& other) const = default;
};

// Opens the database at settings.path and applies the connection pragmas (WAL, synchronous,
// mmap_size, busy handler). Read-write: creates missing parent directories and the file.
// Read-only: opens with SQLITE_OPEN_READONLY and never creates anything.
// Returns SC_IO for an unusable location (parent is a file, permission denied, missing
// file in read-only mode, a read-write open of a file that is not writable),
// SC_CORRUPTION when the file is not a database, SC_BUSY when it stays locked.
Status open_database(const Settings& settings, std::unique_ptr<Connection>& out);

// Renames `path` (and its -wal journal, which belongs to it) to
// "<path>.corrupt-<UTC timestamp>[-N]" and deletes its -shm index, so the next open starts a
// new database. Does nothing and returns OK with `moved_to` empty unless the path still
// names the file `expected` describes (another process may already have replaced it).
// Returns SC_IO when the rename fails.
Status move_aside(const std::string& path, const FileIdentity& expected, std::string& moved_to);

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_DATABASE_FILE_HPP
