// The file backend's operations through the real .so: round trips, expiry, touch, add,
// clear, scan, stats, options, permissions, read-only mode.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "file_test_support.hpp"

namespace sitecache::file_test {
namespace {

using namespace std::chrono_literals;

class FileBasic : public ::testing::Test {
 protected:
  void SetUp() override {
    location_ = dir_.path() / "cache";
    cache_ = open_cache(location_);
    ASSERT_TRUE(cache_->ok()) << cache_->last_error();
  }
  ScratchDir dir_;
  fs::path location_;
  std::unique_ptr<AbiClient> cache_;
};

std::string hex_key(int i) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "sc:1:%032x", i * 2654435761u);
  return buffer;
}

TEST_F(FileBasic, DeclaresItsCapabilities) {
  uint64_t caps = cache_->plugin().capabilities;
  for (uint64_t bit :
       {SC_CAP_THREAD_SAFE, SC_CAP_PERSISTENT, SC_CAP_SHARED, SC_CAP_NATIVE_TTL, SC_CAP_GET_MANY,
        SC_CAP_SET_MANY, SC_CAP_TOUCH, SC_CAP_CLEAR, SC_CAP_SCAN, SC_CAP_STATS, SC_CAP_ADD}) {
    EXPECT_NE(caps & bit, 0u) << bit;
  }
  EXPECT_STREQ(cache_->plugin().name, "file");
}

TEST_F(FileBasic, RoundTripsEmptySmallAndLargeBinaryValues) {
  std::string large = binary_value(3 * 1024 * 1024 + 17, 7);
  std::string with_nul("a\0b\xff", 4);
  ASSERT_EQ(cache_->set("empty", ""), SC_OK);
  ASSERT_EQ(cache_->set("small", with_nul), SC_OK);
  ASSERT_EQ(cache_->set(hex_key(1), large), SC_OK);
  EXPECT_EQ(cache_->get("empty"), std::optional<std::string>(""));
  EXPECT_EQ(cache_->get("small"), std::optional<std::string>(with_nul));
  EXPECT_EQ(cache_->get(hex_key(1)), std::optional<std::string>(large));
  EXPECT_EQ(cache_->get("absent"), std::nullopt);
  EXPECT_EQ(cache_->last_status(), SC_NOT_FOUND);

  // Persistent: a second handle (as another process would) sees the same entries.
  auto other = open_cache(location_);
  EXPECT_EQ(other->get(hex_key(1)), std::optional<std::string>(large));
}

TEST_F(FileBasic, OverwriteAndRemove) {
  ASSERT_EQ(cache_->set("k", "one"), SC_OK);
  ASSERT_EQ(cache_->set("k", "two, longer"), SC_OK);
  EXPECT_EQ(cache_->get("k"), std::optional<std::string>("two, longer"));
  EXPECT_EQ(entry_files(location_).size(), 1u);
  EXPECT_EQ(cache_->remove("k"), SC_OK);
  EXPECT_EQ(cache_->remove("k"), SC_NOT_FOUND);
  EXPECT_EQ(cache_->get("k"), std::nullopt);
  EXPECT_TRUE(entry_files(location_).empty());
}

TEST_F(FileBasic, RejectsBadKeysAndTtl) {
  EXPECT_EQ(cache_->set("", "v"), SC_INVALID_ARGUMENT);
  EXPECT_EQ(cache_->set(std::string(251, 'k'), "v"), SC_INVALID_ARGUMENT);
  EXPECT_EQ(cache_->set("has space", "v"), SC_INVALID_ARGUMENT);
  EXPECT_EQ(cache_->set("k", "v", -1), SC_INVALID_ARGUMENT);
  EXPECT_EQ(cache_->set(std::string(250, 'k'), "v"), SC_OK);
  EXPECT_EQ(cache_->get(std::string(250, 'k')), std::optional<std::string>("v"));
}

