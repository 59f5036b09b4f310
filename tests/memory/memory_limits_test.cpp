// The memory backend's limits: max_entries culling with Django's 1/cull_frequency rule in
// LRU order, expired entries dropped before culling, and max_size eviction.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "abi_client.hpp"
#include "backend_calls.hpp"

namespace {

using namespace sitecache::testing;
using namespace std::chrono_literals;

std::unique_ptr<AbiClient> open_memory(const std::map<std::string, std::string>& options) {
  auto client = std::make_unique<AbiClient>(MEMORY_PLUGIN_PATH, options);
  EXPECT_TRUE(client->ok()) << client->last_error();
  return client;
}

bool has(AbiClient& client, const std::string& key) {
  // A scan, not a get: reading would change the LRU order under test.
  for (const auto& k : client.keys(key)) {
    if (k == key) return true;
  }
  return false;
}

TEST(MemoryLimits, CullsOneThirdInLruOrderAndKeepsRecentlyRead) {
  auto client = open_memory({{"max_entries", "9"}});  // cull_frequency defaults to 3
  for (int i = 0; i < 9; ++i) ASSERT_EQ(client->set("k" + std::to_string(i), "v"), SC_OK);
  EXPECT_EQ(client->stats().evictions, 0);
  // Reading k0 and k1 makes k2, k3, k4 the least recently used.
  ASSERT_TRUE(client->get("k0"));
  ASSERT_TRUE(client->get("k1"));
  ASSERT_EQ(client->set("k9", "v"), SC_OK);  // 9 entries at the limit: cull 9 / 3 = 3

  sc_stats stats = client->stats();
  EXPECT_EQ(stats.entries, 7);
  EXPECT_EQ(stats.evictions, 3);
  EXPECT_EQ(stats.max_entries, 9);
  for (const char* gone : {"k2", "k3", "k4"}) EXPECT_FALSE(has(*client, gone)) << gone;
  for (const char* kept : {"k0", "k1", "k5", "k6", "k7", "k8", "k9"}) {
    EXPECT_TRUE(has(*client, kept)) << kept;
  }
}

TEST(MemoryLimits, CullFrequencyZeroClearsEverything) {
  auto client = open_memory({{"max_entries", "5"}, {"cull_frequency", "0"}});
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client->set("k" + std::to_string(i), "v"), SC_OK);
  ASSERT_EQ(client->set("new", "v"), SC_OK);
  sc_stats stats = client->stats();
  EXPECT_EQ(stats.entries, 1);
  EXPECT_EQ(stats.evictions, 5);
  EXPECT_TRUE(client->get("new"));
}

TEST(MemoryLimits, CullsAtLeastOneEntrySoTheLimitHolds) {
  // Django would cull 2 / 3 = 0 entries here and overshoot.
  auto client = open_memory({{"max_entries", "2"}, {"cull_frequency", "3"}});
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_EQ(client->set(k, "v"), SC_OK);
  EXPECT_EQ(client->stats().entries, 2);
  EXPECT_TRUE(has(*client, "c"));
  EXPECT_TRUE(has(*client, "d"));
}

TEST(MemoryLimits, OverwriteAndAddOfPresentKeyDoNotCull) {
  auto client = open_memory({{"max_entries", "3"}});
  for (const char* k : {"a", "b", "c"}) ASSERT_EQ(client->set(k, "v"), SC_OK);
  ASSERT_EQ(client->set("a", "new value"), SC_OK);
  int stored = -1;
  ASSERT_EQ(raw_add(raw_of(*client), "b", "x", 0, stored), SC_OK);
  EXPECT_EQ(stored, 0);
  EXPECT_EQ(client->stats().entries, 3);
  EXPECT_EQ(client->stats().evictions, 0);
}

TEST(MemoryLimits, ExpiredEntriesGoBeforeLiveOnesAreCulled) {
  auto client = open_memory({{"max_entries", "4"}});
  ASSERT_EQ(client->set("old1", "v", 100), SC_OK);
  ASSERT_EQ(client->set("old2", "v", 100), SC_OK);
  ASSERT_EQ(client->set("a", "v"), SC_OK);
  ASSERT_EQ(client->set("b", "v"), SC_OK);
  std::this_thread::sleep_for(250ms);
  ASSERT_EQ(client->set("c", "v"), SC_OK);
  ASSERT_EQ(client->set("d", "v"), SC_OK);
  EXPECT_EQ(client->stats().evictions, 0);
  for (const char* k : {"a", "b", "c", "d"}) EXPECT_TRUE(client->get(k)) << k;
}

TEST(MemoryLimits, MaxSizeEvictsLeastRecentlyUsed) {
  auto client = open_memory({{"max_size", "100"}});
  const std::string value(18, 'x');  // 2-byte key + 18 bytes = 20 bytes an entry
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client->set("k" + std::to_string(i), value), SC_OK);
  EXPECT_EQ(client->stats().bytes, 100);
  EXPECT_EQ(client->stats().evictions, 0);

  ASSERT_TRUE(client->get("k0"));
  ASSERT_EQ(client->set("k5", value), SC_OK);  // 120 bytes: k1 is the LRU entry
  EXPECT_FALSE(has(*client, "k1"));
  EXPECT_TRUE(has(*client, "k0"));
  EXPECT_EQ(client->stats().bytes, 100);
  EXPECT_EQ(client->stats().evictions, 1);

  // 62 more bytes: k2, k3, k4 and k0 (in LRU order) go until the total fits.
  ASSERT_EQ(client->set("k6", std::string(60, 'y')), SC_OK);
  std::vector<std::string> keys = client->keys();
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), (std::set<std::string>{"k5", "k6"}));
  EXPECT_EQ(client->stats().bytes, 82);
  EXPECT_EQ(client->stats().evictions, 5);
}

TEST(MemoryLimits, GrowingOverwriteEvictsOthersNeverItself) {
  auto client = open_memory({{"max_size", "50"}});
  ASSERT_EQ(client->set("a", std::string(10, 'a')), SC_OK);
  ASSERT_EQ(client->set("b", std::string(10, 'b')), SC_OK);
  ASSERT_EQ(client->set("a", std::string(45, 'A')), SC_OK);
  EXPECT_EQ(client->get("a"), std::optional<std::string>(std::string(45, 'A')));
  EXPECT_FALSE(has(*client, "b"));
  EXPECT_EQ(client->stats().bytes, 46);
}

TEST(MemoryLimits, EntryLargerThanMaxSizeIsRefusedAndChangesNothing) {
  auto client = open_memory({{"max_size", "100"}});
  ASSERT_EQ(client->set("k", "old"), SC_OK);
  EXPECT_EQ(client->set("k", std::string(100, 'x')), SC_INVALID_ARGUMENT);
  EXPECT_NE(client->last_error().find("max_size"), std::string::npos) << client->last_error();
  EXPECT_EQ(client->get("k"), std::optional<std::string>("old"));
  int stored = -1;
  EXPECT_EQ(raw_add(raw_of(*client), "other", std::string(200, 'x'), 0, stored),
            SC_INVALID_ARGUMENT);
  EXPECT_EQ(stored, 0);
  EXPECT_EQ(client->stats().entries, 1);
}

}  // namespace
