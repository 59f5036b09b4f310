// The baselines of the persistent-backend benchmarks: the storage engines used directly,
// with the best layout each allows and nothing sitecache adds (no envelope, no checksum,
// no plugin ABI, no expiry, no access times, no size accounting).
//
// RawSqlite is the layout the sqlite plugin itself uses for its values (a rowid table with
// a UNIQUE index on the key) and the same connection settings (WAL, synchronous=NORMAL,
// 256 MiB mmap, journal_size_limit 64 MiB), so the two differ only in the work sitecache
// does on top. RawFiles is one file per key in 256 shard directories (the key's
// first two hex digits, created up front, so no directory grows huge): reads are
// open/fstat/read/close, writes are a new temporary file renamed over the key's file, the
// minimum for a reader never to see a torn value.
//
// Both abort the process on an unexpected error: a benchmark must not time failures.
#ifndef SITECACHE_BENCH_RAW_ENGINES_HPP
#define SITECACHE_BENCH_RAW_ENGINES_HPP

#include <sqlite3.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace bench {

class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path);
  ~RawSqlite();
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  // One upsert in its own (autocommit) transaction, as one Cache::set is.
  void set(std::string_view key, std::string_view value);
  // Every upsert in one transaction, as one Cache::set_many is.
  void set_many(std::span<const std::pair<std::string, std::string>> items);
  // A point read copied out into `out` (a Cache hands out an owned std::string too).
  bool get(std::string_view key, std::string& out);
  // Point reads inside one read transaction; returns how many were found.
  size_t get_many(std::span<const std::string> keys, std::string* out);

 private:
  void exec(const char* sql);
  bool read_one(std::string_view key, std::string& out);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
};

class RawFiles {
 public:
  // Creates `dir` if needed.
  explicit RawFiles(std::string dir);

  void set(std::string_view key, std::string_view value);
  bool get(std::string_view key, std::string& out);

 private:
  std::string path_of(std::string_view key) const;
  std::string dir_;
};

}  // namespace bench

#endif  // SITECACHE_BENCH_RAW_ENGINES_HPP