TEST_F(FileBasic, EntriesExpire) {
  // Generous lifetimes: the first reads must land before expiry even on a loaded machine.
  ASSERT_EQ(cache_->set("short", "v", 400), SC_OK);
  ASSERT_EQ(cache_->set("long", "v", 60'000), SC_OK);
  ASSERT_EQ(cache_->set("never", "v", 0), SC_OK);
  EXPECT_EQ(cache_->get("short"), std::optional<std::string>("v"));
  std::this_thread::sleep_for(420ms);  // the plugin's own wall-clock TTL has no seam
  EXPECT_EQ(cache_->get("short"), std::nullopt);
  EXPECT_EQ(cache_->get("long"), std::optional<std::string>("v"));
  EXPECT_EQ(cache_->get("never"), std::optional<std::string>("v"));
  EXPECT_EQ(Calls(*cache_).touch("short", 1000), SC_NOT_FOUND);
  std::set<std::string> listed;
  for (const auto& item : scan_all(*cache_, "", 100)) listed.insert(item.key);
  EXPECT_EQ(listed, (std::set<std::string>{"long", "never"}));
}

TEST_F(FileBasic, TouchChangesExpiry) {
  ASSERT_EQ(cache_->set("a", "va", 400), SC_OK);
  ASSERT_EQ(cache_->set("b", "vb", 400), SC_OK);
  EXPECT_EQ(Calls(*cache_).touch("a", 60'000), SC_OK);
  EXPECT_EQ(Calls(*cache_).touch("b", 0), SC_OK);  // no expiry at all
  EXPECT_EQ(Calls(*cache_).touch("missing", 1000), SC_NOT_FOUND);
  std::this_thread::sleep_for(420ms);  // the plugin's own wall-clock TTL has no seam
  EXPECT_EQ(cache_->get("a"), std::optional<std::string>("va"));
  EXPECT_EQ(cache_->get("b"), std::optional<std::string>("vb"));
  for (const auto& item : scan_all(*cache_, "", 10)) {
    if (item.key == "b") {
      EXPECT_EQ(item.expires_ms, 0);
    } else {
      EXPECT_GT(item.expires_ms, 0);
    }
  }
  EXPECT_EQ(Calls(*cache_).touch("a", 30), SC_OK);
  std::this_thread::sleep_for(50ms);  // the plugin's own wall-clock TTL has no seam
  EXPECT_EQ(cache_->get("a"), std::nullopt);
}

TEST_F(FileBasic, AddStoresOnlyWhenAbsentOrExpired) {
  bool stored = false;
  ASSERT_EQ(Calls(*cache_).add("lease", "first", 0, stored), SC_OK);
  EXPECT_TRUE(stored);
  ASSERT_EQ(Calls(*cache_).add("lease", "second", 0, stored), SC_OK);
  EXPECT_FALSE(stored);
  EXPECT_EQ(cache_->get("lease"), std::optional<std::string>("first"));

  ASSERT_EQ(cache_->set("old", "stale", 30), SC_OK);
  std::this_thread::sleep_for(50ms);  // the plugin's own wall-clock TTL has no seam
  ASSERT_EQ(Calls(*cache_).add("old", "fresh", 0, stored), SC_OK);
  EXPECT_TRUE(stored);
  EXPECT_EQ(cache_->get("old"), std::optional<std::string>("fresh"));
  EXPECT_EQ(entry_files(location_).size(), 2u);
  EXPECT_TRUE(temp_files(location_).empty());
}

TEST_F(FileBasic, ClearIsScopedToPrefix) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(cache_->set("blog:1:" + std::to_string(i), "v"), SC_OK);
    ASSERT_EQ(cache_->set("docs:1:" + std::to_string(i), "v"), SC_OK);
  }
  ASSERT_EQ(cache_->set("blog", "not under blog:"), SC_OK);
  EXPECT_EQ(Calls(*cache_).clear("blog:"), SC_OK);
  EXPECT_TRUE(cache_->keys("blog:").empty());
  EXPECT_EQ(cache_->keys("docs:").size(), 20u);
  EXPECT_EQ(cache_->get("blog"), std::optional<std::string>("not under blog:"));
  EXPECT_EQ(Calls(*cache_).clear(""), SC_OK);
  EXPECT_TRUE(cache_->keys().empty());
  EXPECT_TRUE(entry_files(location_).empty());
}

TEST_F(FileBasic, ScanResumesWithCursorAndFiltersByPrefix) {
  std::set<std::string> expected;
  std::map<std::string, std::string> values;
  for (int i = 0; i < 300; ++i) {
    std::string key = (i % 3 == 0 ? "img:" : "page:") + hex_key(i);
    values[key] = "value-" + std::to_string(i);
    ASSERT_EQ(cache_->set(key, values[key]), SC_OK);
    if (i % 3 == 0) expected.insert(key);
  }
  ASSERT_EQ(cache_->set("../../odd/key", "odd"), SC_OK);

  int calls = 0;
  std::vector<ScanEntry> items = scan_all(*cache_, "img:", 7, SC_SCAN_KEYS, &calls);
  std::set<std::string> seen;
  for (const auto& item : items) {
    EXPECT_TRUE(item.key.starts_with("img:"));
    EXPECT_FALSE(item.value.has_value());
    EXPECT_EQ(item.value_size, static_cast<int64_t>(values[item.key].size()));
    EXPECT_GT(item.last_access_ms, 0);
    seen.insert(item.key);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_GT(calls, 3);  // it really came in batches

  // Values mode returns the stored bytes; a full scan recovers every original key.
  std::map<std::string, std::string> all;
  for (const auto& item : scan_all(*cache_, "", 1000, SC_SCAN_VALUES)) {
    ASSERT_TRUE(item.value.has_value());
    all[item.key] = *item.value;
  }
  EXPECT_EQ(all.size(), 301u);
  EXPECT_EQ(all["../../odd/key"], "odd");
  EXPECT_EQ(all["img:" + hex_key(3)], "value-3");
}

TEST_F(FileBasic, ScanStoppedByVisitorResumesWithoutLosingEntries) {
  for (int i = 0; i < 50; ++i) ASSERT_EQ(cache_->set(hex_key(i), "v"), SC_OK);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    std::vector<ScanEntry> page;
    ASSERT_EQ(Calls(*cache_).scan_once("", cursor, 100, SC_SCAN_KEYS, page, /*stop_after=*/3),
              SC_OK);
    for (const auto& item : page) seen.insert(item.key);
    ASSERT_LT(++calls, 1000);
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 50u);
  uint64_t bad_cursor = 1u << 20;
  std::vector<ScanEntry> none;
  EXPECT_EQ(Calls(*cache_).scan_once("", bad_cursor, 10, SC_SCAN_KEYS, none), SC_INVALID_ARGUMENT);
}

TEST_F(FileBasic, ManyCallsAndStats) {
  std::vector<testing::Item> items;
  for (int i = 0; i < 10; ++i) items.push_back({hex_key(i), std::string(100, 'x'), 0});
  ASSERT_EQ(Calls(*cache_).set_many(items), SC_OK);
  std::map<size_t, std::string> found;
  EXPECT_EQ(Calls(*cache_).get_many({hex_key(0), "missing", hex_key(9)}, found), SC_OK);
  EXPECT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], std::string(100, 'x'));
  EXPECT_EQ(found.count(1), 0u);

  sc_stats stats = cache_->stats();
  ASSERT_EQ(cache_->last_status(), SC_OK);
  EXPECT_EQ(stats.entries, 10);
  EXPECT_GE(stats.bytes, 10 * (100 + 37));  // values plus keys plus headers
  EXPECT_EQ(stats.max_entries, -1);
  EXPECT_EQ(stats.max_bytes, -1);
  EXPECT_EQ(stats.evictions, 0);
  ASSERT_EQ(cache_->remove(hex_key(0)), SC_OK);
  EXPECT_EQ(cache_->stats().entries, 9);

  // The counters are rebuilt when their file is lost.
  fs::remove(location_ / "sitecache-file.state");
  auto fresh = open_cache(location_, {{"max_entries", "100"}, {"max_size", "100000"}});
  stats = fresh->stats();
  EXPECT_EQ(stats.entries, 9);
  EXPECT_EQ(stats.max_entries, 100);
  EXPECT_EQ(stats.max_bytes, 100000);
}

