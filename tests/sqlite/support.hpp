// Helpers for the sqlite plugin tests: a temporary directory per test, the plugin calls
// AbiClient does not wrap (add, touch, clear, get_many, set_many, scan with options), raw
// SQLite access for setting up damaged or foreign files, and self-checking values for the
// multi-process tests.
#ifndef SITECACHE_TESTS_SQLITE_SUPPORT_HPP
#define SITECACHE_TESTS_SQLITE_SUPPORT_HPP

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "abi_client.hpp"

namespace sitecache::sqlite_test {

using testing::AbiClient;
using Options = std::map<std::string, std::string>;

// A fresh directory under TMPDIR (or /tmp), removed with its contents at teardown.
class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // location = <dir>/cache.db plus `extra`.
  Options options(Options extra = {}) const;
  std::unique_ptr<AbiClient> open(const Options& options) const;
  std::unique_ptr<AbiClient> open() const { return open(options()); }

 private:
  std::string dir_;
};

// The optional calls AbiClient does not wrap, with their own error buffer.
class Calls {
 public:
  explicit Calls(AbiClient& client) : client_(client) {}

  sc_status add(const std::string& key, const std::string& value, int64_t ttl_ms, bool& stored);
  sc_status touch(const std::string& key, int64_t ttl_ms);
  sc_status clear(const std::string& prefix);
  sc_status set_many(const std::vector<std::tuple<std::string, std::string, int64_t>>& items);
  // Found values by request index.
  std::map<size_t, std::string> get_many(const std::vector<std::string>& keys, sc_status& status);

  struct Seen {
    std::string key;
    std::optional<std::string> value;
    int64_t value_size = 0;
    int64_t expires_ms = 0;
  };
  // One scan call: visits until `stop_after` entries were seen in this call (0 = never
  // stop), updating `cursor`.
  sc_status scan_once(const std::string& prefix, uint64_t& cursor, size_t batch, uint32_t flags,
                      size_t stop_after, std::vector<Seen>& out);
  // A whole scan, resuming from the cursor until it is 0; counts the calls made.
  sc_status scan_all(const std::string& prefix, size_t batch, uint32_t flags,
                     std::vector<Seen>& out, int* calls = nullptr);

  std::string error() const { return std::string(text_); }

 private:
  sc_error* err();
  AbiClient& client_;
  char text_[512] = {0};
  sc_error error_{};
};

// Runs SQL on a database file directly (the plugin must not have it open). Returns the
// first column of the first row, or "" ; fails the test on an SQLite error.
std::string raw_sql(const std::string& db_path, const std::string& sql);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);
// Files in `dir` whose name starts with `prefix`.
std::vector<std::string> files_starting_with(const std::string& dir, const std::string& prefix);

// A value that proves its own origin: a header (writer, sequence, length, checksum) and a
// payload derived from (writer, sequence). valid_value accepts exactly what encode_value
// produces, so a torn or mixed write is always detected.
std::string encode_value(uint32_t writer, uint32_t sequence, size_t payload_size);
bool valid_value(const std::string& value);

}  // namespace sitecache::sqlite_test

#endif  // SITECACHE_TESTS_SQLITE_SUPPORT_HPP
