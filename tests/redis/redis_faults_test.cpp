// The redis plugin when the server is refused, unreachable, hung, or killed mid-use: every
// call returns UNAVAILABLE within its timeout, and the same handle works again once the
// server is back.
#include <signal.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "fault_scenarios.hpp"
#include "redis_test_support.hpp"

namespace sitecache::testing {
namespace {

using namespace std::chrono_literals;

TEST(RedisFaults, RefusedConnectionIsUnavailableAtOnce) {
  const uint16_t port = free_port();
  AbiClient client(REDIS_PLUGIN_PATH, {{"location", "redis://127.0.0.1:" + std::to_string(port)},
                                       {"retry_interval_ms", "0"}});
  ASSERT_TRUE(client.ok()) << "create must not connect";
  for (const auto& [name, op] : every_operation(Calls(client), ScanOperation::include)) {
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
  for (const auto& [name, op] : every_operation(Calls(client), ScanOperation::include)) {
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
  for (const auto& [name, op] : every_operation(c, ScanOperation::include)) {
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
  std::this_thread::sleep_for(450ms);  // past retry_interval_ms (400) on the plugin's own clock
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
  const std::string big(64 << 10, 'b');
  TrafficTally tally = traffic_through_restart(
      *server_,
      [&](std::mt19937& rng, const std::string& key) -> Call {
        switch (rng() % 4) {
          case 0:
            return c.get(key);
          case 1:
            return c.set(key, key);
          case 2:
            return c.set_many({{key, big}, {key + "x", big}});
          default: {
            std::vector<std::optional<std::string>> values;
            return c.get_many({key, key + "x"}, values);
          }
        }
      },
      800ms);
  EXPECT_EQ(tally.unexpected, 0);
  EXPECT_GT(tally.unavailable, 0);
  EXPECT_LT(tally.slowest_failure_ms, 600) << "slowest failing call, 2 x the timeouts";
  EXPECT_GT(tally.ok_after_restart, 0) << "the same handle works again";
  // Past any retry window (200 ms) a late failure opened, on the plugin's own clock.
  std::this_thread::sleep_for(300ms);
  Call final_set = c.set("k:1:final", "v");
  EXPECT_EQ(final_set.status, SC_OK) << final_set.error;
  auto fresh = open();
  EXPECT_EQ(Calls(*fresh).get("k:1:final").value, "v");
}

}  // namespace
}  // namespace sitecache::testing
