// The memcached plugin's behaviour against a real server: chunked large values, TTLs over
// 30 days, namespace clears, add, touch, long keys, batches, two servers, concurrent use.
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "memcached_test_support.hpp"
#include "test_values.hpp"

namespace sitecache::testing {
namespace {

using namespace std::chrono_literals;

constexpr size_t kChunk = (1 << 20) - 1024;  // default item_size_max minus the reserve
constexpr uint32_t kChunkedFlags = 0x53430001;
constexpr int64_t kDay = 24LL * 3600 * 1000;

std::string hex64(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(v >> shift) & 0xf];
  return out;
}

// The write id of a chunk head (chunks.hpp: little-endian u64 at offset 8).
uint64_t write_id_of(const std::string& head) {
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i)
    id |= static_cast<uint64_t>(static_cast<uint8_t>(head[8 + i])) << (8 * i);
  return id;
}

TEST_F(MemcachedTest, RoundTripsValuesAcrossTheChunkBoundary) {
  auto client = open();
  Calls c(*client);
  const size_t sizes[] = {0, 1, 1000, kChunk, kChunk + 1, 2 * kChunk, 3 << 20};
  for (size_t size : sizes) {
    std::string key = "t:1:size-" + std::to_string(size);
    std::string value = binary_value(size, static_cast<uint32_t>(size));
    Call set = c.set(key, value);
    ASSERT_EQ(set.status, SC_OK) << size << ": " << set.error;
    GetResult got = c.get(key);
    ASSERT_EQ(got.status, SC_OK) << size << ": " << got.error;
    EXPECT_TRUE(got.value == value) << size;
    uint32_t flags = 0;
    std::optional<std::string> item = raw_->get(raw_->real_key(key), &flags);
    ASSERT_TRUE(item.has_value()) << size;
    EXPECT_EQ(flags, size > kChunk ? kChunkedFlags : 0u) << size;
    if (size > kChunk) {
      EXPECT_EQ(item->size(), 40u) << "a head, not the value";
    }
  }
  // The longest key with the largest single item still fits the server's limit.
  std::string longest(250, 'k');
  ASSERT_EQ(c.set(longest, std::string(kChunk, 'x')).status, SC_OK);
  EXPECT_EQ(c.get(longest).value->size(), kChunk);
}

TEST_F(MemcachedTest, AMissingOrDamagedChunkIsAMissAndDropsTheHead) {
  auto client = open();
  Calls c(*client);
  const std::string value = binary_value(3 << 20, 3);
  for (int damage = 0; damage < 2; ++damage) {
    const std::string key = "t:1:big" + std::to_string(damage);
    ASSERT_EQ(c.set(key, value).status, SC_OK);
    std::optional<std::string> head = raw_->get(raw_->real_key(key));
    ASSERT_TRUE(head.has_value());
    const std::string chunk = "ck:" + hex64(write_id_of(*head)) + ":1";
    ASSERT_TRUE(raw_->get(chunk).has_value()) << chunk;
    if (damage == 0) {
      ASSERT_TRUE(raw_->remove(chunk));  // as if evicted
    } else {
      std::string other = binary_value(kChunk, 99);  // same size, wrong bytes
      memcached_st* mc = memcached_create(nullptr);
      memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
      memcached_server_add(mc, "127.0.0.1", server_->port());
      ASSERT_EQ(memcached_set(mc, chunk.data(), chunk.size(), other.data(), other.size(), 0, 0),
                MEMCACHED_SUCCESS);
      memcached_free(mc);
    }
    EXPECT_EQ(c.get(key).status, SC_NOT_FOUND) << damage;
    EXPECT_FALSE(raw_->get(raw_->real_key(key)).has_value()) << "head deleted";
  }
}

TEST_F(MemcachedTest, TtlsOverThirtyDaysAreSentAsAbsoluteTimes) {
  auto client = open();
  Calls c(*client);
  // Sent as a relative 40 days, memcached would read it as a date in 1970: gone at once.
  ASSERT_EQ(c.set("t:1:long", "v", 40 * kDay).status, SC_OK);
  ASSERT_EQ(c.set("t:1:month", "v", 30 * kDay).status, SC_OK);
  ASSERT_EQ(c.set("t:1:bigtime", std::string(kChunk + 10, 'b'), 400 * kDay).status, SC_OK);
  bool stored = false;
  ASSERT_EQ(c.add("t:1:added", "v", 40 * kDay, stored).status, SC_OK);
  ASSERT_TRUE(stored);
  ASSERT_EQ(c.set("t:1:touched", "v", 0).status, SC_OK);
  ASSERT_EQ(c.touch("t:1:touched", 40 * kDay).status, SC_OK);
  std::this_thread::sleep_for(1100ms);  // memcached's clock ticks once a second
  for (const char* key : {"t:1:long", "t:1:month", "t:1:bigtime", "t:1:added", "t:1:touched"}) {
    EXPECT_EQ(c.get(key).status, SC_OK) << key;
  }
}

