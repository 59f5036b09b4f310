// max_entries / max_size: expired entries go first, then the least recently used; culling
// removes a fraction at once. Reads record access times at a granularity of about 1 s, so
// the LRU tests wait that long before the reads that should protect an entry.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support.hpp"

namespace sitecache::sqlite_test {
namespace {

using namespace std::chrono_literals;

class Eviction : public SqliteTest {
 protected:
  static std::string key(int i) { return "k" + std::to_string(i); }
};

TEST_F(Eviction, MaxEntriesEvictsLeastRecentlyUsedFraction) {
  auto client = open(options({{"max_entries", "10"}, {"cull_frequency", "2"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(client->set(key(i), "v"), SC_OK);
  std::this_thread::sleep_for(1100ms);
  ASSERT_EQ(client->get(key(0)), "v");
  ASSERT_EQ(client->get(key(1)), "v");
  ASSERT_EQ(client->set(key(10), "v"), SC_OK);  // 11 > 10: cull 11 / 2 = 5 entries

  for (int i : {0, 1, 7, 8, 9, 10}) EXPECT_EQ(client->get(key(i)), "v") << key(i);
  for (int i : {2, 3, 4, 5, 6}) EXPECT_EQ(client->get(key(i)), std::nullopt) << key(i);
  sc_stats stats = client->stats();
  EXPECT_EQ(stats.entries, 6);
  EXPECT_EQ(stats.evictions, 5);
}

TEST_F(Eviction, ExpiredEntriesGoFirst) {
  auto client = open(options({{"max_entries", "5"}}));
  for (int i = 0; i < 4; ++i) ASSERT_EQ(client->set(key(i), "v"), SC_OK);
  ASSERT_EQ(client->set("short", "v", 50), SC_OK);  // the most recently used, but expiring
  std::this_thread::sleep_for(80ms);
  ASSERT_EQ(client->set(key(5), "v"), SC_OK);  // 6 > 5: the expired one is enough

  for (int i : {0, 1, 2, 3, 5}) EXPECT_EQ(client->get(key(i)), "v") << key(i);
  sc_stats stats = client->stats();
  EXPECT_EQ(stats.entries, 5);
  EXPECT_EQ(stats.evictions, 1);
}

TEST_F(Eviction, MaxSizeEvictsLeastRecentlyUsedBytes) {
  // Entries of 100 bytes (2-3 byte key + value); a cull removes a fifth of the entries
  // at once (plugin_abi.h: max(1, 10 / 5) = 2), more than the 100 bytes needed.
  auto client = open(options({{"max_size", "1000"}, {"cull_frequency", "5"}}));
  auto value_for = [](int i) { return std::string(static_cast<size_t>(i < 10 ? 98 : 97), 'v'); };
  for (int i = 0; i < 10; ++i) ASSERT_EQ(client->set(key(i), value_for(i)), SC_OK);
  EXPECT_EQ(client->stats().bytes, 1000);
  std::this_thread::sleep_for(1100ms);
  ASSERT_EQ(client->get(key(0)), value_for(0));
  ASSERT_EQ(client->set(key(10), value_for(10)), SC_OK);  // 1100 > 1000: culls 2, 900 left

  EXPECT_EQ(client->get(key(0)), value_for(0));
  EXPECT_EQ(client->get(key(1)), std::nullopt);
  EXPECT_EQ(client->get(key(2)), std::nullopt);
  for (int i = 3; i <= 10; ++i) EXPECT_EQ(client->get(key(i)), value_for(i)) << key(i);
  sc_stats stats = client->stats();
  EXPECT_EQ(stats.bytes, 900);
  EXPECT_EQ(stats.evictions, 2);
  // A single entry larger than the whole budget is refused rather than emptying the cache.
  EXPECT_EQ(client->set("huge", std::string(2000, 'x')), SC_INVALID_ARGUMENT);
  EXPECT_EQ(client->stats().entries, 9);
}

TEST_F(Eviction, DefaultCullFrequencyIsAThird) {
  auto client = open(options({{"max_entries", "30"}}));
  for (int i = 0; i < 31; ++i) ASSERT_EQ(client->set(key(i), "v"), SC_OK);
  EXPECT_EQ(client->stats().entries, 31 - 31 / 3);
  EXPECT_EQ(client->get(key(0)), std::nullopt);  // oldest go first
  EXPECT_EQ(client->get(key(30)), "v");
}

TEST_F(Eviction, CullFrequencyZeroEmptiesTheCacheBeforeTheWrite) {
  // As Django's culls: everything else goes, the entry being written stays (plugin_abi.h).
  auto client = open(options({{"max_entries", "5"}, {"cull_frequency", "0"}}));
  for (int i = 0; i < 6; ++i) ASSERT_EQ(client->set(key(i), "v"), SC_OK);
  EXPECT_EQ(client->stats().entries, 1);
  EXPECT_EQ(client->stats().evictions, 5);
  EXPECT_EQ(client->get(key(5)), "v");
}

TEST_F(Eviction, SetManyStaysWithinTheLimit) {
  auto client = open(options({{"max_entries", "10"}}));
  Calls calls(*client);
  std::vector<std::tuple<std::string, std::string, int64_t>> items;
  for (int i = 0; i < 50; ++i) items.emplace_back(key(i), "v", 0);
  ASSERT_EQ(calls.set_many(items), SC_OK) << calls.error();
  sc_stats stats = client->stats();
  EXPECT_LE(stats.entries, 10);
  EXPECT_EQ(stats.entries + stats.evictions, 50);
  EXPECT_EQ(client->get(key(49)), "v");  // the newest survive
}

}  // namespace
}  // namespace sitecache::sqlite_test
