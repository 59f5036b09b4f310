// The memory backend through its real .so: options, round trips, TTL, the optional
// functions and scan cursors. Limits are in memory_limits_test.cpp, threads in
// memory_concurrency_test.cpp.
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
#include "test_values.hpp"

namespace {

using namespace sitecache::testing;
using namespace std::chrono_literals;

std::unique_ptr<AbiClient> open_memory(const std::map<std::string, std::string>& options = {}) {
  auto client = std::make_unique<AbiClient>(MEMORY_PLUGIN_PATH, options);
  EXPECT_TRUE(client->ok()) << client->last_error();
  return client;
}

TEST(MemoryOptions, DescriptorDeclaresEveryOptionalFunction) {
  auto client = open_memory();
  const sc_plugin& p = client->plugin();
  expect_consistent_descriptor(p);
  EXPECT_STREQ(p.name, "memory");
  const uint64_t all = SC_CAP_THREAD_SAFE | SC_CAP_NATIVE_TTL | SC_CAP_GET_MANY | SC_CAP_SET_MANY |
                       SC_CAP_TOUCH | SC_CAP_CLEAR | SC_CAP_SCAN | SC_CAP_STATS | SC_CAP_ADD |
                       SC_CAP_VALIDATE;
  EXPECT_EQ(p.capabilities, all);
}

TEST(MemoryOptions, AcceptsReservedKeys) {
  auto client = open_memory({{"location", "ignored"},
                             {"max_entries", "10"},
                             {"max_size", "1000"},
                             {"cull_frequency", "0"},
                             {"read_only", "false"},
                             {"cache_name", "default"},
                             {"base_dir", "/tmp"}});
  sc_stats stats = client->stats();
  EXPECT_EQ(client->last_status(), SC_OK) << client->last_error();
  EXPECT_EQ(stats.max_entries, 10);
  EXPECT_EQ(stats.max_bytes, 1000);
}

TEST(MemoryOptions, RejectsUnknownAndMalformedOptions) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"name", "shared"}, {"max_entries", "abc"}, {"max_entries", "0"},     {"max_entries", "-5"},
      {"max_size", "0"},  {"max_size", "2GiB"},   {"cull_frequency", "-1"}, {"max_entries", ""},
  };
  for (const auto& [key, value] : bad) {
    AbiClient client(MEMORY_PLUGIN_PATH, {{key, value}});
    EXPECT_FALSE(client.ok()) << key << "=" << value;
    EXPECT_EQ(client.last_status(), SC_INVALID_ARGUMENT) << key << "=" << value;
    EXPECT_NE(client.last_error().find(key), std::string::npos) << client.last_error();
  }
}

TEST(Memory, RoundTripsEmptySmallAndLargeBinaryValues) {
  auto client = open_memory();
  const std::string large = binary_value(4 << 20);
  ASSERT_EQ(large.size(), 4u << 20);
  ASSERT_NE(large.find('\0'), std::string::npos);

  EXPECT_EQ(client->set("empty", ""), SC_OK);
  EXPECT_EQ(client->set("small", "hello"), SC_OK);
  EXPECT_EQ(client->set("large", large), SC_OK);

  EXPECT_EQ(client->get("empty"), std::optional<std::string>(""));
  EXPECT_EQ(client->get("small"), std::optional<std::string>("hello"));
  std::optional<std::string> got = client->get("large");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == large);
  EXPECT_EQ(client->get("absent"), std::nullopt);
  EXPECT_EQ(client->last_status(), SC_NOT_FOUND);

  sc_stats stats = client->stats();
  EXPECT_EQ(stats.entries, 3);
  EXPECT_EQ(stats.bytes, static_cast<int64_t>(5 + (5 + 5) + (5 + large.size())));
  EXPECT_EQ(stats.max_entries, -1);
  EXPECT_EQ(stats.max_bytes, -1);
  EXPECT_EQ(stats.evictions, 0);
}

TEST(Memory, OverwriteAndRemove) {
  auto client = open_memory();
  EXPECT_EQ(client->set("k", "first"), SC_OK);
  EXPECT_EQ(client->set("k", "second, longer"), SC_OK);
  EXPECT_EQ(client->get("k"), std::optional<std::string>("second, longer"));
  EXPECT_EQ(client->stats().entries, 1);
  EXPECT_EQ(client->stats().bytes, 1 + 14);
  EXPECT_EQ(client->remove("k"), SC_OK);
  EXPECT_EQ(client->remove("k"), SC_NOT_FOUND);
  EXPECT_EQ(client->get("k"), std::nullopt);
  EXPECT_EQ(client->stats().bytes, 0);
}

