// The redis plugin's behaviour against a real server: native TTL, add, prefix-scoped
// clear, SCAN with glob characters, batching, db selection, AUTH, unix sockets, stats,
// error mapping and concurrent use.
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "redis_test_support.hpp"
#include "test_values.hpp"

namespace sitecache::testing {
namespace {

TEST_F(RedisTest, StoresReadsAndRemovesValuesOfAnySize) {
  auto client = open();
  Calls c(*client);
  const std::string values[] = {"", "v", std::string("nul\0\xff", 5), binary_value(3 << 20, 7)};
  for (size_t i = 0; i < std::size(values); ++i) {
    std::string key = "t:1:" + std::to_string(i);
    ASSERT_EQ(c.set(key, values[i]).status, SC_OK);
    GetResult got = c.get(key);
    ASSERT_EQ(got.status, SC_OK) << got.error;
    EXPECT_TRUE(got.value == values[i]) << key;
  }
  EXPECT_EQ(c.get("t:1:missing").status, SC_NOT_FOUND);
  EXPECT_EQ(c.remove("t:1:0").status, SC_OK);
  EXPECT_EQ(c.remove("t:1:0").status, SC_NOT_FOUND);
  EXPECT_FALSE(exists("t:1:0"));
  EXPECT_EQ(c.set("t:1:x", "v", -1).status, SC_INVALID_ARGUMENT);
}

TEST_F(RedisTest, TtlIsNativeAndTouchChangesIt) {
  auto client = open();
  Calls c(*client);
  ASSERT_EQ(c.set("t:1:ttl", "v", 5000).status, SC_OK);
  long long pttl = raw_integer({"PTTL", "t:1:ttl"});
  EXPECT_GT(pttl, 4000);
  EXPECT_LE(pttl, 5000);
  ASSERT_EQ(c.set("t:1:forever", "v", 0).status, SC_OK);
  EXPECT_EQ(raw_integer({"PTTL", "t:1:forever"}), -1);

  EXPECT_EQ(c.touch("t:1:forever", 60000).status, SC_OK);
  EXPECT_GT(raw_integer({"PTTL", "t:1:forever"}), 59000);
  EXPECT_EQ(c.touch("t:1:ttl", 0).status, SC_OK);
  EXPECT_EQ(raw_integer({"PTTL", "t:1:ttl"}), -1);
  // PERSIST of a key without expiry answers 0; touch must still report it present.
  EXPECT_EQ(c.touch("t:1:ttl", 0).status, SC_OK);
  EXPECT_EQ(c.touch("t:1:absent", 0).status, SC_NOT_FOUND);
  EXPECT_EQ(c.touch("t:1:absent", 1000).status, SC_NOT_FOUND);

  ASSERT_EQ(c.set("t:1:short", "v", 150).status, SC_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server's own TTL clock
  EXPECT_EQ(c.get("t:1:short").status, SC_NOT_FOUND);
}

TEST_F(RedisTest, AddIsSetIfAbsentWithTtl) {
  auto client = open();
  Calls c(*client);
  bool stored = false;
  ASSERT_EQ(c.add("t:1:lease", "one", 3000, stored).status, SC_OK);
  EXPECT_TRUE(stored);
  EXPECT_GT(raw_integer({"PTTL", "t:1:lease"}), 2000);
  ASSERT_EQ(c.add("t:1:lease", "two", 0, stored).status, SC_OK);
  EXPECT_FALSE(stored);
  EXPECT_EQ(c.get("t:1:lease").value, "one");
  ASSERT_EQ(c.add("t:1:forever", "x", 0, stored).status, SC_OK);
  EXPECT_TRUE(stored);
  EXPECT_EQ(raw_integer({"PTTL", "t:1:forever"}), -1);
}

TEST_F(RedisTest, ClearRemovesOnlyKeysUnderThePrefix) {
  auto client = open();
  Calls c(*client);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 2500; ++i) items["blog:1:" + std::to_string(i)] = "v";
  ASSERT_EQ(c.set_many(items).status, SC_OK);
  for (const char* keep : {"blog2:1:a", "blog", "bloG:1:a", "other:1:a", "a*:1:x", "ab:1:x"}) {
    ASSERT_EQ(c.set(keep, "keep").status, SC_OK);
  }
  raw({"SET", "other-app:session", "x"});
  raw({"LPUSH", "blog-queue", "job"});  // another type, just outside the prefix

  Call cleared = c.clear("blog:");
  ASSERT_EQ(cleared.status, SC_OK) << cleared.error;
  EXPECT_EQ(raw_integer({"DBSIZE"}), 8);
  for (const char* keep : {"blog2:1:a", "blog", "bloG:1:a", "other:1:a", "a*:1:x", "ab:1:x",
                           "other-app:session", "blog-queue"}) {
    EXPECT_TRUE(exists(keep)) << keep;
  }
  // A prefix with glob characters is literal: "a*:" must not take "ab:1:x".
  ASSERT_EQ(c.clear("a*:").status, SC_OK);
  EXPECT_FALSE(exists("a*:1:x"));
  EXPECT_TRUE(exists("ab:1:x"));
  // A second handle sees the same store.
  auto other = open();
  EXPECT_EQ(Calls(*other).get("blog:1:7").status, SC_NOT_FOUND);
  EXPECT_EQ(Calls(*other).get("blog2:1:a").value, "keep");
}

TEST_F(RedisTest, ScanTreatsGlobCharactersInThePrefixLiterally) {
  auto client = open();
  Calls c(*client);
  const std::string prefix = "p*[1]?\\:";
  ASSERT_EQ(c.set(prefix + "a", "alpha", 0).status, SC_OK);
  ASSERT_EQ(c.set(prefix + "b", "bravo!", 60000).status, SC_OK);
  // Each of these matches the prefix read as a glob pattern.
  for (const char* decoy : {"pzz1q\\:d", "p1x\\:e", "p*[1]?x:f", "p[1]q\\:g"}) {
    ASSERT_EQ(c.set(decoy, "decoy").status, SC_OK);
  }
  std::vector<ScanEntry> entries;
  ASSERT_EQ(c.scan(prefix, false, entries).status, SC_OK);
  std::set<std::string> keys;
  for (const auto& e : entries) keys.insert(e.key);
  EXPECT_EQ(keys, (std::set<std::string>{prefix + "a", prefix + "b"}));
  for (const auto& e : entries) {
    EXPECT_FALSE(e.value.has_value());
    EXPECT_EQ(e.value_size, e.key == prefix + "a" ? 5 : 6);
    if (e.key == prefix + "b") {
      EXPECT_NEAR(static_cast<double>(e.expires_ms), static_cast<double>(wall_ms() + 60000), 2000);
    } else {
      EXPECT_EQ(e.expires_ms, 0);
    }
  }
  ASSERT_EQ(c.scan(prefix, true, entries).status, SC_OK);
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& e : entries) EXPECT_EQ(e.value, e.key == prefix + "a" ? "alpha" : "bravo!");
}

TEST_F(RedisTest, ScanFollowsTheCursorAcrossManyBatches) {
  auto client = open();
  Calls c(*client);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 1000; ++i) items["s:1:" + std::to_string(i)] = "v";
  for (int i = 0; i < 3000; ++i) items["noise:" + std::to_string(i)] = "v";
  ASSERT_EQ(c.set_many(items).status, SC_OK);
  std::vector<ScanEntry> entries;
  ASSERT_EQ(c.scan("s:", false, entries, 10).status, SC_OK);
  std::set<std::string> keys;
  for (const auto& e : entries) keys.insert(e.key);
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_TRUE(keys.count("s:1:999"));
}

