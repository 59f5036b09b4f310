// Build sessions: generations, recorded uses and time saved (leases: test_single_flight.cpp).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cache_fixture.hpp"
#include "cache_internals.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using testing::cache_settings;
using testing::CapturedWarnings;

// Render costs are measured on steady_clock, which the clock seam does not cover: a render
// must really take this long for the recorded cost to be known to exceed it.
constexpr std::chrono::milliseconds kRenderTime{5};

std::string slow_render(const std::string& text) {
  std::this_thread::sleep_for(kRenderTime);
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
                        Step{"page", 1}, inputs, [&] { return slow_render(page); }, options)
                    .is_ok());
  }
  BuildRecord one = first.finish().value();
  EXPECT_EQ(one.misses, 3u);
  EXPECT_EQ(one.hits, 0u);
  EXPECT_GE(one.render_us,
            static_cast<uint64_t>(3 * std::chrono::microseconds(kRenderTime).count()));
  EXPECT_EQ(one.uses.size(), 3u);
  EXPECT_EQ(one.uses[0].slot, "content/a.md");
  EXPECT_FALSE(first.finish().is_ok()) << "finishing twice is an error";

  uint64_t stored_costs = 0;
  for (const char* page : pages) {
    Inputs inputs;
    inputs.text("source", page);
    stored_costs += testing::fetch(cache, step_key(Step{"page", 1}, inputs)).value()->info.cost_us;
  }

  BuildSession second = cache.begin_build();
  EXPECT_EQ(second.generation(), 2u);
  for (const char* page : pages) {
    Inputs inputs;
    inputs.text("source", page);
    ASSERT_TRUE(cache.memoize(Step{"page", 1}, inputs, [&] { return slow_render(page); }).is_ok());
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

TEST(BuildRecordJson, EscapesAndRoundTripsAwkwardStrings) {
  BuildRecord record;
  record.generation = 7;
  record.cache = "de\"fault\\";
  record.ended_ms = 1;
  record.steps["st\nep"] = StepCounters{1, 2, 3, 4};
  const std::string control("a\x01\x1f\tb", 5);
  record.uses.push_back(RecordedUse{"k:1:ab",
                                    "st\nep",
                                    "posts/caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80.md",
                                    true,
                                    {{control, "0123456789abcdef"}},
                                    {},
                                    -1,
                                    0,
                                    {}});
  record.uses.push_back(
      RecordedUse{"k:1:cd", "s", "bad\xff\xc3(\xed\xa0\x80.md", false, {}, {}, -1, 0, {}});

  Result<BuildRecord> parsed = BuildRecord::from_json(record.to_json());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string() << "\n" << record.to_json();
  EXPECT_EQ(parsed->cache, record.cache);
  EXPECT_EQ(parsed->steps.at("st\nep").render_us, 4u);
  ASSERT_EQ(parsed->uses.size(), 2u);
  EXPECT_EQ(parsed->uses[0].slot, record.uses[0].slot) << "valid UTF-8 passes through";
  EXPECT_EQ(parsed->uses[0].inputs.at(0).name, control);
  EXPECT_TRUE(parsed->uses[0].hit);
  // Invalid bytes (a lone 0xff, a truncated sequence, an encoded surrogate) become U+FFFD.
  const std::string replacement = "\xef\xbf\xbd";
  EXPECT_EQ(parsed->uses[1].slot, "bad" + replacement + replacement + "(" + replacement +
                                      replacement + replacement + ".md");
  EXPECT_EQ(parsed->to_json(), BuildRecord::from_json(parsed->to_json())->to_json());
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
  ASSERT_TRUE(testing::internals(cache)
                  .scan_entries([&](const EntryInfo& info) {
                    ++entries;
                    EXPECT_EQ(info.label, "s");
                    return true;
                  })
                  .is_ok());
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace sitecache
