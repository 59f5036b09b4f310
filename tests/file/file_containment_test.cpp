// Nothing is ever read through, followed into or written outside the location: hostile
// keys, and symlinks (or hard links, FIFOs) planted inside the location.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "file_test_support.hpp"

namespace sitecache::file_test {
namespace {

// Every file below `root` (not following symlinks) with its content or link target.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    std::string name = fs::relative(it->path(), root).string();
    if (it->is_symlink()) {
      files[name] = "-> " + fs::read_symlink(it->path()).string();
    } else if (it->is_regular_file()) {
      files[name] = read_file(it->path());
    } else {
      files[name] = "<dir>";
    }
  }
  return files;
}

class FileContainment : public ::testing::Test {
 protected:
  void SetUp() override {
    location_ = dir_.path() / "cache";
    outside_ = dir_.path() / "outside";
    fs::create_directories(outside_);
    write_file(outside_ / "secret", "do not touch");
    cache_ = open_cache(location_);
    ASSERT_TRUE(cache_->ok()) << cache_->last_error();
  }

  // Sets `key` to `value` and returns its entry file.
  fs::path store(const std::string& key, const std::string& value) {
    auto before = entry_files(location_);
    EXPECT_EQ(cache_->set(key, value), SC_OK);
    return new_entry_file(location_, before);
  }

  ScratchDir dir_;
  fs::path location_;
  fs::path outside_;
  std::unique_ptr<AbiClient> cache_;
};

TEST_F(FileContainment, HostileKeysStayInside) {
  auto outside_before = snapshot(outside_);
  std::vector<std::string> keys = {
      "../../etc/x", "../outside/secret", "/etc/passwd", ".",   "..",
      "a/b/c",       "%2e%2e%2f",         "~root",       "CON", std::string(250, '/')};
  for (const auto& key : keys) ASSERT_EQ(cache_->set(key, "v:" + key), SC_OK) << key;
  for (const auto& key : keys) EXPECT_EQ(cache_->get(key), std::optional("v:" + key)) << key;
  EXPECT_EQ(entry_files(location_).size(), keys.size());
  EXPECT_EQ(snapshot(outside_), outside_before);
  std::vector<std::string> top;
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    top.push_back(entry.path().filename().string());
  }
  std::sort(top.begin(), top.end());
  EXPECT_EQ(top, (std::vector<std::string>{"cache", "outside"}));
  EXPECT_EQ(cache_->keys().size(), keys.size());
}

// A shard directory (level 1 or level 2) replaced by a symlink to a directory outside
// that holds a valid-looking entry for the key.
class FileSymlinkedShard : public FileContainment, public ::testing::WithParamInterface<int> {};

TEST_P(FileSymlinkedShard, IsNeverFollowedAndGetsReplaced) {
  fs::path file = store("key", "inside");
  fs::path level = GetParam() == 1 ? file.parent_path().parent_path() : file.parent_path();
  fs::path decoy = outside_ / "decoy";
  fs::create_directories(decoy / "x");
  fs::path decoy_file = GetParam() == 1 ? decoy / file.parent_path().filename() / file.filename()
                                        : decoy / file.filename();
  fs::create_directories(decoy_file.parent_path());
  fs::copy_file(file, decoy_file);
  fs::remove_all(level);
  fs::create_directory_symlink(decoy, level);
  auto outside_before = snapshot(outside_);

  EXPECT_EQ(cache_->get("key"), std::nullopt);
  EXPECT_EQ(Calls(*cache_).touch("key", 1000), SC_NOT_FOUND);
  EXPECT_EQ(cache_->remove("key"), SC_NOT_FOUND);
  EXPECT_TRUE(cache_->keys().empty());
  EXPECT_EQ(Calls(*cache_).clear(""), SC_OK);
  EXPECT_EQ(snapshot(outside_), outside_before);

  ASSERT_EQ(cache_->set("key", "new"), SC_OK);
  EXPECT_EQ(snapshot(outside_), outside_before);
  EXPECT_FALSE(fs::is_symlink(level));
  EXPECT_TRUE(fs::is_directory(level));
  EXPECT_EQ(cache_->get("key"), std::optional<std::string>("new"));

  // add through a freshly planted symlink replaces it as well.
  fs::remove_all(level);
  fs::create_directory_symlink(decoy, level);
  bool stored = false;
  ASSERT_EQ(Calls(*cache_).add("key", "added", 0, stored), SC_OK);
  EXPECT_TRUE(stored);
  EXPECT_EQ(snapshot(outside_), outside_before);
  EXPECT_EQ(cache_->get("key"), std::optional<std::string>("added"));
}

