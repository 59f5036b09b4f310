#include "raw_engines.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace bench {

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "raw engine: %s\n", what.c_str());
  std::abort();
}

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    die(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

}  // namespace

RawSqlite::RawSqlite(const std::string& path) {
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  check(db_, rc, "open");
  // The sqlite plugin's settings (plugins/sqlite/database_file.cpp, settings.hpp).
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA journal_size_limit=67108864");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA mmap_size=268435456");
  exec(
      "CREATE TABLE IF NOT EXISTS kv (key TEXT NOT NULL, value BLOB NOT NULL);"
      "CREATE UNIQUE INDEX IF NOT EXISTS kv_key ON kv(key);");
  rc = sqlite3_prepare_v3(db_,
                          "INSERT INTO kv(key, value) VALUES (?1, ?2) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          -1, SQLITE_PREPARE_PERSISTENT, &upsert_, nullptr);
  check(db_, rc, "prepare upsert");
  rc = sqlite3_prepare_v3(db_, "SELECT value FROM kv WHERE key = ?1", -1, SQLITE_PREPARE_PERSISTENT,
                          &select_, nullptr);
  check(db_, rc, "prepare select");
}

RawSqlite::~RawSqlite() {
  sqlite3_finalize(upsert_);
  sqlite3_finalize(select_);
  sqlite3_close(db_);
}

void RawSqlite::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "?";
    sqlite3_free(message);
    die(std::string(sql) + ": " + text);
  }
}

void RawSqlite::set(std::string_view key, std::string_view value) {
  sqlite3_bind_text(upsert_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_blob(upsert_, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  int rc = sqlite3_step(upsert_);
  sqlite3_reset(upsert_);
  if (rc != SQLITE_DONE) check(db_, rc, "upsert");
}

void RawSqlite::set_many(std::span<const std::pair<std::string, std::string>> items) {
  exec("BEGIN");
  for (const auto& [key, value] : items) set(key, value);
  exec("COMMIT");
}

bool RawSqlite::read_one(std::string_view key, std::string& out) {
  sqlite3_bind_text(select_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  int rc = sqlite3_step(select_);
  bool found = rc == SQLITE_ROW;
  if (found) {
    const void* data = sqlite3_column_blob(select_, 0);
    out.assign(static_cast<const char*>(data),
               static_cast<size_t>(sqlite3_column_bytes(select_, 0)));
  }
  sqlite3_reset(select_);
  if (!found && rc != SQLITE_DONE) check(db_, rc, "select");
  return found;
}

bool RawSqlite::get(std::string_view key, std::string& out) {
  return read_one(key, out);
}

size_t RawSqlite::get_many(std::span<const std::string> keys, std::string* out) {
  exec("BEGIN");
  size_t found = 0;
  for (size_t i = 0; i < keys.size(); ++i) found += read_one(keys[i], out[i]) ? 1 : 0;
  exec("COMMIT");
  return found;
}

RawFiles::RawFiles(std::string dir) : dir_(std::move(dir)) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shard = 0; shard < 256; ++shard) {
    std::filesystem::create_directories(dir_ + "/" + kHex[shard >> 4] + kHex[shard & 15]);
  }
}

std::string RawFiles::path_of(std::string_view key) const {
  // Keys are "sc:1:<32 hex digits>": the first two digits pick the shard.
  std::string_view shard = key.size() >= 7 ? key.substr(5, 2) : std::string_view("00");
  std::string path = dir_;
  path += '/';
  path += shard;
  path += '/';
  path += key;
  return path;
}

void RawFiles::set(std::string_view key, std::string_view value) {
  const std::string target = path_of(key);
  const std::string temp = target + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) die("create " + temp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < value.size()) {
    ssize_t n = ::write(fd, value.data() + done, value.size() - done);
    if (n <= 0) die("write " + temp + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) die("close " + temp + ": " + std::strerror(errno));
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    die("rename " + temp + ": " + std::strerror(errno));
  }
}

bool RawFiles::get(std::string_view key, std::string& out) {
  const std::string path = path_of(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    die("open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) die("fstat " + path + ": " + std::strerror(errno));
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n <= 0) die("read " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return true;
}

}  // namespace bench
