#include "support.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace sitecache::sqlite_test {

namespace fs = std::filesystem;

void SqliteTest::SetUp() {
  TempDirTest::SetUp();
  dir_text_ = dir_.string();
}

Options SqliteTest::options(Options extra) const {
  extra.emplace("location", path("cache.db"));
  return extra;
}

std::unique_ptr<AbiClient> SqliteTest::open(const Options& options) const {
  return std::make_unique<AbiClient>(SQLITE_PLUGIN_PATH, options);
}

std::string raw_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  int rc =
      sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  sqlite3_stmt* statement = nullptr;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW && result.empty() && sqlite3_column_text(statement, 0) != nullptr) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

std::vector<std::string> files_starting_with(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(prefix)) names.push_back(name);
  }
  return names;
}

}  // namespace sitecache::sqlite_test