TEST_F(FileBasic, CreatesPrivateDirectoriesAndFiles) {
  ASSERT_EQ(cache_->set(hex_key(5), "v"), SC_OK);
  EXPECT_EQ(mode_of(location_), 0700u);
  fs::path file = entry_files(location_).at(0);
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
  EXPECT_EQ(mode_of(file.parent_path().parent_path()), 0700u);
  EXPECT_EQ(file.parent_path().parent_path().parent_path(), location_);
  EXPECT_EQ(mode_of(location_ / "sitecache-file.state"), 0600u);
}

TEST(FileOptions, RejectsUnknownAndBadOptions) {
  ScratchDir dir;
  auto unknown = open_cache(dir.path(), {{"colour", "blue"}});
  EXPECT_EQ(unknown->last_status(), SC_INVALID_ARGUMENT);
  EXPECT_NE(unknown->last_error().find("colour"), std::string::npos) << unknown->last_error();
  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"max_entries", "-1"},
                                                        {"max_size", "lots"},
                                                        {"cull_frequency", "-1"},
                                                        {"read_only", "maybe"},
                                                        {"fsync", "2"},
                                                        {"location", ""}}) {
    OptionMap options{{key, value}};
    auto client = key == "location" ? std::make_unique<AbiClient>(FILE_PLUGIN_PATH, options)
                                    : open_cache(dir.path(), options);
    EXPECT_EQ(client->last_status(), SC_INVALID_ARGUMENT) << key << "=" << value;
  }
  auto ok = open_cache(dir.path(), {{"cache_name", "default"}, {"fsync", "true"}});
  EXPECT_TRUE(ok->ok()) << ok->last_error();
  EXPECT_EQ(ok->set("k", "v"), SC_OK);
  EXPECT_EQ(ok->get("k"), std::optional<std::string>("v"));
}

