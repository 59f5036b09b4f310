// The sqlite plugin's operations, driven through the built .so and its C ABI.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "support.hpp"

namespace sitecache::sqlite_test {
namespace {

using namespace std::chrono_literals;

class Operations : public SqliteTest {};

TEST_F(Operations, DescriptorDeclaresCapabilities) {
  auto client = open();
  ASSERT_TRUE(client->ok()) << client->last_error();
  const sc_plugin& plugin = client->plugin();
  EXPECT_STREQ(plugin.name, "sqlite");
  uint64_t expected = SC_CAP_THREAD_SAFE | SC_CAP_PERSISTENT | SC_CAP_SHARED | SC_CAP_NATIVE_TTL |
                      SC_CAP_GET_MANY | SC_CAP_SET_MANY | SC_CAP_TOUCH | SC_CAP_CLEAR |
                      SC_CAP_SCAN | SC_CAP_STATS | SC_CAP_ADD | SC_CAP_VALIDATE;
  EXPECT_EQ(plugin.capabilities, expected);
}

TEST_F(Operations, RoundTripOverwriteRemove) {
  auto client = open();
  ASSERT_TRUE(client->ok()) << client->last_error();
  EXPECT_EQ(client->get("k"), std::nullopt);
  EXPECT_EQ(client->last_status(), SC_NOT_FOUND);

  std::string binary("a\0b\xff", 4);
  ASSERT_EQ(client->set("k", binary), SC_OK) << client->last_error();
  EXPECT_EQ(client->get("k"), binary);
  ASSERT_EQ(client->set("k", "second"), SC_OK);
  EXPECT_EQ(client->get("k"), "second");

  ASSERT_EQ(client->set("empty", ""), SC_OK) << client->last_error();
  EXPECT_EQ(client->get("empty"), "");
  std::string big(1 << 20, 'x');
  ASSERT_EQ(client->set("big", big), SC_OK);
  EXPECT_EQ(client->get("big"), big);

  EXPECT_EQ(client->remove("k"), SC_OK);
  EXPECT_EQ(client->remove("k"), SC_NOT_FOUND);
  EXPECT_EQ(client->get("k"), std::nullopt);
}

TEST_F(Operations, EntriesPersistAcrossHandles) {
  {
    auto client = open();
    ASSERT_EQ(client->set("kept", "value"), SC_OK);
  }
  auto client = open();
  EXPECT_EQ(client->get("kept"), "value");
}

TEST_F(Operations, ExpiredEntriesAreInvisible) {
  auto client = open();
  Calls calls(*client);
  ASSERT_EQ(client->set("short", "v", 400), SC_OK);
  ASSERT_EQ(client->set("forever", "v", 0), SC_OK);
  EXPECT_EQ(client->get("short"), "v");
  std::this_thread::sleep_for(420ms);  // the plugin's own wall-clock TTL has no seam
  EXPECT_EQ(client->get("short"), std::nullopt);
  EXPECT_EQ(client->last_status(), SC_NOT_FOUND);
  EXPECT_EQ(client->get("forever"), "v");
  EXPECT_EQ(client->keys(), std::vector<std::string>{"forever"});
  EXPECT_EQ(client->remove("short"), SC_NOT_FOUND);  // expired counts as absent
  EXPECT_EQ(client->set("t", "v", -5), SC_INVALID_ARGUMENT);
}

TEST_F(Operations, TouchChangesExpiry) {
  auto client = open();
  Calls calls(*client);
  EXPECT_EQ(calls.touch("absent", 1000), SC_NOT_FOUND);
  ASSERT_EQ(client->set("a", "v", 400), SC_OK);
  ASSERT_EQ(client->set("b", "v", 0), SC_OK);
  ASSERT_EQ(client->set("c", "v", 400), SC_OK);
  EXPECT_EQ(calls.touch("a", 0), SC_OK) << calls.error();    // never expires now
  EXPECT_EQ(calls.touch("b", 400), SC_OK) << calls.error();  // expires soon now
  std::this_thread::sleep_for(420ms);  // the plugin's own wall-clock TTL has no seam
  EXPECT_EQ(client->get("a"), "v");
  EXPECT_EQ(client->get("b"), std::nullopt);
  EXPECT_EQ(calls.touch("c", 1000), SC_NOT_FOUND);  // already expired: not revived
}

TEST_F(Operations, AddStoresOnlyWhenAbsentOrExpired) {
  auto client = open();
  Calls calls(*client);
  bool stored = false;
  EXPECT_EQ(calls.add("lease", "first", 0, stored), SC_OK) << calls.error();
  EXPECT_TRUE(stored);
  EXPECT_EQ(calls.add("lease", "second", 0, stored), SC_OK);
  EXPECT_FALSE(stored);
  EXPECT_EQ(client->get("lease"), "first");

  ASSERT_EQ(client->set("old", "stale", 50), SC_OK);
  std::this_thread::sleep_for(70ms);  // the plugin's own wall-clock TTL has no seam
  EXPECT_EQ(calls.add("old", "fresh", 0, stored), SC_OK);
  EXPECT_TRUE(stored);
  EXPECT_EQ(client->get("old"), "fresh");
  EXPECT_EQ(client->stats().entries, 2);
}

TEST_F(Operations, ClearRemovesOnlyThePrefix) {
  auto client = open();
  Calls calls(*client);
  for (std::string key : {"a:1", "a:2", "a:", "ab:1", "b:1", "a", "x%1", "x_1", "xy1"}) {
    ASSERT_EQ(client->set(key, "v"), SC_OK);
  }
  EXPECT_EQ(calls.clear("a:"), SC_OK) << calls.error();
  std::vector<std::string> left = client->keys();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"a", "ab:1", "b:1", "x%1", "x_1", "xy1"}));
  // LIKE wildcards in a prefix are plain characters.
  EXPECT_EQ(calls.clear("x%"), SC_OK);
  EXPECT_EQ(client->get("x_1"), "v");
  EXPECT_EQ(client->get("xy1"), "v");
  EXPECT_EQ(client->get("x%1"), std::nullopt);
  EXPECT_EQ(client->stats().entries, 5);
  EXPECT_EQ(calls.clear(""), SC_OK);
  EXPECT_TRUE(client->keys().empty());
  EXPECT_EQ(client->stats().entries, 0);
  EXPECT_EQ(client->stats().bytes, 0);
}

