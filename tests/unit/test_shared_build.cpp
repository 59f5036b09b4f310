// Builds that span processes (start_shared_build, join_build, finish_shared_build): each
// joined session appends its uses to the journal, and the finished record holds them all.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cache_fixture.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;

class SharedBuild : public testing::TempDirTest {
 protected:
  // A Cache as a separate process would open it: its own handle on the same SQLite file.
  std::unique_ptr<Cache> open() {
    CacheConfig settings = testing::cache_settings("sqlite");
    settings.location = (dir_ / "cache.db").string();
    Config config;
    config.base_dir = dir_;
    return std::make_unique<Cache>(settings, config, warnings_.sink());
  }
  // One "process": joins build `id` and memoizes `page`.
  void join_and_render(uint64_t id, const std::string& page, const std::string& slot) {
    std::unique_ptr<Cache> cache = open();
    Result<BuildSession> session = cache->join_build(id);
    ASSERT_TRUE(session.is_ok()) << session.status().to_string();
    Inputs inputs;
    inputs.text("page", page);
    MemoOptions options;
    options.slot = slot;
    ASSERT_TRUE(cache
                    ->memoize(
                        Step{"render", 1}, inputs, [&] { return "<p>" + page + "</p>"; }, options)
                    .is_ok());
    ASSERT_TRUE(session->finish().is_ok());
  }
  fs::path journal(uint64_t id) const {
    return dir_ / ".sitecache" / "builds" / ("test-" + std::to_string(id) + ".journal");
  }

  testing::CapturedWarnings warnings_;
};

TEST_F(SharedBuild, UsesOfEveryJoinedProcessFormOneRecord) {
  Result<uint64_t> id = open()->start_shared_build();
  ASSERT_TRUE(id.is_ok()) << id.status().to_string();
  join_and_render(*id, "a", "a.md");
  join_and_render(*id, "b", "b.md");
  join_and_render(*id, "a", "a.md");  // the same key again: a hit, recorded once
  Result<BuildRecord> record = open()->finish_shared_build(*id);
  ASSERT_TRUE(record.is_ok()) << record.status().to_string();
  EXPECT_EQ(record->generation, *id);
  EXPECT_EQ(record->uses.size(), 2u);
  EXPECT_EQ(record->misses, 2u);
  EXPECT_EQ(record->hits, 1u);
  EXPECT_GT(record->ended_ms, 0);
  EXPECT_FALSE(fs::exists(journal(*id)));
  // It is the cache's newest build, as stats, explain and clear --stale read it.
  std::vector<BuildRecord> stored = read_build_records(*open(), 5).value();
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(stored.front().generation, *id);
  EXPECT_EQ(stored.front().uses.size(), 2u);
}

TEST_F(SharedBuild, ATornAppendLosesOnlyItself) {
  const uint64_t id = open()->start_shared_build().value();
  join_and_render(id, "a", "a.md");
  {
    std::ofstream torn(journal(id), std::ios::binary | std::ios::app);
    torn << std::string("\x40\x00\x00\x00\x00\x00\x00\x00SCBR\x02partial", 20);
  }
  Result<BuildRecord> record = open()->finish_shared_build(id);
  ASSERT_TRUE(record.is_ok()) << record.status().to_string();
  EXPECT_EQ(record->uses.size(), 1u);
}

TEST_F(SharedBuild, AnUnknownIdIsNotFound) {
  EXPECT_EQ(open()->join_build(4242).status().code(), StatusCode::not_found);
  EXPECT_EQ(open()->finish_shared_build(4242).status().code(), StatusCode::not_found);
}

}  // namespace
}  // namespace sitecache
