// Several processes and threads sharing one cache directory, and writers killed mid-write.
// Every value carries its writer, sequence number and a checksum, so a reader can tell a
// value some writer really wrote from a torn or mixed one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "file_test_support.hpp"
#include "processes.hpp"

namespace sitecache::file_test {
namespace {

using namespace std::chrono_literals;

// Self-checking values (test_values.hpp) from writer `writer`'s `sequence`-th write.
std::string make_value(int writer, int sequence, size_t size) {
  return testing::encode_value(static_cast<uint32_t>(writer), static_cast<uint32_t>(sequence),
                               size);
}
using testing::valid_value;

// Runs `operations` random operations on `cache` over `key_count` keys. Returns an empty
// string, or a description of the first thing that went wrong.
std::string mixed_workload(AbiClient& cache, int writer, int operations, int key_count) {
  std::mt19937 random(static_cast<unsigned>(writer * 7919 + 1));
  for (int i = 0; i < operations; ++i) {
    std::string key = "stress:" + std::to_string(random() % key_count);
    int dice = static_cast<int>(random() % 100);
    sc_status status = SC_OK;
    if (dice < 45) {
      auto value = cache.get(key);
      status = cache.last_status();
      if (value && !valid_value(*value)) return "invalid value read for " + key;
    } else if (dice < 80) {
      status = cache.set(key, make_value(writer, i, random() % 3000), random() % 4 ? 0 : 50);
    } else if (dice < 90) {
      status = cache.remove(key);
    } else if (dice < 95) {
      bool stored = false;
      status = Calls(cache).add(key, make_value(writer, i, random() % 100), 0, stored).status;
    } else {
      status = Calls(cache).touch(key, 60'000).status;
    }
    if (status != SC_OK && status != SC_NOT_FOUND) {
      return "status " + std::to_string(status) + " on " + key + ": " + cache.last_error();
    }
  }
  return {};
}

// Every key is absent or holds a valid value, by get and by a values scan.
void expect_all_valid(AbiClient& cache, int key_count) {
  for (int k = 0; k < key_count; ++k) {
    std::string key = "stress:" + std::to_string(k);
    auto value = cache.get(key);
    EXPECT_TRUE(cache.last_status() == SC_OK || cache.last_status() == SC_NOT_FOUND);
    if (value) {
      EXPECT_TRUE(valid_value(*value)) << key;
    }
  }
  for (const auto& item : scan_all(cache, "stress:", 64, SC_SCAN_VALUES)) {
    ASSERT_TRUE(item.value.has_value());
    EXPECT_TRUE(valid_value(*item.value)) << item.key;
  }
}

TEST(FileStress, ValuesAreSelfChecking) {
  std::string value = make_value(3, 17, 100);
  EXPECT_TRUE(valid_value(value));
  value[30] = static_cast<char>(value[30] ^ 1);
  EXPECT_FALSE(valid_value(value));
  EXPECT_FALSE(valid_value(make_value(1, 1, 10).substr(0, 20)));
}

TEST(FileStress, ProcessesSharingOneDirectory) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  // A limit below the key count keeps maintenance passes running alongside the writers.
  const OptionMap options{{"max_entries", "40"}, {"cull_frequency", "4"}};
  constexpr int kProcesses = 4;
  constexpr int kKeys = 50;
  int report[2];  // each writer reports its evictions (an atomic write: under PIPE_BUF)
  ASSERT_EQ(pipe(report), 0);
  std::vector<int> codes = testing::run_children(kProcesses, [&](int writer) {
    close(report[0]);
    auto cache = open_cache(location, options);
    std::string problem = cache->ok() ? mixed_workload(*cache, writer, 2000, kKeys)
                                      : "create failed: " + cache->last_error();
    if (!problem.empty()) std::fprintf(stderr, "writer %d: %s\n", writer, problem.c_str());
    std::fflush(stderr);
    int64_t evictions = cache->ok() ? cache->stats().evictions : 0;
    [[maybe_unused]] ssize_t n = write(report[1], &evictions, sizeof(evictions));
    return problem.empty() ? 0 : 1;
  });
  close(report[1]);
  EXPECT_EQ(codes, std::vector<int>(kProcesses, 0)) << "0 fine, 1 a problem (on stderr)";
  int64_t evictions = 0;
  int reports = 0;
  for (int64_t child_evictions = 0;
       read(report[0], &child_evictions, sizeof(child_evictions)) == sizeof(child_evictions);) {
    evictions += child_evictions;
    ++reports;
  }
  close(report[0]);
  EXPECT_EQ(reports, kProcesses);
  EXPECT_GT(evictions, 0);  // culling really ran concurrently with the other writers

  auto cache = open_cache(location, options);
  expect_all_valid(*cache, kKeys);
  EXPECT_TRUE(temp_files(location).empty());
  // The shared counters are approximate; once recounted (losing the state file forces it,
  // even for an open handle), the limit holds exactly.
  fs::remove(location / "sitecache-file.state");
  ASSERT_EQ(cache->set("stress:0", make_value(9, 0, 10)), SC_OK);
  EXPECT_LE(entry_files(location).size(), 40u);
  EXPECT_EQ(cache->stats().entries, static_cast<int64_t>(entry_files(location).size()));
}

TEST(FileStress, ThreadsSharingOneHandle) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto cache = open_cache(location, {{"max_entries", "15"}});
  ASSERT_TRUE(cache->ok());
  // AbiClient keeps per-call state (status, error text); Calls keeps it per call.
  const Calls calls(*cache);
  std::vector<std::thread> threads;
  std::vector<std::string> problems(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t + 1));
      for (int i = 0; i < 400 && problems[t].empty(); ++i) {
        std::string key = "stress:" + std::to_string(random() % 20);
        testing::Call call;
        if (random() % 2) {
          call = calls.set(key, make_value(t, i, random() % 500));
        } else {
          testing::GetResult got = calls.get(key);
          if (got.status == SC_OK && !valid_value(*got.value)) problems[t] = "invalid value";
          call = got;
        }
        if (call.status != SC_OK && call.status != SC_NOT_FOUND) problems[t] = call.error;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& problem : problems) EXPECT_EQ(problem, "");
  expect_all_valid(*cache, 20);
}