TEST_F(MemcachedTest, ShortTtlsExpireAndTouchExtendsChunksToo) {
  auto client = open();
  Calls c(*client);
  const std::string big = binary_value(2 * kChunk + 5, 5);
  ASSERT_EQ(c.set("t:1:gone", "v", 1000).status, SC_OK);
  ASSERT_EQ(c.set("t:1:kept", big, 1000).status, SC_OK);
  EXPECT_EQ(c.touch("t:1:kept", 60000).status, SC_OK);
  EXPECT_EQ(c.touch("t:1:absent", 60000).status, SC_NOT_FOUND);
  // A 1 s TTL on memcached's clock, which ticks once a second and has no seam.
  std::this_thread::sleep_for(2100ms);
  EXPECT_EQ(c.get("t:1:gone").status, SC_NOT_FOUND);
  GetResult kept = c.get("t:1:kept");
  ASSERT_EQ(kept.status, SC_OK) << "head and chunks both touched";
  EXPECT_TRUE(kept.value == big);
}

TEST_F(MemcachedTest, AddStoresOnlyWhenAbsentEvenAcrossThreads) {
  auto client = open();
  Calls c(*client);
  bool stored = false;
  ASSERT_EQ(c.add("t:1:a", "one", 0, stored).status, SC_OK);
  EXPECT_TRUE(stored);
  ASSERT_EQ(c.add("t:1:a", "two", 0, stored).status, SC_OK);
  EXPECT_FALSE(stored);
  EXPECT_EQ(c.get("t:1:a").value, "one");
  const std::string big = binary_value(kChunk * 2, 8);
  ASSERT_EQ(c.add("t:1:big", big, 0, stored).status, SC_OK);
  EXPECT_TRUE(stored);
  ASSERT_EQ(c.add("t:1:big", "small", 0, stored).status, SC_OK);
  EXPECT_FALSE(stored);
  EXPECT_TRUE(c.get("t:1:big").value == big);

  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      bool won = false;
      if (c.add("t:1:race", "w" + std::to_string(t), 0, won).status == SC_OK && won) winners++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_F(MemcachedTest, ClearDropsOneNamespaceAndIsSeenElsewhereWithinTheRefresh) {
  auto client = open();
  auto other = open({{"namespace_refresh_ms", "200"}});
  Calls c(*client), o(*other);
  for (const char* key : {"blog:1:a", "blog:2:b", "blog2:1:a", "other:1:a", "blog"}) {
    ASSERT_EQ(c.set(key, "v").status, SC_OK);
  }
  EXPECT_EQ(o.get("blog:1:a").status, SC_OK);  // `other` now caches blog:'s generation
  Call cleared = c.clear("blog:");
  ASSERT_EQ(cleared.status, SC_OK) << cleared.error;
  EXPECT_EQ(c.get("blog:1:a").status, SC_NOT_FOUND);
  EXPECT_EQ(c.get("blog:2:b").status, SC_NOT_FOUND);
  for (const char* key : {"blog2:1:a", "other:1:a", "blog"}) EXPECT_EQ(c.get(key).status, SC_OK);
  std::this_thread::sleep_for(250ms);  // namespace_refresh_ms (200) on the plugin's own clock
  EXPECT_EQ(o.get("blog:1:a").status, SC_NOT_FOUND) << "seen after namespace_refresh_ms";
  auto later = open();
  EXPECT_EQ(Calls(*later).get("blog:2:b").status, SC_NOT_FOUND);
  EXPECT_EQ(Calls(*later).get("blog2:1:a").status, SC_OK);
  // New writes after a clear are readable.
  ASSERT_EQ(c.set("blog:1:a", "new").status, SC_OK);
  EXPECT_EQ(Calls(*later).get("blog:1:a").value, "new");

  for (const char* prefix : {"", "blog", "blog:1:", "a:b:", ":"}) {
    Call refused = c.clear(prefix);
    if (std::string(prefix) == ":") {
      EXPECT_EQ(refused.status, SC_OK) << "':' is the namespace of keys starting with ':'";
    } else {
      EXPECT_EQ(refused.status, SC_UNSUPPORTED) << prefix;
      EXPECT_NE(refused.error.find("NAME:"), std::string::npos) << refused.error;
    }
  }
}

TEST_F(MemcachedTest, AnEvictedGenerationCounterNeverRevivesClearedEntries) {
  auto client = open({{"namespace_refresh_ms", "0"}});
  Calls c(*client);
  ASSERT_EQ(c.set("gen:1:a", "old").status, SC_OK);
  ASSERT_EQ(c.clear("gen:").status, SC_OK);
  ASSERT_TRUE(raw_->remove("ns:gen:"));  // as if evicted
  EXPECT_EQ(c.get("gen:1:a").status, SC_NOT_FOUND);
  ASSERT_EQ(c.set("gen:1:a", "new").status, SC_OK);
  EXPECT_EQ(c.get("gen:1:a").value, "new");
}

TEST_F(MemcachedTest, LongAndOddKeysStayDistinct) {
  auto client = open();
  Calls c(*client);
  std::string a(250, 'k'), b(250, 'k');
  b.back() = 'x';
  std::string printable;
  for (char ch = '!'; ch <= '~'; ++ch) printable += ch;
  const std::string keys[] = {
      a,      b, printable, "nocolon", "t:1:../../etc/passwd", "ns:blog:", "ck:0000000000000000:0",
      "12:34"};
  for (const auto& key : keys) ASSERT_EQ(c.set(key, "v:" + key).status, SC_OK) << key;
  for (const auto& key : keys) EXPECT_EQ(c.get(key).value, "v:" + key) << key;
}

TEST_F(MemcachedTest, GetManyAndSetManyMixPlainAndChunkedValues) {
  auto client = open();
  Calls c(*client);
  const std::string big = binary_value(kChunk + 100, 11);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 40; ++i) items["m:1:" + std::to_string(i)] = "value " + std::to_string(i);
  items["m:1:big"] = big;
  ASSERT_EQ(c.set_many(items, 60000).status, SC_OK);
  std::vector<std::optional<std::string>> values;
  ASSERT_EQ(c.get_many({"m:1:3", "m:1:big", "m:1:absent", "m:1:3", "other:1:x"}, values).status,
            SC_OK);
  EXPECT_EQ(values[0], "value 3");
  EXPECT_TRUE(values[1] == big);
  EXPECT_FALSE(values[2].has_value());
  EXPECT_EQ(values[3], "value 3");
  EXPECT_FALSE(values[4].has_value());
}

