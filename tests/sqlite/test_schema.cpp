// Schema version 2 (plugins/sqlite/schema.hpp): rowids that record the write time, access
// rows only for entries used since written, expired rows found by a persisted sweep instead
// of an index, and the migration of version-1 files. These tests look at the file with raw
// SQL because the point of the format is what a write does and does not store.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support.hpp"

namespace sitecache::sqlite_test {
namespace {

using namespace std::chrono_literals;

class Schema : public SqliteTest {
 protected:
  std::string sql(const std::string& statement) { return raw_sql(path("cache.db"), statement); }

  // The version-1 layout as sitecache 1.x created it, with `accessed_ago_ms.size()` entries
  // k0, k1, ... of value "v1-<i>" whose access rows are that long ago.
  void write_version_1_file(const std::vector<int64_t>& accessed_ago_ms) {
    for (const char* statement : {
             "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL)",
             "CREATE TABLE entries (key TEXT NOT NULL, expires_ms INTEGER NOT NULL, "
             "size INTEGER NOT NULL, value BLOB NOT NULL)",
             "CREATE UNIQUE INDEX entries_key ON entries(key)",
             "CREATE INDEX entries_expiry ON entries(expires_ms) WHERE expires_ms > 0",
             "CREATE TABLE entry_access (entry_id INTEGER PRIMARY KEY, "
             "last_access_ms INTEGER NOT NULL)",
             "CREATE INDEX entry_access_lru ON entry_access(last_access_ms)",
         }) {
      sql(statement);
    }
    const int64_t now = wall_ms();
    int64_t bytes = 0;
    for (size_t i = 0; i < accessed_ago_ms.size(); ++i) {
      const std::string key = "k" + std::to_string(i);
      const std::string value = "v1-" + std::to_string(i);
      bytes += static_cast<int64_t>(key.size() + value.size());
      sql("INSERT INTO entries(rowid, key, expires_ms, size, value) VALUES (" +
          std::to_string(i + 1) + ", '" + key + "', 0, " + std::to_string(value.size()) + ", '" +
          value + "')");
      sql("INSERT INTO entry_access VALUES (" + std::to_string(i + 1) + ", " +
          std::to_string(now - accessed_ago_ms[i]) + ")");
    }
    sql("INSERT INTO meta VALUES ('schema_version', 1), ('entries', " +
        std::to_string(accessed_ago_ms.size()) + "), ('bytes', " + std::to_string(bytes) + ")");
  }

