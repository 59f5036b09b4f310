#include "database_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <random>
#include <system_error>
#include <thread>

namespace sitecache::sqlite {

namespace {

namespace fs = std::filesystem;

Status io_error(const std::string& path, const std::string& what) {
  return Status(Code::io, "sqlite cache " + path + ": " + what);
}

// "file:" URI for `path` with the reserved characters percent-encoded.
std::string file_uri(const std::string& path, std::string_view query) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri + "?" + std::string(query);
}

bool wal_is_empty(const std::string& path) {
  std::error_code error;
  auto size = fs::file_size(path + "-wal", error);
  return error || size == 0;
}

// Opens read-only. A WAL database in a directory this process cannot write (a CI cache
// mounted read-only, a file owned by another user) cannot create its -shm index, so SQLite
// refuses it; when there is no pending -wal content the file alone is the whole database
// and it is opened as immutable instead.
Status open_read_only(const Settings& settings, std::unique_ptr<Connection>& out) {
  std::error_code error;
  if (!fs::exists(settings.path, error)) {
    return io_error(settings.path, "does not exist (read_only = true never creates it)");
  }
  std::unique_ptr<Connection> connection;
  Status status = Connection::open(settings.path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                   settings.busy_timeout_ms, connection);
  std::string ignored;
  if (status.is_ok()) status = connection->query_text("PRAGMA schema_version", "read", ignored);
  if (status.code() == Code::io && wal_is_empty(settings.path)) {
    connection.reset();
    status = Connection::open(file_uri(settings.path, "mode=ro&immutable=1"),
                              SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                              settings.busy_timeout_ms, connection);
    if (status.is_ok()) {
      status = connection->query_text("PRAGMA schema_version", "read", ignored);
    }
  }
  if (status.is_ok()) out = std::move(connection);
  return status;
}

// Switches the file to WAL mode (a no-op when it already is). On a file that is still
// empty, the switch reads page 1 and then asks for the write lock; SQLite answers such a
// read-to-write upgrade with an immediate SQLITE_BUSY instead of calling the busy handler
// (waiting could deadlock two readers), so concurrent first opens of a new cache file
// would fail. The switch is retried here, with jittered sleeps, until busy_timeout_ms
// has passed (each attempt may itself wait in the busy handler, so the whole can take up
// to about twice that).
Status enter_wal_mode(Connection& connection, int64_t busy_timeout_ms) {
  constexpr int64_t kLongestWaitMs = 3'600'000;  // keeps the deadline's arithmetic finite
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(std::clamp<int64_t>(busy_timeout_ms, 0, kLongestWaitMs));
  // Seeded per thread and moment: openers that sleep in lockstep keep colliding.
  std::minstd_rand random(static_cast<unsigned>(
      std::hash<std::thread::id>()(std::this_thread::get_id()) ^
      static_cast<size_t>(std::chrono::steady_clock::now().time_since_epoch().count())));
  for (int attempt = 0;; ++attempt) {
    std::string mode;
    Status status = connection.query_text("PRAGMA journal_mode=WAL", "open", mode);
    if (status.code() != Code::busy || std::chrono::steady_clock::now() >= deadline) {
      return status;
    }
    const int64_t ceiling_us = std::min<int64_t>(5000, int64_t{100} << std::min(attempt, 6));
    std::this_thread::sleep_for(
        std::chrono::microseconds(ceiling_us / 2 + random() % (ceiling_us / 2 + 1)));
  }
}

Status open_read_write(const Settings& settings, std::unique_ptr<Connection>& out) {
  fs::path parent = fs::path(settings.path).parent_path();
  std::error_code error;
  if (!parent.empty() && !fs::is_directory(parent, error)) {
    fs::create_directories(parent, error);
    if (error) {
      return io_error(settings.path,
                      "cannot create directory " + parent.string() + ": " + error.message());
    }
  }
  if (fs::is_directory(settings.path, error)) {
    return Status(Code::invalid_argument, "sqlite cache " + settings.path +
                                              ": location is a directory, not a database file");
  }
  std::unique_ptr<Connection> connection;
  Status status = Connection::open(settings.path,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   settings.busy_timeout_ms, connection);
  if (!status.is_ok()) return status;
  // SQLite falls back to read-only when the file is write-protected.
  if (sqlite3_db_readonly(connection->db(), "main") == 1) {
    return io_error(settings.path,
                    "the file is not writable (set read_only = true to use it for reads only)");
  }
  // journal_mode reads the header first: a file that is not a database fails here.
  status = enter_wal_mode(*connection, settings.busy_timeout_ms);
  if (!status.is_ok()) return status;
  // Bounds the -wal file left after checkpoints; it is reused, not grown forever.
  status = connection->exec("PRAGMA journal_size_limit=67108864", "configure");
  // No checkpoint when the connection closes. By default the last connection to close
  // checkpoints the WAL into the database, which costs four fdatasync calls: that was most
  // of a short-lived process's store (`sitecache put`, `sitecache exec` under make). The
  // WAL keeps every committed transaction durable as WAL mode always does, and it is
  // checkpointed by the automatic checkpoint of a later write (wal_autocheckpoint pages).
  if (status.is_ok() && sqlite3_db_config(connection->db(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
                                          nullptr) != SQLITE_OK) {
    status =
        Status(Code::internal, "cannot configure " + settings.path + ": no checkpoint on close");
  }
  if (status.is_ok()) out = std::move(connection);
  return status;
}

}  // namespace

FileIdentity FileIdentity::of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return FileIdentity{true, info.st_dev, info.st_ino};
}