INSTANTIATE_TEST_SUITE_P(Levels, FileSymlinkedShard, ::testing::Values(1, 2));

TEST_F(FileContainment, SymlinkedEntryFileIsNeverFollowedOrWrittenThrough) {
  fs::path file = store("key", "inside");
  fs::copy_file(file, outside_ / "target");  // a valid entry for "key", outside
  fs::remove(file);
  fs::create_symlink(outside_ / "target", file);
  auto outside_before = snapshot(outside_);

  EXPECT_EQ(cache_->get("key"), std::nullopt);
  EXPECT_EQ(Calls(*cache_).touch("key", 1000), SC_NOT_FOUND);
  EXPECT_EQ(cache_->remove("key"), SC_NOT_FOUND);
  EXPECT_TRUE(cache_->keys().empty());
  ASSERT_EQ(cache_->set("key", "new"), SC_OK);
  EXPECT_FALSE(fs::is_symlink(file));
  EXPECT_EQ(cache_->get("key"), std::optional<std::string>("new"));
  EXPECT_EQ(snapshot(outside_), outside_before);

  fs::remove(file);
  fs::create_symlink(outside_ / "secret", file);
  bool stored = false;
  ASSERT_EQ(Calls(*cache_).add("key", "added", 0, stored), SC_OK);
  EXPECT_TRUE(stored);
  EXPECT_FALSE(fs::is_symlink(file));
  EXPECT_EQ(snapshot(outside_), outside_before);
}

TEST_F(FileContainment, HardLinkedEntryIsReplacedNeverWrittenInto) {
  fs::path file = store("key", "inside");
  fs::copy_file(file, outside_ / "target");
  fs::remove(file);
  fs::create_hard_link(outside_ / "target", file);
  auto outside_before = snapshot(outside_);
  EXPECT_EQ(cache_->get("key"), std::optional<std::string>("inside"));
  EXPECT_EQ(Calls(*cache_).touch("key", 60'000), SC_OK);
  ASSERT_EQ(cache_->set("key", "new"), SC_OK);
  EXPECT_EQ(cache_->get("key"), std::optional<std::string>("new"));
  EXPECT_EQ(snapshot(outside_), outside_before);
}

TEST_F(FileContainment, FifoInPlaceOfEntryIsAMissWithoutBlocking) {
  fs::path file = store("key", "inside");
  fs::remove(file);
  ASSERT_EQ(mkfifo(file.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(cache_->get("key"), std::nullopt);
  EXPECT_TRUE(cache_->keys().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(cache_->set("key", "new"), SC_OK);
  EXPECT_EQ(cache_->get("key"), std::optional<std::string>("new"));
}

TEST_F(FileContainment, SymlinkedStateAndLockFilesAreNotFollowed) {
  ScratchDir other;
  fs::path location = other.path() / "cache";
  fs::create_directories(location);
  fs::create_symlink(outside_ / "secret", location / "sitecache-file.state");
  fs::create_symlink(outside_ / "secret", location / "sitecache-file.lock");
  auto outside_before = snapshot(outside_);
  auto cache = open_cache(location, {{"max_entries", "2"}});
  ASSERT_TRUE(cache->ok()) << cache->last_error();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(cache->set("k" + std::to_string(i), "v"), SC_OK);
  EXPECT_EQ(cache->stats().max_entries, 2);
  EXPECT_LE(entry_files(location).size(), 2u);
  EXPECT_EQ(snapshot(outside_), outside_before);
}

TEST_F(FileContainment, SymlinkedLocationIsResolvedOnceAtCreate) {
  fs::path real = dir_.path() / "real";
  fs::path link = dir_.path() / "link";
  fs::create_directories(real);
  fs::create_directory_symlink(real, link);
  auto cache = open_cache(link);
  ASSERT_EQ(cache->set("a", "v"), SC_OK);
  EXPECT_EQ(entry_files(real).size(), 1u);

  // Re-pointing the link later does not move the open cache.
  fs::remove(link);
  fs::create_directory_symlink(outside_, link);
  auto outside_before = snapshot(outside_);
  ASSERT_EQ(cache->set("b", "v"), SC_OK);
  EXPECT_EQ(cache->get("a"), std::optional<std::string>("v"));
  EXPECT_EQ(entry_files(real).size(), 2u);
  EXPECT_EQ(snapshot(outside_), outside_before);
}

}  // namespace
}  // namespace sitecache::file_test