TEST(FileOptions, RelativeLocationResolvesAgainstBaseDir) {
  ScratchDir dir;
  AbiClient client(FILE_PLUGIN_PATH, {{"location", "nested/cache"}, {"base_dir", dir.path()}});
  ASSERT_TRUE(client.ok()) << client.last_error();
  ASSERT_EQ(client.set("k", "v"), SC_OK);
  EXPECT_EQ(entry_files(dir.path() / "nested" / "cache").size(), 1u);
  EXPECT_EQ(mode_of(dir.path() / "nested"), 0700u);

  AbiClient fallback(FILE_PLUGIN_PATH, {{"base_dir", dir.path()}});
  ASSERT_TRUE(fallback.ok()) << fallback.last_error();
  ASSERT_EQ(fallback.set("k", "v"), SC_OK);
  EXPECT_EQ(entry_files(dir.path() / ".sitecache" / "files").size(), 1u);
}

TEST(FileOptions, UnwritableLocationFailsWithIoNamingThePath) {
  ScratchDir dir;
  write_file(dir.path() / "plain-file", "not a directory");
  fs::path location = dir.path() / "plain-file" / "cache";
  auto client = open_cache(location);
  EXPECT_FALSE(client->ok());
  EXPECT_EQ(client->last_status(), SC_IO);
  EXPECT_NE(client->last_error().find(location.string()), std::string::npos)
      << client->last_error();
  EXPECT_NE(client->last_error().find("Not a directory"), std::string::npos)
      << client->last_error();
}

TEST(FileOptions, ReadOnlyReadsButNeverWrites) {
  ScratchDir dir;
  fs::path location = dir.path() / "cache";
  auto missing = open_cache(location, {{"read_only", "true"}});
  ASSERT_TRUE(missing->ok()) << missing->last_error();
  EXPECT_EQ(missing->get("k"), std::nullopt);
  EXPECT_TRUE(missing->keys().empty());
  EXPECT_FALSE(fs::exists(location));

  auto writer = open_cache(location);
  ASSERT_EQ(writer->set("k", "v"), SC_OK);
  ASSERT_EQ(writer->set("gone", "v", 20), SC_OK);
  std::this_thread::sleep_for(40ms);  // the plugin's own wall-clock TTL has no seam
  auto reader = open_cache(location, {{"read_only", "true"}});
  ASSERT_TRUE(reader->ok());
  EXPECT_EQ(reader->get("k"), std::optional<std::string>("v"));
  EXPECT_EQ(reader->set("k", "w"), SC_UNSUPPORTED);
  EXPECT_EQ(reader->remove("k"), SC_UNSUPPORTED);
  EXPECT_EQ(Calls(*reader).clear(""), SC_UNSUPPORTED);
  bool stored = true;
  EXPECT_EQ(Calls(*reader).add("new", "v", 0, stored), SC_UNSUPPORTED);
  EXPECT_EQ(Calls(*reader).touch("k", 10), SC_UNSUPPORTED);
  EXPECT_EQ(reader->keys(), std::vector<std::string>{"k"});
  EXPECT_EQ(entry_files(location).size(), 2u);  // the expired one is not removed either
  EXPECT_EQ(writer->get("k"), std::optional<std::string>("v"));
}

}  // namespace
}  // namespace sitecache::file_test