TEST(FileStress, WriterKilledMidWriteLeavesOldOrNewEntries) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  constexpr int kKeys = 4;
  int temps_seen = 0;
  for (int round = 0; round < 4; ++round) {
    // Each round after a different stretch of writing, so the kills land at different
    // points of a write.
    testing::kill_mid_write(std::chrono::milliseconds(5 + 7 * round), [&](auto& ready) {
      auto cache = open_cache(location);
      // Large values, made up front, so that the kill most likely lands inside a write.
      std::vector<std::string> values;
      for (int v = 0; v < 5; ++v) values.push_back(make_value(round, v, (512 + 400 * v) * 1024));
      for (int i = 0;; ++i) {
        cache->set("stress:" + std::to_string(i % kKeys), values[i % values.size()]);
        if (i == kKeys) ready();  // the writer is in its loop
      }
    });
    if (HasFatalFailure()) return;

    auto cache = open_cache(location);
    EXPECT_EQ(entry_files(location).size(), static_cast<size_t>(kKeys));
    temps_seen = static_cast<int>(temp_files(location).size());
    expect_all_valid(*cache, kKeys);
  }
  // Whatever temporary files the kills left behind are never listed, and go once stale.
  auto cache = open_cache(location);
  for (const auto& temp : temp_files(location)) set_age(temp, 2 * 3600);
  EXPECT_EQ(cache->keys("stress:").size(), static_cast<size_t>(kKeys));
  EXPECT_TRUE(temp_files(location).empty());
  RecordProperty("temporary_files_left_by_kills", temps_seen);
}

}  // namespace
}  // namespace sitecache::file_test
