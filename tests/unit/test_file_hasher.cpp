// FileHasher: unchanged files are not read again; fresh files are never trusted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "cache_fixture.hpp"
#include "sitecache/memoize.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;

class FileHasherTest : public testing::TempDirTest {
 protected:
  fs::path write(const std::string& name, const std::string& content) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  // ctime cannot be set back, so tests of the remembered path shorten the racy window
  // instead of ageing files.
  static constexpr std::chrono::milliseconds kNoWindow{0};
};

TEST_F(FileHasherTest, WarmLookupsDoNotReadUnchangedFiles) {
  fs::path a = write("a.md", "alpha");
  FileHasher hasher(dir_ / "state", kNoWindow);
  Digest first = hasher.digest(a).value();
  EXPECT_EQ(first, hash_bytes(std::string_view("alpha")));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(hasher.digest(a).value(), first);
  EXPECT_EQ(hasher.counters().hashed, 1u);
  EXPECT_EQ(hasher.counters().lookups, 6u);
}

TEST_F(FileHasherTest, TablePersistsAcrossProcessesAndIgnoresCorruption) {
  fs::path a = write("a.md", "alpha");
  {
    FileHasher hasher(dir_ / "state", kNoWindow);
    ASSERT_TRUE(hasher.digest(a).is_ok());
    ASSERT_TRUE(hasher.save().is_ok());
  }
  {
    FileHasher warm(dir_ / "state", kNoWindow);
    EXPECT_EQ(warm.digest(a).value(), hash_bytes(std::string_view("alpha")));
    EXPECT_EQ(warm.counters().hashed, 0u) << "the saved table should have been used";
  }
  // Damage every shard: each is ignored, never trusted.
  for (const fs::directory_entry& shard : fs::directory_iterator(dir_ / "state")) {
    std::string data;
    {
      std::ifstream in(shard.path(), std::ios::binary);
      data.assign(std::istreambuf_iterator<char>(in), {});
    }
    data[data.size() / 2] ^= 0x40;
    std::ofstream(shard.path(), std::ios::binary) << data;
  }
  FileHasher after(dir_ / "state", kNoWindow);
  EXPECT_EQ(after.digest(a).value(), hash_bytes(std::string_view("alpha")));
  EXPECT_EQ(after.counters().hashed, 1u);
}

// Two processes that each learn other files and save keep both: a save merges its changes
// into the shard as it is on disk.
TEST_F(FileHasherTest, ConcurrentSavesKeepEachOthersRecords) {
  std::vector<fs::path> files;
  for (int i = 0; i < 600; ++i) files.push_back(write("f" + std::to_string(i), "content " + std::to_string(i)));
  FileHasher first(dir_ / "state", kNoWindow);
  FileHasher second(dir_ / "state", kNoWindow);
  for (size_t i = 0; i < files.size(); ++i) {
    ASSERT_TRUE((i % 2 == 0 ? first : second).digest(files[i]).is_ok());
  }
  ASSERT_TRUE(first.save().is_ok());
  ASSERT_TRUE(second.save().is_ok());
  FileHasher warm(dir_ / "state", kNoWindow);
  for (const fs::path& file : files) ASSERT_TRUE(warm.digest(file).is_ok());
  EXPECT_EQ(warm.counters().hashed, 0u) << "a save dropped the other process's records";
}

// A table written by version 1 (one file at the state path) is replaced by the shards.
TEST_F(FileHasherTest, AnOlderSingleFileTableIsReplaced) {
  std::ofstream(dir_ / "state", std::ios::binary) << "SCSTAT\x01 an old table";
  fs::path a = write("a.md", "alpha");
  {
    FileHasher hasher(dir_ / "state", kNoWindow);
    ASSERT_TRUE(hasher.digest(a).is_ok());
    ASSERT_TRUE(hasher.save().is_ok());
  }
  EXPECT_TRUE(fs::is_directory(dir_ / "state"));
  FileHasher warm(dir_ / "state", kNoWindow);
  ASSERT_TRUE(warm.digest(a).is_ok());
  EXPECT_EQ(warm.counters().hashed, 0u);
}

TEST_F(FileHasherTest, RecentlyModifiedFilesAreNeverTrusted) {
  fs::path fresh = write("fresh.md", "one");
  FileHasher hasher(dir_ / "state");
  EXPECT_EQ(hasher.digest(fresh).value(), hash_bytes(std::string_view("one")));
  // Same size, same second: a stat-only check could not tell; the hasher reads again.
  std::ofstream(fresh, std::ios::binary) << "two";
  EXPECT_EQ(hasher.digest(fresh).value(), hash_bytes(std::string_view("two")));
  EXPECT_EQ(hasher.counters().hashed, 2u);
}

TEST_F(FileHasherTest, ChangesAreSeen) {
  fs::path a = write("a.md", "alpha");
  FileHasher hasher(dir_ / "state", kNoWindow);
  ASSERT_TRUE(hasher.digest(a).is_ok());
  const fs::file_time_type before = fs::last_write_time(a);
  write("a.md", "alphb");  // same size
  // A later mtime, set rather than waited for: the file system's clock is coarse.
  fs::last_write_time(a, before + std::chrono::seconds(1));
  EXPECT_EQ(hasher.digest(a).value(), hash_bytes(std::string_view("alphb")));
  EXPECT_EQ(hasher.digest(dir_ / "missing").status().code(), StatusCode::not_found);
}

}  // namespace
}  // namespace sitecache
