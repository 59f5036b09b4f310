// The pure-C backend through its real .so: descriptor, options, round trips, rehashing and
// slot compaction under many keys, scan cursors under change, TTL, get_many, add, stats.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <map>
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

TEST(CBackend, DescriptorLeavesFallbacksToTheHost) {
  AbiClient client(C_BACKEND_PATH, {});
  ASSERT_TRUE(client.ok()) << client.last_error();
  const sc_plugin& p = client.plugin();
  expect_consistent_descriptor(p);
  EXPECT_STREQ(p.name, "cbackend");
  EXPECT_EQ(p.struct_size, sizeof(sc_plugin));
  EXPECT_EQ(p.capabilities & SC_CAP_THREAD_SAFE, 0u);
  EXPECT_EQ(p.set_many, nullptr);
  EXPECT_EQ(p.touch, nullptr);
  EXPECT_EQ(p.clear, nullptr);
  EXPECT_NE(p.get_many, nullptr);
  EXPECT_NE(p.scan, nullptr);
  EXPECT_NE(p.stats, nullptr);
  EXPECT_NE(p.add, nullptr);
}

TEST(CBackend, AcceptsReservedOptionsAndRejectsUnknownOnes) {
  AbiClient reserved(C_BACKEND_PATH, {{"location", "x"}, {"max_entries", "5"}, {"base_dir", "/"}});
  EXPECT_TRUE(reserved.ok()) << reserved.last_error();
  AbiClient unknown(C_BACKEND_PATH, {{"bogus", "1"}});
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.last_status(), SC_INVALID_ARGUMENT);
  EXPECT_NE(unknown.last_error().find("bogus"), std::string::npos) << unknown.last_error();
}

TEST(CBackend, RoundTripsOverwritesAndRemoves) {
  AbiClient client(C_BACKEND_PATH, {});
  ASSERT_TRUE(client.ok());
  const std::string large = binary_value(1 << 20);
  EXPECT_EQ(client.set("empty", ""), SC_OK);
  EXPECT_EQ(client.set("small", "hello"), SC_OK);
  EXPECT_EQ(client.set("large", large), SC_OK);
  EXPECT_EQ(client.get("empty"), std::optional<std::string>(""));
  EXPECT_EQ(client.get("small"), std::optional<std::string>("hello"));
  EXPECT_TRUE(client.get("large") == large);
  EXPECT_EQ(client.get("absent"), std::nullopt);
  EXPECT_EQ(client.last_status(), SC_NOT_FOUND);

  EXPECT_EQ(client.set("small", "changed"), SC_OK);
  EXPECT_EQ(client.get("small"), std::optional<std::string>("changed"));
  EXPECT_EQ(client.remove("small"), SC_OK);
  EXPECT_EQ(client.remove("small"), SC_NOT_FOUND);
  EXPECT_EQ(client.set("bad", "v", -1), SC_INVALID_ARGUMENT);

  sc_stats stats = client.stats();
  EXPECT_EQ(stats.entries, 2);
  EXPECT_EQ(stats.bytes, static_cast<int64_t>(5 + 5 + large.size()));
  EXPECT_EQ(stats.max_entries, -1);
  EXPECT_EQ(stats.evictions, 0);
}

TEST(CBackend, StatsWritesOnlyWhatTheHostStructHolds) {
  AbiClient client(C_BACKEND_PATH, {});
  ASSERT_TRUE(client.ok());
  ASSERT_EQ(client.set("k", "v"), SC_OK);
  sc_stats s{};
  s.struct_size = offsetof(sc_stats, bytes);  // an older host that knows only `entries`
  s.bytes = 12345;
  char text[256] = {0};
  sc_error error{text, sizeof(text)};
  ASSERT_EQ(client.plugin().stats(client.handle(), &s, &error), SC_OK) << text;
  EXPECT_EQ(s.entries, 1);
  EXPECT_EQ(s.bytes, 12345);
}

TEST(CBackend, ManyKeysSurviveRehashingAndCompaction) {
  AbiClient client(C_BACKEND_PATH, {});
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(client.set("k:" + std::to_string(i), "v" + std::to_string(i)), SC_OK);
  }
  for (int i = 0; i < 5000; i += 3) ASSERT_EQ(client.remove("k:" + std::to_string(i)), SC_OK);
  for (int i = 0; i < 5000; ++i) {
    auto got = client.get("k:" + std::to_string(i));
    if (i % 3 == 0) {
      EXPECT_EQ(got, std::nullopt) << i;
    } else {
      EXPECT_EQ(got, std::optional<std::string>("v" + std::to_string(i))) << i;
    }
  }
  std::map<std::string, int> counts = Calls(client).scan_counts("k:", 97);
  EXPECT_EQ(counts.size(), 5000u - 1667u);
  for (const auto& [key, n] : counts) EXPECT_EQ(n, 1) << key;
}

