// max_entries / max_size eviction order, cull_frequency, stale temporary files, and
// garbled entry files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "file_test_support.hpp"

namespace sitecache::file_test {
namespace {

using namespace std::chrono_literals;

std::string key_of(int i) {
  return "lru:" + std::to_string(100 + i);
}

// Sets keys 0..count-1 (the last one with `last_ttl_ms`) and returns each key's file.
std::vector<fs::path> fill(AbiClient& cache, const fs::path& location, int count,
                           const std::string& value, int64_t last_ttl_ms = 0) {
  std::vector<fs::path> files;
  for (int i = 0; i < count; ++i) {
    auto before = entry_files(location);
    EXPECT_EQ(cache.set(key_of(i), value, i == count - 1 ? last_ttl_ms : 0), SC_OK);
    files.push_back(new_entry_file(location, before));
  }
  return files;
}

std::set<std::string> present(AbiClient& cache, int count) {
  std::set<std::string> keys;
  for (int i = 0; i < count; ++i) {
    if (cache.get(key_of(i))) keys.insert(key_of(i));
  }
  return keys;
}

TEST(FileLimits, EvictsExpiredFirstThenLeastRecentlyAccessed) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto cache = open_cache(location, {{"max_entries", "10"}, {"cull_frequency", "10"}});
  ASSERT_TRUE(cache->ok()) << cache->last_error();
  auto files = fill(*cache, location, 10, "v", /*last_ttl_ms=*/50);
  // Distinct ages, key 0 oldest; then reading keys 0..2 makes them the most recent.
  for (int i = 0; i < 10; ++i) set_age(files[i], 3600 - i * 60);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache->get(key_of(i)));
  std::this_thread::sleep_for(80ms);  // key 9 expires

  ASSERT_EQ(cache->set(key_of(10), "v"), SC_OK);  // 11 > 10: the expired one goes first
  EXPECT_FALSE(fs::exists(files[9]));
  EXPECT_EQ(entry_files(location).size(), 10u);
  EXPECT_EQ(cache->stats().evictions, 0);

  ASSERT_EQ(cache->set(key_of(11), "v"), SC_OK);  // 11 > 10 again: evict the LRU one
  std::set<std::string> expected;
  for (int i : {0, 1, 2, 4, 5, 6, 7, 8, 10, 11}) expected.insert(key_of(i));
  EXPECT_EQ(present(*cache, 12), expected);
  sc_stats stats = cache->stats();
  EXPECT_EQ(stats.entries, 10);
  EXPECT_EQ(stats.evictions, 1);
  EXPECT_EQ(stats.max_entries, 10);
}

TEST(FileLimits, CullFrequencyEvictsAFractionOldestFirst) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto cache = open_cache(location, {{"max_entries", "10"}, {"cull_frequency", "2"}});
  auto files = fill(*cache, location, 10, "v");
  for (int i = 0; i < 10; ++i) set_age(files[i], 1000 - i * 10);
  ASSERT_EQ(cache->set(key_of(10), "v"), SC_OK);  // 11 entries: cull 11 / 2 = 5
  std::set<std::string> expected;
  for (int i = 5; i <= 10; ++i) expected.insert(key_of(i));
  EXPECT_EQ(present(*cache, 11), expected);
  EXPECT_EQ(cache->stats().evictions, 5);
  EXPECT_EQ(cache->stats().entries, 6);
}

TEST(FileLimits, MaxSizeEvictsDownToTheLimitAndRejectsOversizedValues) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  // Each entry file is 40 (header) + 7 (key) + 1000 (value) = 1047 bytes: four fit.
  auto cache = open_cache(location, {{"max_size", "5000"}, {"cull_frequency", "100"}});
  std::string value(1000, 'v');
  auto files = fill(*cache, location, 4, value);
  for (int i = 0; i < 4; ++i) set_age(files[i], 500 - i * 10);
  ASSERT_TRUE(cache->get(key_of(0)));
  ASSERT_EQ(cache->set(key_of(4), value), SC_OK);
  std::set<std::string> expected{key_of(0), key_of(2), key_of(3), key_of(4)};
  EXPECT_EQ(present(*cache, 5), expected);
  sc_stats stats = cache->stats();
  EXPECT_EQ(stats.bytes, 4 * 1047);
  EXPECT_EQ(stats.max_bytes, 5000);

  EXPECT_EQ(cache->set("huge", std::string(6000, 'x')), SC_INVALID_ARGUMENT);
  EXPECT_NE(cache->last_error().find("max_size"), std::string::npos) << cache->last_error();
}

TEST(FileLimits, ConcurrentHandlesShareTheCounters) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto first = open_cache(location, {{"max_entries", "20"}});
  auto second = open_cache(location, {{"max_entries", "20"}});
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ((i % 2 ? *first : *second).set(key_of(i), "v"), SC_OK);
  }
  EXPECT_LE(entry_files(location).size(), 20u);
  EXPECT_EQ(first->stats().entries, static_cast<int64_t>(entry_files(location).size()));
}

