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

// A WAL longer than this is folded into the database when a read-write handle closes.
// SQLite rebuilds the WAL index by reading every frame of the WAL when a connection opens
// and no other connection has the file open, which is every short-lived process
// (`sitecache exec` under make): a WAL left at the automatic checkpoint's 4 MiB made each
// of them read and checksum 4 MiB before its first query. Below this size a close costs
// no fsync; above it, one checkpoint (two fsyncs) shared by the writes that grew it.
inline constexpr off_t kFoldWalBytes = 256 * 1024;

// Folds the WAL into the database and truncates it when it is longer than kFoldWalBytes
// and no other connection is reading; otherwise (or on any failure) leaves it as it is.
// Call with no statement of `connection` active.
void fold_long_wal(const Settings& settings, Connection& connection) noexcept;

// Renames `path` (and its -wal journal, which belongs to it) to
// "<path>.corrupt-<UTC timestamp>[-N]" and deletes its -shm index, so the next open starts a
// new database. Does nothing and returns OK with `moved_to` empty unless the path still
// names the file `expected` describes (another process may already have replaced it).
// Returns SC_IO when the rename fails.
Status move_aside(const std::string& path, const FileIdentity& expected, std::string& moved_to);

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_DATABASE_FILE_HPP