TEST_F(MemcachedTest, StatsReportTheServersBytes) {
  auto client = open();
  Calls c(*client);
  ASSERT_EQ(c.set("st:1:a", std::string(10000, 'x')).status, SC_OK);
  sc_stats stats;
  ASSERT_EQ(c.stats(stats).status, SC_OK);
  EXPECT_EQ(stats.entries, -1);
  EXPECT_GT(stats.bytes, 10000);
  EXPECT_EQ(stats.max_bytes, 64LL << 20);
}

TEST_F(MemcachedTest, EightThreadsShareOneHandle) {
  auto client = open({{"pool_size", "4"}});
  Calls c(*client);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      auto expect = [](const Call& call, const char* what) {
        EXPECT_TRUE(call.status == SC_OK || call.status == SC_NOT_FOUND)
            << what << ": " << call.error;
      };
      for (int i = 0; i < 300; ++i) {
        std::string key = "c:1:" + std::to_string(rng() % 24);
        switch (rng() % 5) {
          case 0: {
            GetResult got = c.get(key);
            expect(got, "get");
            if (got.value && !got.value->starts_with(key + "#")) wrong++;
            break;
          }
          case 1: {
            size_t size = rng() % 50 == 0 ? kChunk + 4096 : rng() % 3000;
            expect(c.set(key, key + "#" + std::to_string(t) + std::string(size, 'p')), "set");
            break;
          }
          case 2: {
            std::vector<std::optional<std::string>> values;
            std::vector<std::string> keys = {key, "c:1:" + std::to_string(rng() % 24)};
            expect(c.get_many(keys, values), "get_many");
            for (size_t k = 0; k < keys.size(); ++k) {
              if (values[k] && !values[k]->starts_with(keys[k] + "#")) wrong++;
            }
            break;
          }
          case 3: {
            bool stored = false;
            expect(c.add(key, key + "#add", 0, stored), "add");
            break;
          }
          default:
            expect(c.remove(key), "remove");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(MemcachedTest, KeysSpreadOverTwoServersByConsistentHashing) {
  ServerProcess second(ServerProcess::Kind::memcached);
  ASSERT_TRUE(second.start());
  auto client = open({{"location", server_->address() + "," + second.address()}});
  Calls c(*client);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(c.set("spread:1:" + std::to_string(i), std::to_string(i)).status, SC_OK);
  }
  RawMemcached other(second.port());
  EXPECT_GT(raw_->stat("curr_items"), 20);
  EXPECT_GT(other.stat("curr_items"), 20);
  // The order of the list does not matter: placement hashes the servers' names.
  auto reversed = open({{"location", second.address() + "," + server_->address()}});
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(Calls(*reversed).get("spread:1:" + std::to_string(i)).value, std::to_string(i));
  }
}

class MemcachedSmallItemsTest : public MemcachedTest {
 protected:
  std::vector<std::string> server_args() const override { return {"-I", "512k"}; }
};

TEST_F(MemcachedSmallItemsTest, ItemSizeMaxMustMatchTheServer) {
  const std::string value(900 * 1024, 'v');
  auto unaware = open();  // believes the default 1 MiB limit
  Call refused = Calls(*unaware).set("t:1:v", value);
  EXPECT_EQ(refused.status, SC_INVALID_ARGUMENT);
  EXPECT_NE(refused.error.find("item_size_max"), std::string::npos) << refused.error;
  auto aware = open({{"item_size_max", std::to_string(512 * 1024)}});
  ASSERT_EQ(Calls(*aware).set("t:1:v", value).status, SC_OK);
  EXPECT_EQ(Calls(*aware).get("t:1:v").value, value);
}

}  // namespace
}  // namespace sitecache::testing
