// Several processes on one database file: mixed traffic, cross-process add, and a writer
// killed mid-stream. Children open their own handle after fork and leave with _exit, so
// nothing of the parent's state is used or torn down twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "processes.hpp"
#include "support.hpp"

namespace sitecache::sqlite_test {
namespace {

using namespace std::chrono_literals;

class Processes : public SqliteTest {
 protected:
  // Every entry is a value some writer wrote, and the running totals match the contents.
  void expect_intact(AbiClient& client) {
    Calls calls(client);
    std::vector<ScanEntry> seen;
    ASSERT_EQ(calls.scan_all("", 100, SC_SCAN_VALUES, seen), SC_OK) << calls.error();
    int64_t bytes = 0;
    for (const auto& entry : seen) {
      ASSERT_TRUE(entry.value.has_value());
      EXPECT_TRUE(valid_value(*entry.value)) << entry.key;
      auto value = client.get(entry.key);
      ASSERT_TRUE(value.has_value()) << entry.key;
      EXPECT_TRUE(valid_value(*value)) << entry.key;
      bytes += static_cast<int64_t>(entry.key.size() + entry.value->size());
    }
    sc_stats stats = client.stats();
    EXPECT_EQ(stats.entries, static_cast<int64_t>(seen.size()));
    EXPECT_EQ(stats.bytes, bytes);
  }
};

TEST_F(Processes, MixedTrafficOnOverlappingKeys) {
  ASSERT_TRUE(open()->ok());  // create the file before the children race for it
  // Exit codes: 0 fine, 1 a value no writer wrote, 2 an unexpected status.
  std::vector<int> codes = testing::run_children(4, [&](int writer) {
    AbiClient client(SQLITE_PLUGIN_PATH, options());
    if (!client.ok()) return 3;
    Calls calls(client);
    std::mt19937 random(static_cast<unsigned>(writer) * 7919u + 1);
    for (uint32_t sequence = 0; sequence < 2500; ++sequence) {
      std::string key = "s:" + std::to_string(random() % 50);
      std::string value = encode_value(static_cast<uint32_t>(writer), sequence, random() % 3000);
      sc_status status = SC_OK;
      switch (random() % 10) {
        case 0:
        case 1:
        case 2:
        case 3: {
          auto got = client.get(key);
          status = client.last_status();
          if (got && !valid_value(*got)) return 1;
          break;
        }
        case 4:
        case 5:
        case 6:
          status = client.set(key, value);
          break;
        case 7:
          status = client.remove(key);
          break;
        case 8: {
          bool stored = false;
          status = calls.add(key, value, 0, stored).status;
          break;
        }
        default:
          status = calls.set_many({{key, value, 0}, {key + "x", value, 60'000}}).status;
          break;
      }
      if (status != SC_OK && status != SC_NOT_FOUND) {
        std::fprintf(stderr, "writer %d: status %d: %s %s\n", writer, status,
                     client.last_error().c_str(), calls.error().c_str());
        return 2;
      }
    }
    return 0;
  });
  EXPECT_EQ(codes, std::vector<int>(4, 0));
  auto client = open();
  expect_intact(*client);
}

TEST_F(Processes, AddHasExactlyOneWinnerAcrossProcesses) {
  ASSERT_TRUE(open()->ok());
  constexpr int kRounds = 150;
  // Each child reports the rounds it won through a pipe.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::vector<int> codes = testing::run_children(4, [&](int worker) {
    close(fds[0]);
    AbiClient client(SQLITE_PLUGIN_PATH, options());
    if (!client.ok()) return 3;
    Calls calls(client);
    for (int round = 0; round < kRounds; ++round) {
      bool stored = false;
      std::string value =
          encode_value(static_cast<uint32_t>(worker), static_cast<uint32_t>(round), 8);
      if (calls.add("lease:" + std::to_string(round), value, 0, stored) != SC_OK) return 2;
      if (stored) {
        int won[2] = {round, worker};
        if (write(fds[1], won, sizeof(won)) != sizeof(won)) return 4;
      }
    }
    return 0;
  });
  close(fds[1]);
  std::map<int, std::vector<int>> winners;
  int won[2];
  while (read(fds[0], won, sizeof(won)) == sizeof(won)) winners[won[0]].push_back(won[1]);
  close(fds[0]);
  EXPECT_EQ(codes, std::vector<int>(4, 0));
  ASSERT_EQ(winners.size(), static_cast<size_t>(kRounds));
  auto client = open();
  for (const auto& [round, who] : winners) {
    ASSERT_EQ(who.size(), 1u) << "round " << round;
    auto value = client->get("lease:" + std::to_string(round));
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(*value, encode_value(static_cast<uint32_t>(who[0]), static_cast<uint32_t>(round), 8));
  }
}

// Processes that open a database file nobody has created yet all start: the first one
// creates it, the others wait for it. SQLite answers a connection that read the empty
// file and then asks for the write lock (setting WAL mode) with an immediate "database is
// locked" instead of calling the busy handler; CI saw one such start fail in sitegen.
TEST_F(Processes, FirstOpensOfANewFileAllSucceed) {
  constexpr int kRounds = 40;
  constexpr int kOpeners = 4;
  for (int round = 0; round < kRounds; ++round) {
    Options round_options = options({{"location", path("fresh-" + std::to_string(round) + ".db")}});
    // Every child blocks on the pipe until the parent closes it, so the opens start together.
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::vector<int> codes = testing::run_children(
        kOpeners,
        [&](int opener) {
          close(gate[1]);
          char byte = 0;
          (void)read(gate[0], &byte, 1);
          AbiClient client(SQLITE_PLUGIN_PATH, round_options);
          if (!client.ok()) {
            std::fprintf(stderr, "round %d opener %d: %s\n", round, opener,
                         client.last_error().c_str());
            return 1;
          }
          return client.set("k" + std::to_string(opener), "v") == SC_OK ? 0 : 2;
        },
        [&] {
          close(gate[0]);
          close(gate[1]);
        });
    ASSERT_EQ(codes, std::vector<int>(kOpeners, 0)) << "round " << round;
  }
}

TEST_F(Processes, KilledWriterLeavesOnlyIntactEntries) {
  ASSERT_TRUE(open()->ok());
  for (int cycle = 0; cycle < 3; ++cycle) {
    // The writer signals once it is writing, so the kill always lands mid-stream, each
    // cycle after a different stretch of writing.
    testing::kill_mid_write(std::chrono::milliseconds(50 + 100 * cycle), [&](auto& ready) {
      AbiClient client(SQLITE_PLUGIN_PATH, options({{"max_entries", "150"}}));
      if (!client.ok()) _exit(3);
      Calls calls(client);
      std::mt19937 random(static_cast<unsigned>(cycle));
      for (uint32_t sequence = 0;; ++sequence) {
        if (sequence == 50) ready();
        std::string key = "c:" + std::to_string(random() % 200);
        size_t size = random() % 9000;
        if (sequence % 4 == 0) {
          std::vector<std::tuple<std::string, std::string, int64_t>> batch;
          for (uint32_t i = 0; i < 20; ++i) {
            batch.emplace_back("c:" + std::to_string(random() % 200),
                               encode_value(static_cast<uint32_t>(cycle), sequence * 100 + i, size),
                               0);
          }
          calls.set_many(batch);
        } else if (sequence % 7 == 0) {
          client.remove(key);
        } else {
          client.set(key, encode_value(static_cast<uint32_t>(cycle), sequence * 100, size));
        }
      }
    });
    if (HasFatalFailure()) return;

    {
      auto client = open(options({{"max_entries", "150"}}));  // recovers the WAL
      ASSERT_TRUE(client->ok()) << client->last_error();
      ASSERT_NO_FATAL_FAILURE(expect_intact(*client));
      EXPECT_GT(client->stats().entries, 0);
      EXPECT_LE(client->stats().entries, 150);
    }
    EXPECT_EQ(raw_sql(path("cache.db"), "PRAGMA integrity_check"), "ok");
  }
}

}  // namespace
}  // namespace sitecache::sqlite_test
