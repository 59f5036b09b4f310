// The redis plugin when the server is refused, unreachable, hung, or killed mid-use: every
// call returns UNAVAILABLE within its timeout, and the same handle works again once the
// server is back.
#include <signal.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "redis_test_support.hpp"

namespace sitecache::testing {
namespace {

using namespace std::chrono_literals;

// Every plugin operation once, by name; each returns its status.
std::vector<std::pair<std::string, std::function<Call()>>> every_operation(const Calls& c) {
  return {
      {"get", [c] { return static_cast<Call>(c.get("f:1:k")); }},
      {"set", [c] { return c.set("f:1:k", "v", 1000); }},
      {"remove", [c] { return c.remove("f:1:k"); }},
      {"touch", [c] { return c.touch("f:1:k", 1000); }},
      {"add",
       [c] {
         bool stored;
         return c.add("f:1:k", "v", 0, stored);
       }},
      {"clear", [c] { return c.clear("f:"); }},
      {"get_many",
       [c] {
         std::vector<std::optional<std::string>> v;
         return c.get_many({"f:1:a", "f:1:b"}, v);
       }},
      {"set_many",
       [c] {
         return c.set_many({{"f:1:a", "1"}, {"f:1:b", "2"}});
       }},
      {"scan",
       [c] {
         std::vector<ScanEntry> e;
         return c.scan("f:", false, e);
       }},
      {"stats",
       [c] {
         sc_stats s;
         return c.stats(s);
       }},
  };
}

TEST(RedisFaults, RefusedConnectionIsUnavailableAtOnce) {
  const uint16_t port = free_port();
  AbiClient client(REDIS_PLUGIN_PATH, {{"location", "redis://127.0.0.1:" + std::to_string(port)},
                                       {"retry_interval_ms", "0"}});
  ASSERT_TRUE(client.ok()) << "create must not connect";
  for (const auto& [name, op] : every_operation(Calls(client))) {
    Call result;
    int64_t ms = elapsed_ms([&] { result = op(); });
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name;
    EXPECT_LT(ms, 200) << name;
    EXPECT_NE(result.error.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
        << result.error;
  }
}

TEST(RedisFaults, UnreachableServerFailsWithinTheConnectTimeout) {
  Blackhole hole;
  AbiClient client(REDIS_PLUGIN_PATH, {{"location", "redis://" + hole.address()},
                                       {"connect_timeout_ms", "300"},
                                       {"retry_interval_ms", "0"}});
  for (const auto& [name, op] : every_operation(Calls(client))) {
    Call result;
    int64_t ms = elapsed_ms([&] { result = op(); });
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name;
    EXPECT_GE(ms, 250) << name << ": " << result.error;
    EXPECT_LT(ms, 600) << name;
    EXPECT_NE(result.error.find("timed out"), std::string::npos) << result.error;
  }
}

TEST(RedisFaults, AfterAFailureCallsFailFastForTheRetryInterval) {
  Blackhole hole;
  AbiClient client(REDIS_PLUGIN_PATH, {{"location", "redis://" + hole.address()},
                                       {"connect_timeout_ms", "300"},
                                       {"retry_interval_ms", "5000"}});
  Calls c(client);
  EXPECT_GE(elapsed_ms([&] { EXPECT_EQ(c.get("f:1:k").status, SC_UNAVAILABLE); }), 250);
  for (const auto& [name, op] : every_operation(c)) {
    Call result;
    EXPECT_LT(elapsed_ms([&] { result = op(); }), 50) << name;
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name;
    EXPECT_NE(result.error.find("not retrying"), std::string::npos) << result.error;
  }
}

TEST_F(RedisTest, HungServerFailsWithinTheCommandTimeoutAndRecovers) {
  auto client = open({{"command_timeout_ms", "300"}, {"retry_interval_ms", "400"}});
  Calls c(*client);
  ASSERT_EQ(c.set("f:1:k", "before").status, SC_OK);
  server_->pause();
  Call result;
  int64_t ms = elapsed_ms([&] { result = c.get("f:1:k"); });
  EXPECT_EQ(result.status, SC_UNAVAILABLE);
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 600) << "at most 2 x command_timeout_ms";
  EXPECT_NE(result.error.find("command_timeout_ms"), std::string::npos) << result.error;
  // A fresh handle: connect succeeds (the kernel accepts), the command hangs.
  auto fresh = open({{"command_timeout_ms", "300"}});
  ms = elapsed_ms([&] { result = Calls(*fresh).set("f:1:k", "x"); });
  EXPECT_EQ(result.status, SC_UNAVAILABLE);
  EXPECT_LT(ms, 600);
  server_->resume();
  std::this_thread::sleep_for(500ms);
  GetResult got = c.get("f:1:k");
  EXPECT_EQ(got.status, SC_OK) << got.error;
  // A write that timed out may still be carried out when the server wakes up: a timeout
  // says "unknown outcome", not "not done".
  EXPECT_TRUE(got.value == "before" || got.value == "x") << got.value.value_or("<none>");
}

TEST_F(RedisTest, RestartedServerIsReconnectedWithoutAnError) {
  auto client = open();
  Calls c(*client);
  ASSERT_EQ(c.set("f:1:k", "v").status, SC_OK);  // leaves a pooled connection behind
  server_->kill();
  ASSERT_TRUE(server_->start());
  // The pooled connection is dead; the one retry on a new connection hides that.
  GetResult got = c.get("f:1:k");
  EXPECT_EQ(got.status, SC_NOT_FOUND) << got.error;  // a fresh server: empty
  EXPECT_EQ(c.set("f:1:k", "again").status, SC_OK);
}

TEST_F(RedisTest, KilledMidUseEveryCallReturnsInTimeAndTheHandleRecovers) {
  // SIGPIPE at its default action: a write to the dead server must not kill the test.
  signal(SIGPIPE, SIG_DFL);
  auto client = open(
      {{"connect_timeout_ms", "300"}, {"command_timeout_ms", "300"}, {"retry_interval_ms", "200"}});
  Calls c(*client);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> slowest{0};
  std::atomic<int> unexpected{0}, unavailable{0}, ok_after_restart{0};
  std::atomic<bool> restarted{false};
  const std::string big(64 << 10, 'b');
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!stop) {
        std::string key = "k:1:" + std::to_string(rng() % 50);
        Call result;
        int64_t ms = elapsed_ms([&] {
          switch (rng() % 4) {
            case 0:
              result = c.get(key);
              break;
            case 1:
              result = c.set(key, key);
              break;
            case 2:
              result = c.set_many({{key, big}, {key + "x", big}});
              break;
            default: {
              std::vector<std::optional<std::string>> values;
              result = c.get_many({key, key + "x"}, values);
            }
          }
        });
        const sc_status status = result.status;
        if (status == SC_UNAVAILABLE) {
          unavailable++;
          if (ms > slowest) slowest = ms;
        } else if (status != SC_OK && status != SC_NOT_FOUND) {
          if (unexpected++ == 0) ADD_FAILURE() << status << ": " << result.error;
        } else if (restarted && status == SC_OK)
          ok_after_restart++;
      }
    });
  }
  std::this_thread::sleep_for(400ms);
  server_->kill();
  std::this_thread::sleep_for(600ms);
  ASSERT_TRUE(server_->start());
  restarted = true;
  std::this_thread::sleep_for(800ms);
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(unavailable.load(), 0);
  EXPECT_LT(slowest.load(), 600) << "slowest failing call, 2 x the timeouts";
  EXPECT_GT(ok_after_restart.load(), 0) << "the same handle works again";
  std::this_thread::sleep_for(300ms);  // past any retry window a late failure opened
  Call final_set = c.set("k:1:final", "v");
  EXPECT_EQ(final_set.status, SC_OK) << final_set.error;
  auto fresh = open();
  EXPECT_EQ(Calls(*fresh).get("k:1:final").value, "v");
}

}  // namespace
}  // namespace sitecache::testing