TEST_F(Operations, ScanResumesFromCursorAndFiltersPrefix) {
  auto client = open();
  Calls calls(*client);
  std::vector<std::tuple<std::string, std::string, int64_t>> items;
  for (int i = 0; i < 600; ++i)
    items.emplace_back("p:" + std::to_string(i), "v" + std::to_string(i), 0);
  for (int i = 0; i < 100; ++i) items.emplace_back("q:" + std::to_string(i), "w", 0);
  items.emplace_back("p:expired", "gone", 1);
  ASSERT_EQ(calls.set_many(items), SC_OK) << calls.error();
  std::this_thread::sleep_for(20ms);  // "p:expired" (1 ms) expires on the plugin's own clock

  std::vector<ScanEntry> seen;
  int made = 0;
  ASSERT_EQ(calls.scan_all("p:", 50, SC_SCAN_VALUES, seen, &made), SC_OK) << calls.error();
  EXPECT_GE(made, 12);
  std::set<std::string> keys;
  for (const auto& entry : seen) {
    EXPECT_TRUE(entry.key.starts_with("p:"));
    ASSERT_TRUE(entry.value.has_value());
    EXPECT_EQ(*entry.value, "v" + entry.key.substr(2));
    keys.insert(entry.key);
  }
  EXPECT_EQ(seen.size(), 600u);
  EXPECT_EQ(keys.size(), 600u);

  // Keys only: no value, but its size.
  seen.clear();
  ASSERT_EQ(calls.scan_all("q:", 1000, SC_SCAN_KEYS, seen), SC_OK);
  ASSERT_EQ(seen.size(), 100u);
  EXPECT_FALSE(seen[0].value.has_value());
  EXPECT_EQ(seen[0].value_size, 1);

  // A visitor that stops early gets a cursor that resumes after the last entry it saw.
  seen.clear();
  uint64_t cursor = 0;
  ASSERT_EQ(calls.scan_once("p:", cursor, 100, SC_SCAN_KEYS, seen, 7), SC_OK);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_NE(cursor, 0u);
  while (cursor != 0) ASSERT_EQ(calls.scan_once("p:", cursor, 100, SC_SCAN_KEYS, seen), SC_OK);
  keys.clear();
  for (const auto& entry : seen) keys.insert(entry.key);
  EXPECT_EQ(seen.size(), 600u);
  EXPECT_EQ(keys.size(), 600u);
}