TEST(Memory, HandlesAreIndependentStores) {
  auto one = open_memory();
  auto two = open_memory();
  EXPECT_EQ(one->set("k", "1"), SC_OK);
  EXPECT_EQ(two->get("k"), std::nullopt);
}

TEST(Memory, TtlExpiryTouchAndAdd) {
  auto client = open_memory();
  const Calls calls(*client);
  EXPECT_EQ(client->set("expires", "v", 250), SC_OK);
  EXPECT_EQ(client->set("rescued", "v", 250), SC_OK);
  EXPECT_EQ(client->set("doomed", "v"), SC_OK);
  EXPECT_EQ(client->set("forever", "v", 0), SC_OK);
  bool stored = false;
  EXPECT_EQ(calls.add("lease", "first", 250, stored), SC_OK);
  EXPECT_TRUE(stored);
  EXPECT_EQ(calls.add("lease", "second", 250, stored), SC_OK);
  EXPECT_FALSE(stored);
  EXPECT_EQ(client->get("lease"), std::optional<std::string>("first"));

  EXPECT_EQ(client->get("expires"), std::optional<std::string>("v"));
  EXPECT_EQ(calls.touch("rescued", 0), SC_OK);
  EXPECT_EQ(calls.touch("doomed", 250), SC_OK);
  EXPECT_EQ(calls.touch("absent", 250), SC_NOT_FOUND);
  EXPECT_EQ(calls.touch("forever", -1), SC_INVALID_ARGUMENT);
  EXPECT_EQ(client->set("bad", "v", -1), SC_INVALID_ARGUMENT);
  EXPECT_EQ(client->get("bad"), std::nullopt);

  std::this_thread::sleep_for(270ms);  // the plugin's own steady-clock TTL (250 ms) has no seam
  EXPECT_EQ(client->get("expires"), std::nullopt);
  EXPECT_EQ(client->get("doomed"), std::nullopt);
  EXPECT_EQ(client->get("rescued"), std::optional<std::string>("v"));
  EXPECT_EQ(client->get("forever"), std::optional<std::string>("v"));
  EXPECT_EQ(calls.touch("expires", 0), SC_NOT_FOUND);
  EXPECT_EQ(client->remove("lease"), SC_NOT_FOUND) << "an expired entry is absent";
  EXPECT_EQ(calls.add("lease", "third", 0, stored), SC_OK);
  EXPECT_TRUE(stored) << "add over an expired entry stores";
  EXPECT_EQ(client->get("lease"), std::optional<std::string>("third"));
  EXPECT_EQ(client->stats().entries, 3) << "expired entries are dropped, not counted";
}

TEST(Memory, ScanReportsExpiryAndSizes) {
  auto client = open_memory();
  const int64_t before = wall_ms();
  EXPECT_EQ(client->set("a", "12345", 60000), SC_OK);
  EXPECT_EQ(client->set("b", ""), SC_OK);
  uint64_t cursor = 0;
  std::vector<ScanEntry> batch;
  ASSERT_EQ(Calls(*client).scan_once("", cursor, 10, SC_SCAN_KEYS, batch), SC_OK);
  EXPECT_EQ(cursor, 0u);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].key, "a");
  EXPECT_FALSE(batch[0].value.has_value());
  EXPECT_EQ(batch[0].value_size, 5);
  EXPECT_GE(batch[0].expires_ms, before + 60000);
  EXPECT_LE(batch[0].expires_ms, wall_ms() + 60000);
  EXPECT_EQ(batch[1].expires_ms, 0);
}

TEST(Memory, GetManyAndSetMany) {
  auto client = open_memory();
  const Calls calls(*client);
  EXPECT_EQ(calls.set_many({{"a", "1"}, {"b", std::string("\0two", 4)}, {"c", "3", 60000}}), SC_OK);
  std::map<size_t, std::string> found;
  EXPECT_EQ(calls.get_many({"a", "missing", "b", "c", "a"}, found), SC_OK);
  std::map<size_t, std::string> expected = {
      {0, "1"}, {2, std::string("\0two", 4)}, {3, "3"}, {4, "1"}};
  EXPECT_EQ(found, expected);

  // One bad item: nothing of the batch is stored.
  EXPECT_EQ(calls.set_many({{"x", "1"}, {"y", "2", -3}}), SC_INVALID_ARGUMENT);
  EXPECT_EQ(client->get("x"), std::nullopt);
}

TEST(Memory, ClearRemovesOnlyThePrefix) {
  auto client = open_memory();
  const Calls calls(*client);
  for (const char* k : {"a:1", "a:2", "ab:1", "b:1", "a"}) EXPECT_EQ(client->set(k, "v"), SC_OK);
  EXPECT_EQ(calls.clear("a:"), SC_OK);
  std::vector<std::string> keys = client->keys();
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()),
            (std::set<std::string>{"ab:1", "b:1", "a"}));
  EXPECT_EQ(client->stats().bytes, (4 + 1) + (3 + 1) + (1 + 1));
  EXPECT_EQ(calls.clear(""), SC_OK);
  EXPECT_TRUE(client->keys().empty());
  EXPECT_EQ(client->stats().entries, 0);
  EXPECT_EQ(client->stats().bytes, 0);
}

