// Fault-test building blocks shared by tests/redis and tests/memcached: every plugin
// operation once by name, and concurrent traffic through a server kill and restart.
//
// Not thread-safe except where stated: one test thread drives these.
#ifndef SITECACHE_TESTS_FAULT_SCENARIOS_HPP
#define SITECACHE_TESTS_FAULT_SCENARIOS_HPP

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "abi_client.hpp"
#include "server_process.hpp"

namespace sitecache::testing {

enum class ScanOperation { exclude, include };  // memcached has no scan

// Every plugin operation once, by name; each returns its status. Keys under "f:".
inline std::vector<std::pair<std::string, std::function<Call()>>> every_operation(
    const Calls& c, ScanOperation scan) {
  std::vector<std::pair<std::string, std::function<Call()>>> ops = {
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
  if (scan == ScanOperation::include) {
    ops.emplace_back("scan", [c] {
      std::vector<ScanEntry> e;
      return c.scan("f:", false, e);
    });
  }
  return ops;
}

// What concurrent callers saw while the server went away and came back.
struct TrafficTally {
  int unexpected = 0;        // statuses other than OK, NOT_FOUND and UNAVAILABLE
  int unavailable = 0;       // calls that failed as UNAVAILABLE
  int ok_after_restart = 0;  // successful calls once the server was back
  int64_t slowest_failure_ms = 0;
};

// Runs `operation` (called from 8 threads at once: it must be thread-safe; it gets the
// thread's generator and a key "k:1:<0..49>") for 400 ms, kills `server`, restarts it
// 600 ms later on the same port, and keeps going for `after_restart`. The first
// unexpected status is also reported as a test failure.
inline TrafficTally traffic_through_restart(
    ServerProcess& server, const std::function<Call(std::mt19937&, const std::string&)>& operation,
    std::chrono::milliseconds after_restart) {
  std::atomic<bool> stop{false}, restarted{false};
  std::atomic<int64_t> slowest{0};
  std::atomic<int> unexpected{0}, unavailable{0}, ok_after_restart{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!stop) {
        const std::string key = "k:1:" + std::to_string(rng() % 50);
        Call result;
        const int64_t ms = elapsed_ms([&] { result = operation(rng, key); });
        if (result.status == SC_UNAVAILABLE) {
          unavailable++;
          if (ms > slowest) slowest = ms;
        } else if (result.status != SC_OK && result.status != SC_NOT_FOUND) {
          if (unexpected++ == 0) ADD_FAILURE() << result.status << ": " << result.error;
        } else if (restarted && result.status == SC_OK) {
          ok_after_restart++;
        }
      }
    });
  }
  // Traffic against a live server, a dead one and a restarted one: each phase lasts long
  // enough for the plugin's own timeouts and retry windows, which have no seam, to pass.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  server.kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // down: past the timeouts
  const bool started = server.start();
  EXPECT_TRUE(started) << "the server did not restart";
  restarted = true;
  std::this_thread::sleep_for(after_restart);  // past the retry window, then traffic again
  stop = true;
  for (auto& thread : threads) thread.join();
  return TrafficTally{unexpected.load(), unavailable.load(), ok_after_restart.load(),
                      slowest.load()};
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_FAULT_SCENARIOS_HPP
