// Thin RAII layer over the SQLite C API: one connection, its prepared statements, and the
// mapping from SQLite result codes to plugin Status values.
//
// Nothing here locks: a Connection and its Statements must be used by one thread at a time
// (the backend serialises every call with its own mutex). Nothing here throws.
#ifndef SITECACHE_PLUGINS_SQLITE_SQL_HPP
#define SITECACHE_PLUGINS_SQLITE_SQL_HPP

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache::sqlite {

using plugin::Bytes;
using plugin::Code;
using plugin::Status;

// A prepared statement, finalized on destruction. Bind errors (e.g. SQLITE_TOOBIG) are
// remembered and reported by the next step(), so callers check one result code.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Defines the statement; it is compiled (SQLITE_PREPARE_PERSISTENT, for the life of the
  // connection) on its first bind or step. Compiling every statement of a table when a
  // process opens it was a quarter of a short-lived process's work (`sitecache exec`),
  // for statements most processes never run. Returns SQLITE_OK; a compile error is
  // returned by the first step() instead.
  int prepare(sqlite3* db, std::string_view sql);

  void bind(int index, int64_t value);
  void bind_text(int index, std::string_view text);
  void bind_blob(int index, Bytes blob);
  void bind_zeroblob(int index, int64_t size);
  void bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step();
  // Ends the current execution (releasing its read snapshot) and forgets bind errors.
  void reset();

  int64_t column_int(int column) const;
  std::string_view column_text(int column) const;
  // The bytes stay valid until the next step() or reset(). Never null, even when empty.
  Bytes column_blob(int column) const;

 private:
  void note_bind(int rc);
  // Compiles the statement if it is not yet; false when that failed (bind_rc_ says why).
  bool compiled();
  sqlite3* db_ = nullptr;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

// Resets a statement when the scope ends, so no early return leaves a snapshot open.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& statement) : statement_(statement) {}
  ~ResetOnExit() { statement_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& statement_;
};

// How long a locked database is retried. SQLite's default handler sleeps in steps that
// grow to 100 ms, which starves a waiter when several processes write back to back; this
// one polls every 50 us .. 2 ms (jittered) until the deadline.
struct BusyPolicy {
  int64_t timeout_ms = 5000;
  // Set while a call must not wait at all (opportunistic background writes).
  bool no_wait = false;
  std::chrono::steady_clock::time_point started;
};

// One open database connection. Not movable: SQLite keeps a pointer to busy_.
class Connection {
 public:
  // Opens `path` with SQLite open `flags` (SQLITE_OPEN_*). The path is only used for
  // messages. On failure returns SC_IO (or SC_CORRUPTION) and leaves `out` empty.
  static Status open(const std::string& path, int flags, int64_t busy_timeout_ms,
                     std::unique_ptr<Connection>& out);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  BusyPolicy& busy() { return busy_; }

  // Runs SQL without results (pragmas, DDL). On failure returns the mapped Status.
  Status exec(std::string_view sql, std::string_view action);
  // Runs a one-value query such as "PRAGMA journal_mode=WAL" and returns its text.
  Status query_text(std::string_view sql, std::string_view action, std::string& out);

  // Prepares `sql` into `out`; failure is a Status naming `action`.
  Status prepare(Statement& out, std::string_view sql, std::string_view action);

  // Transactions. begin_write takes the write lock up front (BEGIN IMMEDIATE) so the busy
  // policy applies to it, instead of failing later when a read would be upgraded.
  Status begin_write();
  Status begin_read();
  Status commit();
  // Never fails; a no-op when SQLite already rolled back (e.g. after SQLITE_FULL).
  void rollback() noexcept;

  // The Status for result code `rc` from `action` on this connection, with SQLite's
  // message and the database path.
  Status error(int rc, std::string_view action) const;

 private:
  Connection(sqlite3* db, std::string path);
  sqlite3* db_;
  std::string path_;
  BusyPolicy busy_;
  Statement begin_write_, begin_read_, commit_, rollback_;
};

// Maps a SQLite result code to a plugin code: BUSY/LOCKED -> busy, CORRUPT/NOTADB ->
// corruption, FULL/IOERR/CANTOPEN/PERM/READONLY -> io, TOOBIG -> invalid_argument,
// anything else -> internal.
Code code_for(int rc);

// Milliseconds since the Unix epoch: the clock of expires_ms and last_access_ms, shared by
// every process using the file.
int64_t now_ms();

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_SQL_HPP