TEST(CBackend, ScanBatchesPrefixAndChangesBetweenBatches) {
  AbiClient client(C_BACKEND_PATH, {});
  ASSERT_TRUE(client.ok());
  const Calls calls(client);
  for (int i = 0; i < 150; ++i) {
    ASSERT_EQ(client.set("s:stable:" + std::to_string(i), "v"), SC_OK);
    ASSERT_EQ(client.set("s:volatile:" + std::to_string(i), "v"), SC_OK);
    ASSERT_EQ(client.set("other:" + std::to_string(i), "v"), SC_OK);
  }
  std::map<std::string, int> counts;
  uint64_t cursor = 0;
  int round = 0;
  do {
    std::vector<ScanEntry> batch;
    ASSERT_EQ(calls.scan_once("s:", cursor, 6, SC_SCAN_VALUES, batch), SC_OK);
    EXPECT_LE(batch.size(), 6u);
    for (const auto& s : batch) {
      EXPECT_EQ(s.key.rfind("s:", 0), 0u) << s.key;
      EXPECT_TRUE(s.value.has_value());
      ++counts[s.key];
    }
    ++round;
    // Enough removals to force compactions of the slot array mid-scan.
    for (int j = 0; j < 3; ++j)
      client.remove("s:volatile:" + std::to_string((round * 3 + j) % 150));
    for (int j = 0; j < 3; ++j) client.remove("other:" + std::to_string((round * 3 + j) % 150));
    ASSERT_EQ(client.set("s:new:" + std::to_string(round), "v"), SC_OK);
    ASSERT_EQ(client.set("s:stable:" + std::to_string(round % 150), "rewritten"), SC_OK);
  } while (cursor != 0);
  for (int i = 0; i < 150; ++i) EXPECT_EQ(counts["s:stable:" + std::to_string(i)], 1) << i;
  for (const auto& [key, n] : counts) EXPECT_EQ(n, 1) << key;
}

TEST(CBackend, ScanVisitorMayRemoveTheVisitedEntry) {
  AbiClient client(C_BACKEND_PATH, {});
  ASSERT_TRUE(client.ok());
  const Calls calls(client);
  for (int i = 0; i < 300; ++i) ASSERT_EQ(client.set("x:" + std::to_string(i), "v"), SC_OK);
  ASSERT_EQ(client.set("keep", "v"), SC_OK);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    ASSERT_EQ(calls.scan_visit(
                  "x:", cursor, 10, SC_SCAN_VALUES,
                  [&](const sc_scan_item& item) {
                    std::string key(item.key, item.key_size);
                    EXPECT_EQ(calls.remove(key), SC_OK);
                    // The item stays readable for the rest of the visit.
                    EXPECT_EQ(std::string(reinterpret_cast<const char*>(item.value), 1), "v");
                    EXPECT_TRUE(seen.insert(key).second) << key;
                    return 0;
                  }),
              SC_OK);
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_EQ(client.stats().entries, 1);
  EXPECT_EQ(client.get("keep"), std::optional<std::string>("v"));
}

TEST(CBackend, GetManyAddAndTtl) {
  AbiClient client(C_BACKEND_PATH, {});
  ASSERT_TRUE(client.ok());
  const Calls calls(client);
  ASSERT_EQ(client.set("a", "1"), SC_OK);
  ASSERT_EQ(client.set("b", "2", 200), SC_OK);
  std::map<size_t, std::string> found;
  ASSERT_EQ(calls.get_many({"x", "b", "a"}, found), SC_OK);
  EXPECT_EQ(found, (std::map<size_t, std::string>{{1, "2"}, {2, "1"}}));

  bool stored = true;
  ASSERT_EQ(calls.add("a", "other", 0, stored), SC_OK);
  EXPECT_FALSE(stored);
  EXPECT_EQ(client.get("a"), std::optional<std::string>("1"));
  ASSERT_EQ(calls.add("c", "3", 0, stored), SC_OK);
  EXPECT_TRUE(stored);

  std::this_thread::sleep_for(220ms);  // the plugin's own wall-clock TTL (200 ms) has no seam
  EXPECT_EQ(client.get("b"), std::nullopt);
  ASSERT_EQ(calls.add("b", "again", 0, stored), SC_OK);
  EXPECT_TRUE(stored) << "add over an expired entry stores";
  EXPECT_EQ(client.get("b"), std::optional<std::string>("again"));
}

}  // namespace