TEST_F(Operations, ScanVisitorMayRemoveEntries) {
  auto client = open();
  for (int i = 0; i < 300; ++i) ASSERT_EQ(client->set("r:" + std::to_string(i), "v"), SC_OK);
  const Calls calls(*client);
  int removed = 0;
  uint64_t cursor = 0;
  do {
    ASSERT_EQ(calls.scan_visit("r:", cursor, 64, SC_SCAN_KEYS,
                               [&](const sc_scan_item& item) {
                                 if (calls.remove({item.key, item.key_size}) == SC_OK) ++removed;
                                 return 0;
                               }),
              SC_OK);
  } while (cursor != 0);
  EXPECT_EQ(removed, 300);
  EXPECT_TRUE(client->keys("r:").empty());
}

TEST_F(Operations, GetManyAndSetMany) {
  auto client = open();
  Calls calls(*client);
  std::vector<std::tuple<std::string, std::string, int64_t>> items;
  for (int i = 0; i < 100; ++i) items.emplace_back("m:" + std::to_string(i), std::to_string(i), 0);
  ASSERT_EQ(calls.set_many(items), SC_OK) << calls.error();
  std::map<size_t, std::string> found;
  EXPECT_EQ(calls.get_many({"m:5", "nope", "m:99", "m:0"}, found), SC_OK);
  EXPECT_EQ(found, (std::map<size_t, std::string>{{0, "5"}, {2, "99"}, {3, "0"}}));
  // One invalid item rejects the whole batch.
  EXPECT_EQ(calls.set_many({{"n:1", "v", 0}, {"n:2", "v", -1}}), SC_INVALID_ARGUMENT);
  EXPECT_EQ(client->get("n:1"), std::nullopt);
}

TEST_F(Operations, StatsReportTotalsAndLimits) {
  auto client = open(options({{"max_entries", "1000"}, {"max_size", "1000000"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  ASSERT_EQ(client->set("key1", "12345"), SC_OK);
  ASSERT_EQ(client->set("key2", "123"), SC_OK);
  ASSERT_EQ(client->set("key2", "1234567"), SC_OK);
  sc_stats stats = client->stats();
  ASSERT_EQ(client->last_status(), SC_OK);
  EXPECT_EQ(stats.entries, 2);
  EXPECT_EQ(stats.bytes, 4 + 5 + 4 + 7);  // keys + values
  EXPECT_EQ(stats.max_entries, 1000);
  EXPECT_EQ(stats.max_bytes, 1000000);
  EXPECT_EQ(stats.evictions, 0);

  auto unlimited = open(options());
  stats = unlimited->stats();
  EXPECT_EQ(stats.max_entries, -1);
  EXPECT_EQ(stats.max_bytes, -1);
  EXPECT_EQ(stats.entries, 2);  // same file, other handle
}

TEST_F(Operations, TotalsStayExactThroughMixedOperations) {
  {
    auto client = open();
    Calls calls(*client);
    bool stored = false;
    for (int i = 0; i < 400; ++i) {
      std::string key = "t:" + std::to_string(i % 97);
      switch (i % 5) {
        case 0:
          client->set(key, std::string(static_cast<size_t>(i), 'x'));
          break;
        case 1:
          client->remove(key);
          break;
        case 2:
          calls.add(key, "added", 0, stored);
          break;
        case 3:
          calls.set_many({{key, "many", 0}, {key + "b", std::string(7, 'y'), 0}});
          break;
        case 4:
          if (i % 100 == 4) calls.clear("t:1");
          break;
      }
    }
  }
  auto client = open();
  Calls calls(*client);
  std::vector<ScanEntry> seen;
  ASSERT_EQ(calls.scan_all("", 100, SC_SCAN_KEYS, seen), SC_OK);
  int64_t bytes = 0;
  for (const auto& entry : seen) bytes += static_cast<int64_t>(entry.key.size()) + entry.value_size;
  sc_stats stats = client->stats();
  EXPECT_EQ(stats.entries, static_cast<int64_t>(seen.size()));
  EXPECT_EQ(stats.bytes, bytes);
}

TEST_F(Operations, ConcurrentThreadsShareOneHandle) {
  auto client = open();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::string key = "th:" + std::to_string(i % 20);
        std::string value = encode_value(static_cast<uint32_t>(t), static_cast<uint32_t>(i), 64);
        sc_status status =
            (i % 3 == 0)
                ? client->plugin().remove(client->handle(), key.data(), key.size(), nullptr)
                : client->plugin().set(client->handle(), key.data(), key.size(),
                                       reinterpret_cast<const uint8_t*>(value.data()), value.size(),
                                       0, nullptr);
        if (status != SC_OK && status != SC_NOT_FOUND) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (const auto& key : client->keys("th:")) {
    auto value = client->get(key);
    ASSERT_TRUE(value.has_value());
    EXPECT_TRUE(valid_value(*value));
  }
}

}  // namespace
}  // namespace sitecache::sqlite_test
