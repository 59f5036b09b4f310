// Helpers for the sqlite plugin tests: a temporary directory per test and raw SQLite
// access for setting up damaged or foreign files. ABI calls, directories and values come
// from tests/support.
#ifndef SITECACHE_TESTS_SQLITE_SUPPORT_HPP
#define SITECACHE_TESTS_SQLITE_SUPPORT_HPP

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "abi_client.hpp"
#include "temp_dir.hpp"
#include "test_values.hpp"

namespace sitecache::sqlite_test {

using testing::AbiClient;
using testing::Calls;
using testing::encode_value;
using testing::read_file;
using testing::ScanEntry;
using testing::valid_value;
using testing::wall_ms;
using testing::write_file;
using Options = std::map<std::string, std::string>;

// A fresh directory of the test's own (testing::TempDirTest), as a string.
class SqliteTest : public testing::TempDirTest {
 protected:
  void SetUp() override;

  const std::string& dir() const { return dir_text_; }
  std::string path(const std::string& name) const { return dir_text_ + "/" + name; }
  // location = <dir>/cache.db plus `extra`.
  Options options(Options extra = {}) const;
  std::unique_ptr<AbiClient> open(const Options& options) const;
  std::unique_ptr<AbiClient> open() const { return open(options()); }

 private:
  std::string dir_text_;
};

// Runs SQL on a database file directly (the plugin must not have it open). Returns the
// first column of the first row, or "" ; fails the test on an SQLite error.
std::string raw_sql(const std::string& db_path, const std::string& sql);

// Files in `dir` whose name starts with `prefix`.
std::vector<std::string> files_starting_with(const std::string& dir, const std::string& prefix);

}  // namespace sitecache::sqlite_test

#endif  // SITECACHE_TESTS_SQLITE_SUPPORT_HPP
