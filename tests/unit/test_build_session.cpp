// Build sessions: generations, recorded uses and time saved (leases: test_write_batch.cpp).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cache_fixture.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using testing::cache_settings;
using testing::CapturedWarnings;

std::string slow_render(const std::string& text, int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return "<p>" + text + "</p>";
}

TEST(BuildSession, RecordsRoundTripAndTimeSavedMatchesStoredCosts) {
  Config config;
  CapturedWarnings warnings;
  Cache cache(cache_settings("memory"), config, warnings.sink());
  const char* pages[] = {"a", "b", "c"};

  BuildSession first = cache.begin_build();
  EXPECT_EQ(first.generation(), 1u);
  for (const char* page : pages) {
    Inputs inputs;
    inputs.text("source", page);
    MemoOptions options;
    options.slot = std::string("content/") + page + ".md";
    ASSERT_TRUE(cache
                    .memoize(
                        Step{"page", 1}, inputs, [&] { return slow_render(page, 20); }, options)
                    .is_ok());
  }
  BuildRecord one = first.finish().value();
  EXPECT_EQ(one.misses, 3u);
  EXPECT_EQ(one.hits, 0u);
  EXPECT_GE(one.render_us, 60'000u);
  EXPECT_EQ(one.uses.size(), 3u);
  EXPECT_EQ(one.uses[0].slot, "content/a.md");
  EXPECT_FALSE(first.finish().is_ok()) << "finishing twice is an error";

  uint64_t stored_costs = 0;
  for (const char* page : pages) {
    Inputs inputs;
    inputs.text("source", page);
    stored_costs += cache.fetch(step_key(Step{"page", 1}, inputs)).value()->info.cost_us;
  }

  BuildSession second = cache.begin_build();
  EXPECT_EQ(second.generation(), 2u);
  for (const char* page : pages) {
    Inputs inputs;
    inputs.text("source", page);
    ASSERT_TRUE(
        cache.memoize(Step{"page", 1}, inputs, [&] { return slow_render(page, 20); }).is_ok());
  }
  BuildRecord two = second.finish().value();
  EXPECT_EQ(two.hits, 3u);
  EXPECT_EQ(two.saved_us, stored_costs);
  EXPECT_EQ(two.steps["page"].saved_us, stored_costs);
  EXPECT_EQ(two.steps["page"].hits, 3u);

  auto records = read_build_records(cache, 10).value();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].generation, 2u);
  EXPECT_EQ(records[1].generation, 1u);
  EXPECT_EQ(records[0].saved_us, stored_costs);
  ASSERT_EQ(records[1].uses.size(), 3u);
  EXPECT_EQ(records[1].uses[2].inputs.at(0).name, "source");
  Result<BuildRecord> parsed = BuildRecord::from_json(records[0].to_json());
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->to_json(), records[0].to_json());
  EXPECT_FALSE(BuildRecord::from_json("{not json").is_ok());
}

TEST(BuildSession, RecordsAreNotListedAsEntries) {
  Config config;
  Cache cache(cache_settings("memory"), config);
  BuildSession build = cache.begin_build();
  Inputs inputs;
  inputs.text("x", "1");
  ASSERT_TRUE(cache.memoize(Step{"s", 1}, inputs, [] { return std::string("v"); }).is_ok());
  ASSERT_TRUE(build.finish().is_ok());
  int entries = 0;
  ASSERT_TRUE(cache
                  .for_each_entry([&](const EntryInfo& info) {
                    ++entries;
                    EXPECT_EQ(info.label, "s");
                    return true;
                  })
                  .is_ok());
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace sitecache