TEST_F(RedisTest, BatchesAreCutIntoBoundedExchanges) {
  auto client = open();
  Calls c(*client);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 600; ++i) items["m:1:" + std::to_string(i)] = "value " + std::to_string(i);
  ASSERT_EQ(c.set_many(items, 60000).status, SC_OK);
  EXPECT_GT(raw_integer({"PTTL", "m:1:599"}), 50000);
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back("m:1:" + std::to_string(i * 3));
  keys.push_back("m:1:absent");
  keys.push_back("m:1:3");  // a duplicate
  std::vector<std::optional<std::string>> values;
  ASSERT_EQ(c.get_many(keys, values).status, SC_OK);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(values[i], "value " + std::to_string(i * 3));
  EXPECT_FALSE(values[200].has_value());
  EXPECT_EQ(values[201], "value 3");
  // Large values: more than one pipeline's worth of bytes.
  std::map<std::string, std::string> large;
  for (int i = 0; i < 4; ++i) large["big:1:" + std::to_string(i)] = binary_value(2 << 20, i);
  ASSERT_EQ(c.set_many(large).status, SC_OK);
  ASSERT_EQ(c.get_many({"big:1:0", "big:1:3"}, values).status, SC_OK);
  EXPECT_TRUE(values[0] == large["big:1:0"]);
  EXPECT_TRUE(values[1] == large["big:1:3"]);
}

TEST_F(RedisTest, UsesTheDatabaseOfTheLocation) {
  auto client = open({{"location", location("3")}});
  ASSERT_EQ(Calls(*client).set("t:1:db", "three").status, SC_OK);
  EXPECT_FALSE(exists("t:1:db"));
  raw({"SELECT", "3"});
  EXPECT_TRUE(exists("t:1:db"));
  auto bad = open({{"location", location("99")}});
  GetResult got = Calls(*bad).get("t:1:db");
  EXPECT_EQ(got.status, SC_INVALID_ARGUMENT);
  EXPECT_NE(got.error.find("DB index"), std::string::npos) << got.error;
}

