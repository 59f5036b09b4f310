// explain_use and explain_misses over hand-made build records: every miss reason, and the
// batch answer equal to the per-use one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sitecache/explain.hpp"

namespace sitecache {
namespace {

RecordedUse use(std::string step, std::string slot, bool hit, std::string key,
                std::vector<RecordedInput> inputs) {
  RecordedUse u;
  u.step = std::move(step);
  u.slot = std::move(slot);
  u.hit = hit;
  u.key = std::move(key);
  u.inputs = std::move(inputs);
  return u;
}

BuildRecord record(uint64_t generation, std::vector<RecordedUse> uses) {
  BuildRecord r;
  r.generation = generation;
  r.uses = std::move(uses);
  return r;
}

// Newest first, as read_build_records returns them. Build 3 misses for every reason.
std::vector<BuildRecord> history() {
  return {
      record(3, {use("page", "a.md", false, "k:a2", {{"source", "2222"}, {"layout", "l1"}}),
                 use("page", "b.md", false, "k:b-v2", {{"source", "b1"}}),
                 use("page", "c.md", false, "k:c", {{"source", "c1"}}),
                 use("page", "new.md", false, "k:new", {{"source", "n1"}}),
                 use("page", "d.md", true, "k:d", {{"source", "d1"}}),
                 use("feed", "a.md", false, "k:fa", {{"posts", "p1"}, {"extra", "e"}})}),
      record(2, {use("page", "a.md", true, "k:a1", {{"source", "1111"}, {"layout", "l1"}}),
                 use("page", "c.md", false, "k:c", {{"source", "c1"}})}),
      record(1, {use("page", "a.md", false, "k:a0", {{"source", "0000"}, {"layout", "l1"}}),
                 use("page", "b.md", false, "k:b-v1", {{"source", "b1"}}),
                 use("feed", "a.md", false, "k:fa0", {{"posts", "p1"}, {"gone", "g"}})}),
  };
}

TEST(Explain, EveryReasonAgainstTheNewestOlderUse) {
  const std::vector<BuildRecord> records = history();
  const std::vector<UseExplanation> misses = explain_misses(records, 0);
  ASSERT_EQ(misses.size(), 5u) << "the hit of d.md is not a miss";
  EXPECT_EQ(misses[0].slot, "a.md");
  EXPECT_EQ(misses[0].reason, MissReason::inputs_changed);
  EXPECT_EQ(misses[0].previous_build, 2u) << "the newest older build, not the first";
  EXPECT_EQ(misses[0].changed, std::vector<std::string>{"source"});
  EXPECT_EQ(misses[1].reason, MissReason::key_changed);
  EXPECT_EQ(misses[1].previous_build, 1u);
  EXPECT_EQ(misses[2].reason, MissReason::entry_missing);
  EXPECT_EQ(misses[3].reason, MissReason::first_use);
  EXPECT_EQ(misses[3].previous_build, 0u);
  EXPECT_EQ(misses[4].step, "feed");
  EXPECT_EQ(misses[4].added, std::vector<std::string>{"extra"});
  EXPECT_EQ(misses[4].removed, std::vector<std::string>{"gone"});
}

TEST(Explain, MissesOfEveryBuildEqualTheOneByOneAnswers) {
  const std::vector<BuildRecord> records = history();
  for (size_t index = 0; index < records.size(); ++index) {
    std::vector<UseExplanation> one_by_one;
    for (const RecordedUse& u : records[index].uses) {
      if (!u.hit) one_by_one.push_back(explain_use(records, index, u));
    }
    const std::vector<UseExplanation> batch = explain_misses(records, index);
    ASSERT_EQ(batch.size(), one_by_one.size()) << "build index " << index;
    for (size_t i = 0; i < batch.size(); ++i) {
      EXPECT_EQ(batch[i].message, one_by_one[i].message) << index << "/" << i;
      EXPECT_EQ(batch[i].reason, one_by_one[i].reason) << index << "/" << i;
      EXPECT_EQ(batch[i].previous_build, one_by_one[i].previous_build) << index << "/" << i;
    }
  }
}

}  // namespace
}  // namespace sitecache