Status open_database(const Settings& settings, std::unique_ptr<Connection>& out) {
  std::unique_ptr<Connection> connection;
  Status status = settings.read_only ? open_read_only(settings, connection)
                                     : open_read_write(settings, connection);
  if (!status.is_ok()) return status;
  // Integers come from validated settings, so formatting them into SQL is safe.
  status = connection->exec("PRAGMA synchronous=" + settings.synchronous, "configure");
  if (status.is_ok()) {
    status =
        connection->exec("PRAGMA mmap_size=" + std::to_string(settings.mmap_size), "configure");
  }
  if (status.is_ok()) out = std::move(connection);
  return status;
}

void fold_long_wal(const Settings& settings, Connection& connection) noexcept {
  if (settings.read_only) return;
  struct stat wal {};
  const std::string wal_path = settings.path + "-wal";
  if (::stat(wal_path.c_str(), &wal) != 0 || wal.st_size <= kFoldWalBytes) return;
  // No waiting: when another process reads or writes, the fold is left to a later close.
  sqlite3_busy_handler(connection.db(), nullptr, nullptr);
  (void)sqlite3_wal_checkpoint_v2(connection.db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                                  nullptr);
}

Status move_aside(const std::string& path, const FileIdentity& expected, std::string& moved_to) {
  moved_to.clear();
  FileIdentity current = FileIdentity::of(path);
  if (!current.known || !expected.known || !(current == expected)) return Status::ok();

  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &utc);
  std::string target = path + ".corrupt-" + stamp;
  std::error_code error;
  for (int n = 2; fs::exists(target, error); ++n) {
    target = path + ".corrupt-" + stamp + "-" + std::to_string(n);
  }
  if (::rename(path.c_str(), target.c_str()) != 0) {
    return io_error(
        path, "cannot move the corrupt database aside to " + target + ": " + std::strerror(errno));
  }
  // A stale -wal next to a new database would be replayed into it: it goes along.
  if (fs::exists(path + "-wal", error)) fs::rename(path + "-wal", target + "-wal", error);
  fs::remove(path + "-shm", error);
  fs::remove(path + "-journal", error);
  moved_to = target;
  return Status::ok();
}

}  // namespace sitecache::sqlite
