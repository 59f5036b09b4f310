// The memcached plugin when the server is refused, unreachable, hung, or killed mid-use:
// every call returns UNAVAILABLE within its timeout, and the same handle works again once
// the server is back.
#include <signal.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "fault_scenarios.hpp"
#include "memcached_test_support.hpp"

namespace sitecache::testing {
namespace {

using namespace std::chrono_literals;

TEST(MemcachedFaults, RefusedConnectionIsUnavailableAtOnce) {
  const uint16_t port = free_port();
  AbiClient client(MEMCACHED_PLUGIN_PATH, {{"location", "127.0.0.1:" + std::to_string(port)}});
  ASSERT_TRUE(client.ok()) << "create must not connect";
  for (const auto& [name, op] : every_operation(Calls(client), ScanOperation::exclude)) {
    Call result;
    int64_t ms = elapsed_ms([&] { result = op(); });
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name << ": " << result.error;
    EXPECT_LT(ms, 200) << name;
  }
}

TEST(MemcachedFaults, UnreachableServerFailsWithinTheConnectTimeoutThenFast) {
  Blackhole hole;
  AbiClient client(
      MEMCACHED_PLUGIN_PATH,
      {{"location", hole.address()}, {"connect_timeout_ms", "300"}, {"retry_interval_ms", "5000"}});
  Calls c(client);
  Call first;
  int64_t ms = elapsed_ms([&] { first = c.get("f:1:k"); });
  EXPECT_EQ(first.status, SC_UNAVAILABLE) << first.error;
  EXPECT_LT(ms, 600) << "2 x connect_timeout_ms: " << first.error;
  // The server is now skipped: every call fails at once.
  for (const auto& [name, op] : every_operation(c, ScanOperation::exclude)) {
    Call result;
    ms = elapsed_ms([&] { result = op(); });
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name << ": " << result.error;
    EXPECT_LT(ms, 600) << name;
  }
}

TEST_F(MemcachedTest, HungServerFailsWithinTheIoTimeoutAndRecovers) {
  auto client = open({{"io_timeout_ms", "300"}, {"retry_interval_ms", "1000"}});
  Calls c(*client);
  ASSERT_EQ(c.set("f:1:k", "before").status, SC_OK);
  server_->pause();
  for (const auto& [name, op] : every_operation(c, ScanOperation::exclude)) {
    Call result;
    int64_t ms = elapsed_ms([&] { result = op(); });
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name << ": " << result.error;
    EXPECT_LT(ms, 600) << name << ": 2 x io_timeout_ms";
  }
  server_->resume();
  std::this_thread::sleep_for(2100ms);  // the 1 s retry window, at whole-second resolution
  // The calls that timed out were still carried out when the server woke up (a timeout
  // means "outcome unknown"), clear and remove among them: the value may be gone.
  GetResult got = c.get("f:1:k");
  EXPECT_TRUE(got.status == SC_OK || got.status == SC_NOT_FOUND) << got.error;
  EXPECT_EQ(c.set("f:1:k", "after").status, SC_OK);
  EXPECT_EQ(c.get("f:1:k").value, "after");
}

TEST_F(MemcachedTest, KilledMidUseEveryCallReturnsInTimeAndTheHandleRecovers) {
  signal(SIGPIPE, SIG_DFL);  // a write to the dead server must not kill the test
  auto client = open(
      {{"connect_timeout_ms", "300"}, {"io_timeout_ms", "300"}, {"retry_interval_ms", "1000"}});
  Calls c(*client);
  const std::string big((1 << 20) + 500, 'b');  // chunked
  TrafficTally tally = traffic_through_restart(
      *server_,
      [&](std::mt19937& rng, const std::string& key) -> Call {
        switch (rng() % 5) {
          case 0:
            return c.get(key);
          case 1:
            return c.set(key, key);
          case 2:
            return c.set(key + "big", big);
          case 3:
            return c.get(key + "big");
          default: {
            std::vector<std::optional<std::string>> values;
            return c.get_many({key, key + "x"}, values);
          }
        }
      },
      2500ms);  // past the retry window
  EXPECT_EQ(tally.unexpected, 0);
  EXPECT_GT(tally.unavailable, 0);
  EXPECT_LT(tally.slowest_failure_ms, 600) << "slowest failing call";
  EXPECT_GT(tally.ok_after_restart, 0) << "the same handle works again";
  auto fresh = open();
  EXPECT_EQ(Calls(*fresh).set("k:1:final", "v").status, SC_OK);
  EXPECT_EQ(Calls(*fresh).get("k:1:final").value, "v");
}

}  // namespace
}  // namespace sitecache::testing
