// The memcached plugin when the server is refused, unreachable, hung, or killed mid-use:
// every call returns UNAVAILABLE within its timeout, and the same handle works again once
// the server is back.
#include <signal.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "memcached_test_support.hpp"

namespace sitecache::testing {
namespace {

using namespace std::chrono_literals;

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
      {"stats",
       [c] {
         sc_stats s;
         return c.stats(s);
       }},
  };
}

TEST(MemcachedFaults, RefusedConnectionIsUnavailableAtOnce) {
  const uint16_t port = free_port();
  AbiClient client(MEMCACHED_PLUGIN_PATH, {{"location", "127.0.0.1:" + std::to_string(port)}});
  ASSERT_TRUE(client.ok()) << "create must not connect";
  for (const auto& [name, op] : every_operation(Calls(client))) {
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
  for (const auto& [name, op] : every_operation(c)) {
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
  for (const auto& [name, op] : every_operation(c)) {
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
  std::atomic<bool> stop{false}, restarted{false};
  std::atomic<int64_t> slowest{0};
  std::atomic<int> unexpected{0}, unavailable{0}, ok_after_restart{0};
  const std::string big((1 << 20) + 500, 'b');  // chunked
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!stop) {
        std::string key = "k:1:" + std::to_string(rng() % 50);
        Call result;
        int64_t ms = elapsed_ms([&] {
          switch (rng() % 5) {
            case 0:
              result = c.get(key);
              break;
            case 1:
              result = c.set(key, key);
              break;
            case 2:
              result = c.set(key + "big", big);
              break;
            case 3:
              result = c.get(key + "big");
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
        } else if (restarted && status == SC_OK) {
          ok_after_restart++;
        }
      }
    });
  }
  std::this_thread::sleep_for(400ms);
  server_->kill();
  std::this_thread::sleep_for(600ms);
  ASSERT_TRUE(server_->start());
  restarted = true;
  std::this_thread::sleep_for(2500ms);  // past the retry window
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(unavailable.load(), 0);
  EXPECT_LT(slowest.load(), 600) << "slowest failing call";
  EXPECT_GT(ok_after_restart.load(), 0) << "the same handle works again";
  auto fresh = open();
  EXPECT_EQ(Calls(*fresh).set("k:1:final", "v").status, SC_OK);
  EXPECT_EQ(Calls(*fresh).get("k:1:final").value, "v");
}

}  // namespace
}  // namespace sitecache::testing
