// The sqlite backend: one database file, shared by every process that opens it.
//
// Threads: one connection per handle, every call serialised by a mutex (SQLite connections
// are not usable from two threads at once, and a cache call is short). Processes: WAL mode
// lets readers run beside one writer; writers take the write lock up front (BEGIN
// IMMEDIATE) and wait for it up to busy_timeout_ms, then fail with SC_BUSY.
//
// Every write (set, set_many, add, remove, touch, clear) is one transaction that also
// writes pending access times, purges some expired entries (at most once a minute),
// enforces the limits and updates the running totals, so a crash leaves either all of it
// or none of it.
//
// Errors are returned, never thrown: SC_IO (disk full, permissions), SC_BUSY (locked past
// the timeout), SC_CORRUPTION (damaged file: with on_corrupt = "recreate" the file is
// moved aside and a new database started, and the failing call still reports it),
// SC_INVALID_ARGUMENT (writes on a read-only handle, negative TTL, a value larger than
// max_size).
#ifndef SITECACHE_PLUGINS_SQLITE_BACKEND_HPP
#define SITECACHE_PLUGINS_SQLITE_BACKEND_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>

#include "access_log.hpp"
#include "database_file.hpp"
#include "entries.hpp"
#include "eviction.hpp"
#include "settings.hpp"
#include "sitecache/plugin_adapter.hpp"

namespace sitecache::sqlite {

class SqliteBackend {
 public:
  static constexpr std::string_view plugin_name = "sqlite";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "one SQLite database file (WAL mode), shared by processes; the zero-config default";
  static constexpr uint64_t plugin_flags =
      SC_CAP_THREAD_SAFE | SC_CAP_PERSISTENT | SC_CAP_SHARED | SC_CAP_NATIVE_TTL;

  static Status create(const plugin::Options& options, std::unique_ptr<SqliteBackend>& out);
  // What create() checks of the options (parse_settings), without opening the database.
  static Status validate(const plugin::Options& options);
  ~SqliteBackend();
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  Status get(std::string_view key, plugin::ValueSink& sink);
  Status set(std::string_view key, Bytes value, int64_t ttl_ms);
  Status remove(std::string_view key);
  // Reads every key in one read transaction (one consistent snapshot).
  Status get_many(std::span<const std::string_view> keys, plugin::IndexedSink& sink);
  // All items in one transaction: all stored, or none.
  Status set_many(std::span<const plugin::Item> items);
  Status touch(std::string_view key, int64_t ttl_ms);
  Status clear(std::string_view prefix);
  // The cursor is the rowid of the last entry visited. A batch is copied out under the lock
  // and visited without it, so the visitor may call back into this handle.
  Status scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint, plugin::ScanMode mode,
              plugin::ScanVisitor& visitor);
  // entries/bytes are the running totals: they include expired entries not yet purged.
  Status stats(plugin::Stats& out);
  // Insert-if-absent under the database write lock: atomic across processes.
  Status add(std::string_view key, Bytes value, int64_t ttl_ms, bool& stored);

 private:
  explicit SqliteBackend(Settings settings);

  // --- lifecycle (backend.cpp); all of these require mutex_ held or exclusive access ---
  // Opens the file, checks the schema, prepares statements; moves a corrupt file aside
  // and retries once when on_corrupt = "recreate".
  Status open();
  Status open_once();
  void close() noexcept;
  // Reopens when an earlier recovery left the handle without a connection.
  Status ready();
  // Passes `failure` through, except that corruption with on_corrupt = "recreate" moves
  // the file aside and reopens (the returned status still reports the corruption).
  Status recover(Status failure);
  // Runs `body(now)` in a write transaction with the housekeeping described above.
  // `body` reports errors only; logical outcomes go through its captures.
  Status write(std::string_view operation, const std::function<Status(int64_t now)>& body);
  // Writes the access log in its own transaction. With wait = false it gives up at once
  // when another connection holds the write lock and keeps the notes for later.
  void flush_access(bool wait);
  Status validate_write(std::string_view operation, int64_t ttl_ms, size_t footprint) const;

  Settings settings_;
  Limits limits_;
  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<EntryTable> table_;  // declared after connection_: destroyed first
  FileIdentity identity_;
  AccessLog access_;
  int64_t evictions_ = 0;
  int64_t next_purge_ms_ = 0;
};

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_BACKEND_HPP