TEST(Memory, ScanInSmallBatchesVisitsEachMatchingKeyOnce) {
  auto client = open_memory();
  const Calls calls(*client);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(client->set("p:" + std::to_string(i), "v"), SC_OK);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(client->set("q:" + std::to_string(i), "v"), SC_OK);

  std::map<std::string, int> counts = calls.scan_counts("p:", 7);
  EXPECT_EQ(counts.size(), 100u);
  for (const auto& [key, n] : counts) {
    EXPECT_EQ(key.rfind("p:", 0), 0u) << key;
    EXPECT_EQ(n, 1) << key;
  }
  EXPECT_EQ(calls.scan_counts("", 7).size(), 150u);
  EXPECT_TRUE(calls.scan_counts("zz", 7).empty());
}

TEST(Memory, ScanWithValuesAndEarlyStopResumes) {
  auto client = open_memory();
  const Calls calls(*client);
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 40; ++i) {
    std::string key = "k" + std::to_string(i);
    expected[key] = binary_value(static_cast<size_t>(i) * 3, static_cast<uint64_t>(i));
    EXPECT_EQ(client->set(key, expected[key]), SC_OK);
  }
  std::map<std::string, std::string> seen;
  uint64_t cursor = 0;
  do {
    std::vector<ScanEntry> batch;
    // The visitor stops after 3 entries of a 10-entry batch: the cursor must resume
    // right after the third.
    ASSERT_EQ(calls.scan_once("", cursor, 10, SC_SCAN_VALUES, batch, 3), SC_OK);
    EXPECT_LE(batch.size(), 3u);
    for (const auto& s : batch) {
      ASSERT_TRUE(s.value.has_value());
      EXPECT_TRUE(seen.emplace(s.key, *s.value).second) << s.key << " visited twice";
    }
  } while (cursor != 0);
  EXPECT_EQ(seen, expected);
}

TEST(Memory, ScanVisitsStableEntriesWhileOthersChange) {
  auto client = open_memory();
  const Calls calls(*client);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(client->set("s:stable:" + std::to_string(i), "v"), SC_OK);
    if (i % 2 == 0) {
      EXPECT_EQ(client->set("s:volatile:" + std::to_string(i), "v"), SC_OK);
    }
  }
  std::map<std::string, int> counts;
  uint64_t cursor = 0;
  int round = 0;
  do {
    std::vector<ScanEntry> batch;
    ASSERT_EQ(calls.scan_once("s:", cursor, 5, SC_SCAN_KEYS, batch), SC_OK);
    for (const auto& s : batch) ++counts[s.key];
    // Between batches: insert new keys, remove volatile ones (visited or not), overwrite
    // and re-read stable ones (which reorders the LRU list, not the scan).
    ++round;
    EXPECT_EQ(client->set("s:new:" + std::to_string(round), "v"), SC_OK);
    client->remove("s:volatile:" + std::to_string((round * 2) % 200));
    client->remove("s:volatile:" + std::to_string((398 - round * 2) % 200));
    EXPECT_EQ(client->set("s:stable:" + std::to_string((round * 7) % 200), "changed"), SC_OK);
    EXPECT_TRUE(client->get("s:stable:" + std::to_string((round * 13) % 200)).has_value());
  } while (cursor != 0);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(counts["s:stable:" + std::to_string(i)], 1) << i;
  }
  for (const auto& [key, n] : counts) EXPECT_EQ(n, 1) << key;
}

TEST(Memory, ScanVisitorMayRemoveEntries) {
  auto client = open_memory();
  const Calls calls(*client);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(client->set("gone:" + std::to_string(i), "v"), SC_OK);
    EXPECT_EQ(client->set("kept:" + std::to_string(i), "v"), SC_OK);
  }
  uint64_t cursor = 0;
  int removed = 0;
  do {
    ASSERT_EQ(calls.scan_visit("gone:", cursor, 4, SC_SCAN_KEYS,
                               [&](const sc_scan_item& item) {
                                 if (calls.remove({item.key, item.key_size}) == SC_OK) ++removed;
                                 return 0;
                               }),
              SC_OK);
  } while (cursor != 0);
  EXPECT_EQ(removed, 30);
  EXPECT_EQ(client->keys("gone:").size(), 0u);
  EXPECT_EQ(client->keys("kept:").size(), 30u);
}

}  // namespace
