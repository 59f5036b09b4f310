// The memory backend used from 8 threads at once on one handle, with mixed operations.
// Every value names its key and a sequence number and has a filler derived from both, so
// a torn or misdelivered value is detected. Each thread owns a key prefix and tracks what
// it expects there; all threads also race on shared keys through add.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "abi_client.hpp"

namespace {

using namespace sitecache::testing;

constexpr int kThreads = 8;
constexpr int kOpsPerThread = 10000;
constexpr int kKeysPerThread = 64;
constexpr int kSharedKeys = 32;

std::string make_value(const std::string& key, uint64_t seq) {
  std::string value = key + "|" + std::to_string(seq) + "|";
  value.append(seq % 700, static_cast<char>('a' + seq % 26));
  return value;
}

// Whether `value` is exactly what make_value produced for `key` and some sequence number.
bool well_formed(const std::string& key, const std::string& value) {
  if (value.rfind(key + "|", 0) != 0) return false;
  size_t end = value.find('|', key.size() + 1);
  if (end == std::string::npos) return false;
  uint64_t seq = std::stoull(value.substr(key.size() + 1, end - key.size() - 1));
  return value == make_value(key, seq);
}

// One thread's workload. With `bounded`, limits may evict the thread's own keys, so a
// miss is acceptable there but a wrong value never is.
void worker(const Calls& calls, int thread, bool bounded, std::vector<std::string>& failures) {
  auto fail = [&](const std::string& what) {
    if (failures.size() < 20) failures.push_back("thread " + std::to_string(thread) + ": " + what);
  };
  const std::string prefix = "t" + std::to_string(thread) + ":";
  std::map<std::string, std::string> mine;  // what this thread last stored and not removed
  uint64_t seq = static_cast<uint64_t>(thread) * 1000003u;
  auto check_own = [&](const std::string& key, const std::optional<std::string>& got) {
    auto it = mine.find(key);
    if (got && (it == mine.end() || *got != it->second)) fail("wrong value for " + key);
    if (!got && it != mine.end() && !bounded) fail("lost " + key);
  };
  for (int op = 0; op < kOpsPerThread; ++op) {
    const std::string key = prefix + std::to_string((op * 7 + thread) % kKeysPerThread);
    const std::string shared = "shared:" + std::to_string((op * 5 + thread) % kSharedKeys);
    sc_status status = SC_OK;
    switch (op % 10) {
      case 0:
      case 1:
      case 2: {
        std::string value = make_value(key, ++seq);
        status = calls.set(key, value, op % 3 == 0 ? 600000 : 0).status;
        if (status == SC_OK) mine[key] = value;
        break;
      }
      case 3:
      case 4: {
        GetResult got = calls.get(key);
        status = got.status;
        check_own(key, got.value);
        break;
      }
      case 5:
        status = calls.remove(key).status;
        if (status == SC_OK && mine.count(key) == 0) fail("removed a key never stored: " + key);
        if (status == SC_NOT_FOUND && mine.count(key) && !bounded) fail("remove lost " + key);
        mine.erase(key);
        break;
      case 6: {
        bool stored = false;  // Calls::add fails the test unless the plugin says 0 or 1
        status = calls.add(shared, make_value(shared, ++seq), 0, stored).status;
        break;
      }
      case 7: {
        GetResult got = calls.get(shared);
        status = got.status;
        if (got.value && !well_formed(shared, *got.value)) {
          fail("malformed shared value for " + shared);
        }
        break;
      }
      case 8: {
        std::vector<std::string> keys = {key, shared, prefix + "0", prefix + "1"};
        std::map<size_t, std::string> found;
        status = calls.get_many(keys, found).status;
        for (const auto& [index, value] : found) {
          if (index == 1) {
            if (!well_formed(shared, value)) fail("get_many: malformed shared value");
          } else {
            check_own(keys[index], value);
          }
        }
        break;
      }
      case 9:
        if (op % 200 == 9) {
          status = calls.clear(prefix).status;
          mine.clear();
        } else if (op % 50 == 19) {
          // Only this thread writes under its prefix, so a full scan must match `mine`
          // exactly (minus evictions when bounded).
          std::map<std::string, int> counts = calls.scan_counts(prefix, 16);
          for (const auto& [k, n] : counts) {
            if (n != 1 || !mine.count(k)) fail("scan reported " + k);
          }
          if (!bounded && counts.size() != mine.size()) fail("scan missed own keys");
        } else {
          status = calls.touch(key, 600000).status;
          if (status == SC_OK && !mine.count(key)) fail("touched a key never stored: " + key);
          if (status == SC_NOT_FOUND && mine.count(key) && !bounded) fail("touch lost " + key);
          if (status == SC_NOT_FOUND) mine.erase(key);
        }
        break;
    }
    if (status != SC_OK && status != SC_NOT_FOUND) {
      fail("op " + std::to_string(op % 10) + " returned status " + std::to_string(status));
    }
  }
}

void run_threads(AbiClient& client, bool bounded) {
  const Calls calls(client);
  std::vector<std::vector<std::string>> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(worker, std::cref(calls), t, bounded, std::ref(failures[t]));
  }
  for (auto& thread : threads) thread.join();
  for (const auto& list : failures) {
    for (const auto& f : list) ADD_FAILURE() << f;
  }
  // Every shared key was added by someone and is never removed.
  if (!bounded) {
    EXPECT_EQ(calls.scan_counts("shared:", 100).size(), static_cast<size_t>(kSharedKeys));
  }
  sc_stats stats = client.stats();
  EXPECT_GE(stats.entries, 0);
  if (stats.max_entries > 0) {
    EXPECT_LE(stats.entries, stats.max_entries);
  }
  if (stats.max_bytes > 0) {
    EXPECT_LE(stats.bytes, stats.max_bytes);
  }
}

TEST(MemoryConcurrency, MixedOperationsFromEightThreads) {
  AbiClient client(MEMORY_PLUGIN_PATH, {});
  ASSERT_TRUE(client.ok()) << client.last_error();
  run_threads(client, /*bounded=*/false);
}

TEST(MemoryConcurrency, MixedOperationsUnderEvictionPressure) {
  AbiClient client(MEMORY_PLUGIN_PATH,
                   {{"max_entries", "150"}, {"max_size", "60000"}, {"cull_frequency", "4"}});
  ASSERT_TRUE(client.ok()) << client.last_error();
  run_threads(client, /*bounded=*/true);
  EXPECT_GT(client.stats().evictions, 0);
}

TEST(MemoryConcurrency, DummyUnderEightThreads) {
  AbiClient client(DUMMY_PLUGIN_PATH, {});
  ASSERT_TRUE(client.ok()) << client.last_error();
  const Calls calls(client);
  std::vector<std::thread> threads;
  std::vector<int> errors(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&calls, t, &errors] {
      for (int i = 0; i < 1000; ++i) {
        const std::string key = "k" + std::to_string(i % 10);
        if (calls.set(key, "v") != SC_OK) ++errors[t];
        GetResult got = calls.get(key);
        if (got.status != SC_NOT_FOUND || got.value) ++errors[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], 0) << t;
}

}  // namespace