  std::string version() { return sql("SELECT value FROM meta WHERE key = 'schema_version'"); }
  std::string count(const std::string& table) { return sql("SELECT count(*) FROM " + table); }
};

TEST_F(Schema, NewEntryRecordsItsWriteTimeInTheRowidAndHasNoAccessRow) {
  const int64_t before = wall_ms();
  {
    auto client = open();
    ASSERT_TRUE(client->ok()) << client->last_error();
    for (int i = 0; i < 3; ++i) ASSERT_EQ(client->set("k" + std::to_string(i), "v"), SC_OK);
    // A read within a second of the write is not worth an access row.
    ASSERT_EQ(client->get("k0"), "v");
  }
  const int64_t after = wall_ms();
  EXPECT_EQ(version(), "2");
  EXPECT_EQ(count("entry_access"), "0");
  const int64_t first = std::stoll(sql("SELECT min(rowid) >> 20 FROM entries"));
  const int64_t last = std::stoll(sql("SELECT max(rowid) >> 20 FROM entries"));
  EXPECT_GE(first, before);
  EXPECT_LE(last, after);
  // Write order is rowid order, even within one millisecond.
  EXPECT_EQ(sql("SELECT group_concat(key, ',') FROM (SELECT key FROM entries ORDER BY rowid)"),
            "k0,k1,k2");
  EXPECT_EQ(sql("SELECT count(*) FROM sqlite_master WHERE name = 'entries_expiry'"), "0");
}

TEST_F(Schema, OverwriteTouchAndLateReadsRecordAnAccessRow) {
  auto client = open();
  ASSERT_TRUE(client->ok()) << client->last_error();
  for (const char* key : {"a", "b", "c", "d"}) ASSERT_EQ(client->set(key, "v"), SC_OK);
  Calls calls(*client);
  ASSERT_EQ(client->set("a", "v2"), SC_OK);
  ASSERT_EQ(calls.touch("b", 0), SC_OK);
  // Reads note access times only a second after the write (AccessLog::kGranularityMs), on
  // the plugin's own clock, which has no seam.
  std::this_thread::sleep_for(1010ms);
  ASSERT_EQ(client->get("c"), "v");
  ASSERT_EQ(client->set("e", "v"), SC_OK);  // writes the noted access first
  client.reset();
  EXPECT_EQ(sql("SELECT group_concat(key, ',') FROM (SELECT e.key FROM entries AS e "
                "JOIN entry_access AS a ON a.entry_id = e.rowid ORDER BY e.key)"),
            "a,b,c");
}

TEST_F(Schema, Version1FileIsMigratedAndKeepsItsLruOrder) {
  // k1 is the least recently used, then k0; k2 and k3 were used more recently.
  write_version_1_file({50'000, 90'000, 3'000, 4'000});
  auto client = open(options({{"max_entries", "4"}, {"cull_frequency", "4"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  EXPECT_EQ(client->get("k2"), "v1-2");
  EXPECT_EQ(client->stats().entries, 4);

  // Scans, unlike reads, leave access times alone.
  auto sorted_keys = [&] {
    std::vector<std::string> keys = client->keys("");
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  ASSERT_EQ(client->set("new1", "v"), SC_OK);  // 5 > 4: one goes, the oldest use: k1
  EXPECT_EQ(sorted_keys(), (std::vector<std::string>{"k0", "k2", "k3", "new1"}));
  ASSERT_EQ(client->set("new2", "v"), SC_OK);  // then k0
  EXPECT_EQ(sorted_keys(), (std::vector<std::string>{"k2", "k3", "new1", "new2"}));
  EXPECT_EQ(client->get("k3"), "v1-3");
  EXPECT_EQ(client->stats().entries, 4);
  client.reset();

  EXPECT_EQ(version(), "2");
  EXPECT_EQ(sql("SELECT count(*) FROM sqlite_master WHERE name = 'entries_expiry'"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM meta WHERE key = 'purge_after'"), "1");
  EXPECT_EQ(sql("PRAGMA integrity_check"), "ok");
}

TEST_F(Schema, ReadOnlyHandleReadsVersion1FileWithoutChangingIt) {
  write_version_1_file({1'000, 2'000});
  {
    auto client = open(options({{"read_only", "true"}}));
    ASSERT_TRUE(client->ok()) << client->last_error();
    EXPECT_EQ(client->get("k1"), "v1-1");
    EXPECT_EQ(client->keys("k").size(), 2u);
    EXPECT_EQ(client->stats().entries, 2);
  }
  EXPECT_EQ(version(), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM sqlite_master WHERE name = 'entries_expiry'"), "1");
}

TEST_F(Schema, ExpiredEntriesArePurgedBySweepsThatContinueAcrossHandles) {
  // The periodic purge looks at 4,096 rows per write handle (at its first write, then at
  // most once a minute), continuing from where the previous sweep stopped (meta row
  // 'purge_after').
  constexpr int kExpiring = 5000;
  {
    auto client = open();
    ASSERT_TRUE(client->ok()) << client->last_error();
    Calls calls(*client);
    std::vector<std::tuple<std::string, std::string, int64_t>> items;
    for (int i = 0; i < kExpiring; ++i) items.emplace_back("x" + std::to_string(i), "v", 1);
    // This write's own sweep looks at rows 1-4096, all still live.
    ASSERT_EQ(calls.set_many(items), SC_OK) << calls.error();
    EXPECT_EQ(client->stats().entries, kExpiring);
  }
  std::this_thread::sleep_for(20ms);  // the 1 ms TTLs run out on the plugin's own clock
  {
    auto client = open();
    ASSERT_EQ(client->set("a", "v"), SC_OK);  // sweeps rows 4097-5001 and wraps around
    EXPECT_EQ(client->stats().entries, 4096 + 1);
  }
  {
    auto client = open();
    ASSERT_EQ(client->set("b", "v"), SC_OK);  // sweeps rows 1-4096
    EXPECT_EQ(client->stats().entries, 2);
    EXPECT_EQ(client->get("a"), "v");
  }
  EXPECT_EQ(count("entries"), "2");
}

TEST_F(Schema, EvictionFindsExpiredEntriesWithoutAnIndex) {
  auto client = open(options({{"max_entries", "100"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  Calls calls(*client);
  std::vector<std::tuple<std::string, std::string, int64_t>> items;
  for (int i = 0; i < 60; ++i) items.emplace_back("keep" + std::to_string(i), "v", 0);
  for (int i = 0; i < 40; ++i) items.emplace_back("old" + std::to_string(i), "v", 1);
  ASSERT_EQ(calls.set_many(items), SC_OK) << calls.error();
  std::this_thread::sleep_for(20ms);          // the 1 ms TTLs run out on the plugin's own clock
  ASSERT_EQ(client->set("new", "v"), SC_OK);  // 101 > 100: the 40 expired are enough
  sc_stats stats = client->stats();
  EXPECT_EQ(stats.entries, 61);
  EXPECT_EQ(stats.evictions, 40);
  EXPECT_EQ(client->get("keep0"), "v");
}

}  // namespace
}  // namespace sitecache::sqlite_test
