// The database file: options, locations, damaged and foreign files, read-only use.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "support.hpp"

namespace sitecache::sqlite_test {
namespace {

namespace fs = std::filesystem;

class Files : public SqliteTest {
 protected:
  // A database with `count` entries of `value_size` bytes, closed (so checkpointed).
  void populate(int count, size_t value_size) {
    {
      auto client = open();
      ASSERT_TRUE(client->ok()) << client->last_error();
      for (int i = 0; i < count; ++i) {
        ASSERT_EQ(client->set("e:" + std::to_string(i), std::string(value_size, 'v')), SC_OK);
      }
    }
    // The plugin leaves its WAL for the next process (no checkpoint on close). Fold it into
    // the file, as any later automatic checkpoint does, so that damaging the file damages
    // the data.
    raw_sql(path("cache.db"), "PRAGMA wal_checkpoint(TRUNCATE)");
  }
  // Overwrites bytes [from, end of file) with 0xA5: never a valid b-tree page.
  void damage_from(size_t from) {
    std::string bytes = read_file(path("cache.db"));
    ASSERT_GT(bytes.size(), from);
    std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end(), '\xA5');
    write_file(path("cache.db"), bytes);
  }
};

TEST_F(Files, RejectsUnknownAndMalformedOptions) {
  auto unknown = open(options({{"bogus", "1"}}));
  EXPECT_FALSE(unknown->ok());
  EXPECT_EQ(unknown->last_status(), SC_INVALID_ARGUMENT);
  EXPECT_NE(unknown->last_error().find("bogus"), std::string::npos) << unknown->last_error();
  EXPECT_NE(unknown->last_error().find("busy_timeout_ms"), std::string::npos);

  for (Options bad : {Options{{"max_entries", "ten"}}, Options{{"max_size", "-1"}},
                      Options{{"busy_timeout_ms", "1.5"}}, Options{{"synchronous", "extra"}},
                      Options{{"on_corrupt", "ignore"}}, Options{{"read_only", "maybe"}},
                      Options{{"location", ""}}}) {
    auto client = open(options(bad));
    EXPECT_EQ(client->last_status(), SC_INVALID_ARGUMENT) << bad.begin()->first;
  }
  auto good = open(options({{"busy_timeout_ms", "100"},
                            {"mmap_size", "0"},
                            {"synchronous", "full"},
                            {"on_corrupt", "recreate"},
                            {"cache_name", "default"},
                            {"read_only", "false"}}));
  EXPECT_TRUE(good->ok()) << good->last_error();
}

TEST_F(Files, RelativeLocationUsesBaseDirAndCreatesParents) {
  auto client = open({{"location", "deep/er/cache.db"}, {"base_dir", dir()}});
  ASSERT_TRUE(client->ok()) << client->last_error();
  ASSERT_EQ(client->set("k", "v"), SC_OK);
  EXPECT_TRUE(fs::exists(path("deep/er/cache.db")));

  auto fallback = open({{"base_dir", dir()}});
  ASSERT_TRUE(fallback->ok()) << fallback->last_error();
  EXPECT_TRUE(fs::exists(path(".sitecache/cache.db")));
}

TEST_F(Files, UnusableLocationIsAnIoError) {
  write_file(path("blocker"), "a regular file");
  auto client = open({{"location", path("blocker/cache.db")}});
  EXPECT_EQ(client->last_status(), SC_IO);
  EXPECT_NE(client->last_error().find(path("blocker/cache.db")), std::string::npos)
      << client->last_error();

  fs::create_directory(path("a_dir"));
  auto directory = open({{"location", path("a_dir")}});
  EXPECT_EQ(directory->last_status(), SC_INVALID_ARGUMENT) << directory->last_error();
}

TEST_F(Files, NotADatabaseIsCorruption) {
  std::string text(8192, 'n');
  write_file(path("cache.db"), text);
  auto client = open();
  EXPECT_EQ(client->last_status(), SC_CORRUPTION);
  EXPECT_NE(client->last_error().find(path("cache.db")), std::string::npos) << client->last_error();
  EXPECT_NE(client->last_error().find("on_corrupt"), std::string::npos);
  EXPECT_EQ(read_file(path("cache.db")), text);  // left untouched
}

TEST_F(Files, DamagedDatabaseIsCorruption) {
  populate(50, 100);
  damage_from(100);  // keep the 100-byte header, destroy every page
  auto client = open();
  EXPECT_EQ(client->last_status(), SC_CORRUPTION) << client->last_error();
  EXPECT_NE(client->last_error().find(path("cache.db")), std::string::npos) << client->last_error();
}

TEST_F(Files, RecreateMovesTheBadFileAside) {
  std::string text(5000, 'n');
  write_file(path("cache.db"), text);
  auto client = open(options({{"on_corrupt", "recreate"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  EXPECT_EQ(client->get("k"), std::nullopt);
  ASSERT_EQ(client->set("k", "v"), SC_OK) << client->last_error();
  EXPECT_EQ(client->get("k"), "v");
  auto aside = files_starting_with(dir(), "cache.db.corrupt-");
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_EQ(read_file(path(aside[0])), text);
}

TEST_F(Files, CorruptionFoundLaterIsReportedAndCanBeRecreated) {
  populate(300, 1000);
  damage_from(fs::file_size(path("cache.db")) / 2);  // leaf pages; roots stay readable
  {
    auto client = open();
    ASSERT_TRUE(client->ok()) << client->last_error();
    int corrupt = 0;
    for (int i = 0; i < 300; ++i) {
      client->get("e:" + std::to_string(i));
      sc_status status = client->last_status();
      ASSERT_TRUE(status == SC_OK || status == SC_CORRUPTION) << status;
      if (status == SC_CORRUPTION) {
        ++corrupt;
        EXPECT_NE(client->last_error().find(path("cache.db")), std::string::npos)
            << client->last_error();
      }
    }
    EXPECT_GT(corrupt, 0);
  }
  auto client = open(options({{"on_corrupt", "recreate"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  client->get("e:299");
  EXPECT_EQ(client->last_status(), SC_CORRUPTION);
  EXPECT_NE(client->last_error().find("moved it aside"), std::string::npos) << client->last_error();
  // One database moved aside (its WAL, left for the next process, goes along with it).
  std::vector<std::string> aside = files_starting_with(dir(), "cache.db.corrupt-");
  std::erase_if(aside, [](const std::string& name) { return name.ends_with("-wal"); });
  EXPECT_EQ(aside.size(), 1u);
  ASSERT_EQ(client->set("fresh", "v"), SC_OK) << client->last_error();
  EXPECT_EQ(client->get("fresh"), "v");
  EXPECT_EQ(client->stats().entries, 1);
}

TEST_F(Files, NewerSchemaVersionIsRefused) {
  populate(1, 1);
  raw_sql(path("cache.db"), "UPDATE meta SET value = 99 WHERE key = 'schema_version'");
  auto client = open();
  EXPECT_EQ(client->last_status(), SC_UNSUPPORTED);
  EXPECT_NE(client->last_error().find("99"), std::string::npos) << client->last_error();
}

TEST_F(Files, ForeignDatabaseIsLeftAlone) {
  raw_sql(path("cache.db"), "CREATE TABLE users (name TEXT)");
  auto client = open(options({{"on_corrupt", "recreate"}}));
  EXPECT_EQ(client->last_status(), SC_INVALID_ARGUMENT);
  EXPECT_NE(client->last_error().find("users"), std::string::npos) << client->last_error();
  EXPECT_EQ(raw_sql(path("cache.db"), "SELECT count(*) FROM sqlite_master"), "1");
}

TEST_F(Files, ReadOnlyHandleServesReadsAndRefusesWrites) {
  populate(20, 10);
  chmod(path("cache.db").c_str(), 0444);
  chmod(dir().c_str(), 0555);
  auto client = open(options({{"read_only", "true"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  Calls calls(*client);
  EXPECT_EQ(client->get("e:3"), std::string(10, 'v'));
  EXPECT_EQ(client->keys("e:").size(), 20u);
  EXPECT_EQ(client->stats().entries, 20);
  EXPECT_EQ(client->set("new", "v"), SC_INVALID_ARGUMENT);
  EXPECT_NE(client->last_error().find("read-only"), std::string::npos) << client->last_error();
  bool stored = true;
  EXPECT_EQ(client->remove("e:1"), SC_INVALID_ARGUMENT);
  EXPECT_EQ(calls.add("new", "v", 0, stored), SC_INVALID_ARGUMENT);
  EXPECT_FALSE(stored);
  EXPECT_EQ(calls.touch("e:1", 5), SC_INVALID_ARGUMENT);
  EXPECT_EQ(calls.clear(""), SC_INVALID_ARGUMENT);
  EXPECT_EQ(calls.set_many({{"x", "v", 0}}), SC_INVALID_ARGUMENT);
  EXPECT_EQ(client->get("e:1"), std::string(10, 'v'));
}

TEST_F(Files, ReadOnlyNeverCreatesAFile) {
  auto client = open(options({{"read_only", "true"}}));
  EXPECT_EQ(client->last_status(), SC_IO);
  EXPECT_FALSE(fs::exists(path("cache.db")));
  EXPECT_FALSE(fs::exists(dir() + "/cache.db-wal"));
}

// Root ignores file modes, so the real thing runs in a child that gives up root: the file
// and its directory are then truly unwritable.
TEST_F(Files, ReadOnlyFileInReadOnlyDirectoryWithoutPrivileges) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged user";
  ASSERT_NO_FATAL_FAILURE(populate(20, 10));
  fs::create_directory(path("ro"));
  fs::rename(path("cache.db"), path("ro/cache.db"));
  chmod(dir().c_str(), 0755);
  chmod(path("ro/cache.db").c_str(), 0444);
  chmod(path("ro").c_str(), 0555);

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(77);
    Options ro{{"location", path("ro/cache.db")}, {"read_only", "true"}};
    AbiClient reader(SQLITE_PLUGIN_PATH, ro);
    if (!reader.ok()) _exit(10);
    if (reader.get("e:7") != std::string(10, 'v')) _exit(11);
    if (reader.keys().size() != 20) _exit(12);
    AbiClient writer(SQLITE_PLUGIN_PATH, {{"location", path("ro/cache.db")}});
    if (writer.ok() || writer.last_status() != SC_IO) _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "cannot switch to uid 65534 here";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 open, 11 get, 12 scan, 13 writer not refused";
}

// Short-lived handles that each write a little (sitecache exec under make) keep the WAL
// short: the handle that closes a WAL past the fold size folds it into the database, so
// the next process's open does not read megabytes back. Below the fold size closing
// leaves the WAL alone (no fsync).
TEST_F(Files, ShortLivedWritersKeepTheWalShort) {
  const std::string wal = path("cache.db-wal");
  const std::string value(20 * 1024, 'w');
  off_t largest = 0;
  bool left_alone = false;
  for (int i = 0; i < 200; ++i) {
    {
      auto client = open();
      ASSERT_TRUE(client->ok()) << client->last_error();
      ASSERT_EQ(client->set("page:" + std::to_string(i), value), SC_OK);
    }
    struct stat st {};
    const off_t size = ::stat(wal.c_str(), &st) == 0 ? st.st_size : 0;
    largest = std::max(largest, size);
    left_alone = left_alone || size > 0;
  }
  EXPECT_TRUE(left_alone) << "a close below the fold size should not have checkpointed";
  // 200 writes of 20 KiB without folding would leave a WAL of several MiB.
  EXPECT_LE(largest, 2 * 256 * 1024) << "the WAL grew past the fold size";
  auto client = open();
  EXPECT_EQ(client->get("page:0"), value);
  EXPECT_EQ(client->get("page:199"), value);
}

}  // namespace
}  // namespace sitecache::sqlite_test