TEST(FileLimits, StaleTemporaryFilesAreCleaned) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto cache = open_cache(location);
  ASSERT_EQ(cache->set("a", "v"), SC_OK);
  ASSERT_EQ(cache->set("b", "v"), SC_OK);
  auto files = entry_files(location);
  fs::path shard_a = files[0].parent_path();
  fs::path shard_b = files[1].parent_path();
  write_file(shard_a / ".tmp.4242.1.00000000deadbeef", "crashed writer");
  write_file(shard_a / ".tmp.4242.2.00000000cafebabe", "writer in flight");
  write_file(shard_b / ".tmp.4242.3.0000000012345678", "crashed writer");
  set_age(shard_a / ".tmp.4242.1.00000000deadbeef", 2 * 3600);
  set_age(shard_b / ".tmp.4242.3.0000000012345678", 2 * 3600);

  EXPECT_EQ(cache->keys().size(), 2u);  // a scan cleans as it goes
  EXPECT_EQ(temp_files(location), std::vector<fs::path>{shard_a / ".tmp.4242.2.00000000cafebabe"});

  // The maintenance pass cleans them too (forced here by losing the counters).
  write_file(shard_b / ".tmp.4242.4.0000000087654321", "crashed writer");
  set_age(shard_b / ".tmp.4242.4.0000000087654321", 2 * 3600);
  fs::remove(location / "sitecache-file.state");
  auto reopened = open_cache(location);
  ASSERT_EQ(reopened->set("c", "v"), SC_OK);
  EXPECT_FALSE(fs::exists(shard_b / ".tmp.4242.4.0000000087654321"));
  EXPECT_TRUE(fs::exists(shard_a / ".tmp.4242.2.00000000cafebabe"));
}

// A write that fails half-way (here: the file size limit, standing in for ENOSPC) is
// SC_IO with the system's reason, keeps the previous value, and leaves no temporary file.
TEST(FileLimits, FailedWriteIsIoAndLeavesTheOldValue) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  {
    auto cache = open_cache(location);
    ASSERT_EQ(cache->set("k", "old"), SC_OK);
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // In a child, so that the limit does not outlive this test.
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {
      64 * 1024, 64 * 1024
    };
    setrlimit(RLIMIT_FSIZE, &limit);
    auto cache = open_cache(location);
    sc_status status = cache->set("k", std::string(1 << 20, 'n'));
    bool ok = status == SC_IO && cache->last_error().find("File too large") != std::string::npos &&
              cache->last_error().find(location.string()) != std::string::npos;
    if (!ok) std::fprintf(stderr, "status %d: %s\n", status, cache->last_error().c_str());
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto cache = open_cache(location);
  EXPECT_EQ(cache->get("k"), std::optional<std::string>("old"));
  EXPECT_TRUE(temp_files(location).empty());
}

struct Damage {
  const char* name;
  std::string (*apply)(const std::string& original);
};

class FileGarbled : public ::testing::TestWithParam<Damage> {};

TEST_P(FileGarbled, ReadsAsMissAndIsRemoved) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto cache = open_cache(location);
  ASSERT_EQ(cache->set("bystander", "fine"), SC_OK);
  auto before = entry_files(location);
  ASSERT_EQ(cache->set("victim", binary_value(300, 1)), SC_OK);
  fs::path file = new_entry_file(location, before);
  ASSERT_FALSE(file.empty());
  write_file(file, GetParam().apply(read_file(file)));

  EXPECT_EQ(cache->get("victim"), std::nullopt);
  EXPECT_EQ(cache->last_status(), SC_NOT_FOUND);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_EQ(cache->get("bystander"), std::optional<std::string>("fine"));

  // Found by a scan instead: skipped and removed as well. (A keys-only scan checks headers
  // only; a values scan checks the value bytes too.)
  ASSERT_EQ(cache->set("victim", "again"), SC_OK);
  write_file(file, GetParam().apply(read_file(file)));
  auto scanned = scan_all(*cache, "", 10, SC_SCAN_VALUES);
  ASSERT_EQ(scanned.size(), 1u);
  EXPECT_EQ(scanned[0].key, "bystander");
  EXPECT_FALSE(fs::exists(file));
}

INSTANTIATE_TEST_SUITE_P(
    Damages, FileGarbled,
    ::testing::Values(
        Damage{"Empty", [](const std::string&) { return std::string(); }},
        Damage{"TruncatedHeader", [](const std::string& s) { return s.substr(0, 10); }},
        Damage{"TruncatedValue", [](const std::string& s) { return s.substr(0, s.size() - 1); }},
        Damage{"Extended", [](const std::string& s) { return s + "x"; }},
        Damage{"BadMagic", [](const std::string& s) { return "XXXX" + s.substr(4); }},
        Damage{"ExpiryFlipped",
               [](const std::string& s) {
                 std::string t = s;
                 t[9] = static_cast<char>(t[9] ^ 0x40);
                 return t;
               }},
        Damage{"ValueFlipped",
               [](const std::string& s) {
                 std::string t = s;
                 t[t.size() - 2] = static_cast<char>(t[t.size() - 2] ^ 1);
                 return t;
               }},
        Damage{"Zeroed", [](const std::string& s) { return std::string(s.size(), '\0'); }}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(FileGarbledKey, AnotherKeysFileUnderThisNameIsAMissNotItsValue) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto cache = open_cache(location);
  ASSERT_EQ(cache->set("one", "value of one"), SC_OK);
  fs::path one = entry_files(location).at(0);
  auto before = entry_files(location);
  ASSERT_EQ(cache->set("two", "value of two"), SC_OK);
  fs::path two = new_entry_file(location, before);
  fs::copy_file(one, two, fs::copy_options::overwrite_existing);  // as a digest collision would
  EXPECT_EQ(cache->get("two"), std::nullopt);
  EXPECT_EQ(cache->get("one"), std::optional<std::string>("value of one"));
  EXPECT_EQ(cache->remove("two"), SC_NOT_FOUND);
  EXPECT_TRUE(fs::exists(two));  // it is one's entry, not garbage
}

}  // namespace
}  // namespace sitecache::file_test