TEST_F(RedisTest, ErrorRepliesMapToStatuses) {
  auto client = open();
  Calls c(*client);
  raw({"LPUSH", "t:1:list", "x"});
  GetResult got = c.get("t:1:list");
  EXPECT_EQ(got.status, SC_CORRUPTION);
  EXPECT_NE(got.error.find("WRONGTYPE"), std::string::npos) << got.error;
  // The connection survives an error reply.
  EXPECT_EQ(c.set("t:1:after", "ok").status, SC_OK);
}

TEST_F(RedisTest, StatsReportTheServersMemory) {
  auto client = open();
  Calls c(*client);
  ASSERT_EQ(c.set("st:1:a", std::string(10000, 'x')).status, SC_OK);
  sc_stats stats;
  ASSERT_EQ(c.stats(stats).status, SC_OK);
  EXPECT_EQ(stats.entries, -1);
  EXPECT_GT(stats.bytes, 10000);
  EXPECT_EQ(stats.max_bytes, -1);
  raw({"CONFIG", "SET", "maxmemory", "104857600"});
  ASSERT_EQ(c.stats(stats).status, SC_OK);
  EXPECT_EQ(stats.max_bytes, 104857600);
}

TEST_F(RedisTest, EightThreadsShareOneHandle) {
  auto client = open({{"pool_size", "4"}});
  Calls c(*client);
  std::atomic<int> failures{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 400; ++i) {
        std::string key = "c:1:" + std::to_string(rng() % 32);
        switch (rng() % 5) {
          case 0: {
            GetResult got = c.get(key);
            if (got.status != SC_OK && got.status != SC_NOT_FOUND) failures++;
            if (got.value && !got.value->starts_with(key + "#")) wrong++;
            break;
          }
          case 1:
            if (c.set(key, key + "#" + std::to_string(t) + std::string(rng() % 5000, 'p')).status)
              failures++;
            break;
          case 2: {
            std::vector<std::optional<std::string>> values;
            std::vector<std::string> keys = {key, "c:1:" + std::to_string(rng() % 32)};
            if (c.get_many(keys, values).status != SC_OK) failures++;
            for (size_t k = 0; k < keys.size(); ++k) {
              if (values[k] && !values[k]->starts_with(keys[k] + "#")) wrong++;
            }
            break;
          }
          case 3: {
            bool stored = false;
            if (c.add(key, key + "#add", 0, stored).status != SC_OK) failures++;
            break;
          }
          default: {
            sc_status s = c.remove(key).status;
            if (s != SC_OK && s != SC_NOT_FOUND) failures++;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  // Idle connections are capped by pool_size (plus the test's own raw connection). The
  // server counts a closed connection once it has seen it close: poll its count.
  std::string text;
  int clients = -1;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    redisReply* info = raw({"INFO", "clients"});
    ASSERT_TRUE(info && info->type == REDIS_REPLY_STRING);
    text.assign(info->str, info->len);
    size_t at = text.find("connected_clients:");
    ASSERT_NE(at, std::string::npos);
    clients = std::stoi(text.substr(at + 18));
    if (clients <= 4 + 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a poll
  } while (std::chrono::steady_clock::now() < give_up);
  EXPECT_LE(clients, 4 + 1) << text;
}

class RedisAuthTest : public RedisTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--requirepass", "s3cret"}; }
};

TEST_F(RedisAuthTest, WrongPasswordIsAConfigurationError) {
  auto good = open({{"location", "redis://:s3cret@" + server_->address() + "/1"}});
  EXPECT_EQ(Calls(*good).set("t:1:a", "v").status, SC_OK);
  EXPECT_EQ(Calls(*good).get("t:1:a").value, "v");
  auto wrong = open({{"location", "redis://:nope-nope@" + server_->address() + "/1"}});
  GetResult got = Calls(*wrong).get("t:1:a");
  EXPECT_EQ(got.status, SC_INVALID_ARGUMENT);
  EXPECT_EQ(got.error.find("nope-nope"), std::string::npos) << got.error;
  auto none = open();
  got = Calls(*none).get("t:1:a");
  EXPECT_EQ(got.status, SC_INVALID_ARGUMENT);
  EXPECT_NE(got.error.find("NOAUTH"), std::string::npos) << got.error;
}

class RedisUnixSocketTest : public RedisTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--unixsocket", socket_path(), "--unixsocketperm", "700"};
  }
  static std::string socket_path() {
    return "/tmp/sitecache-redis-test-" + std::to_string(getpid()) + ".sock";
  }
};

TEST_F(RedisUnixSocketTest, ConnectsThroughAUnixSocket) {
  auto client = open({{"location", "unix://" + socket_path() + "?db=2"}});
  ASSERT_EQ(Calls(*client).set("t:1:unix", "v").status, SC_OK);
  raw({"SELECT", "2"});
  EXPECT_TRUE(exists("t:1:unix"));
}

}  // namespace
}  // namespace sitecache::testing
