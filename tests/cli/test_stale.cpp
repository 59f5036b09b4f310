// clear --stale after several builds with edits: exactly the superseded and unused entries
// go, nothing else, on backends with and without scan.
#include <set>
#include <utility>

#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

using SlotReason = std::pair<std::string, std::string>;

class Stale : public CliTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    configure(GetParam());
  }
  bool scans() const { return GetParam() != Backend::noscan; }

  Json stale(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"clear", "--stale", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
    return json_of(run);
  }
  static std::multiset<SlotReason> slots_and_reasons(const Json& json) {
    std::multiset<SlotReason> out;
    for (const Json& e : json["entries"])
      out.emplace(e["slot"].get<std::string>(), e["reason"].get<std::string>());
    return out;
  }
  static std::set<std::string> keys_of(const Json& json) {
    std::set<std::string> out;
    for (const Json& e : json["entries"]) out.insert(e["key"].get<std::string>());
    return out;
  }
  static Json build_counts(const Exec& run) { return Json::parse(run.out); }
};

TEST_P(Stale, SeveralBuildsWithEdits) {
  write_file("site/a.md", "alpha");
  write_file("site/b.md", "beta");
  write_file("site/c.md", "gamma");
  EXPECT_EQ(build_counts(build())["misses"], 3);  // #1: A1 B1 C1
  write_file("site/b.md", "beta, edited");
  EXPECT_EQ(build_counts(build())["misses"], 1);  // #2: B2 (A1 C1 hit)
  fs::remove(dir_ / "site/c.md");
  write_file("site/d.md", "delta");
  EXPECT_EQ(build_counts(build())["misses"], 1);  // #3: D1 (A1 B2 hit)
  write_file("site/a.md", "alpha, edited");
  Json fourth = build_counts(build());  // #4: A2 (B2 D1 hit)
  EXPECT_EQ(fourth["misses"], 1);
  EXPECT_EQ(fourth["hits"], 2);
  ASSERT_EQ(sitecache({"put", "manual"}, "kept by a script").exit_code, 0);

  const std::set<std::string> before = scans() ? listed_keys() : std::set<std::string>();
  if (scans()) {
    EXPECT_EQ(before.size(), 7u);  // A1 A2 B1 B2 C1 D1 manual
  }

  // The last three builds (#2..#4) used C1: only the superseded renders are stale.
  Json keep3 = stale({"--dry-run"});
  EXPECT_EQ(keep3["selector"], (Json{{"kind", "stale"}, {"keep_builds", 3}}));
  EXPECT_EQ(slots_and_reasons(keep3),
            (std::multiset<SlotReason>{{"a.md", "superseded"}, {"b.md", "superseded"}}));
  EXPECT_EQ(keep3["examined"], scans() ? 7 : 6);
  EXPECT_EQ(keep3["source"], scans() ? "scan" : "build_records");

  // Only the last build counts: C1 (its page was deleted) is unused as well.
  Json keep1 = stale({"--keep-builds", "1", "--dry-run"});
  const std::multiset<SlotReason> expected = {
      {"a.md", "superseded"}, {"b.md", "superseded"}, {"c.md", "unused"}};
  EXPECT_EQ(slots_and_reasons(keep1), expected);
  if (scans()) {
    EXPECT_EQ(listed_keys(), before);  // dry runs changed nothing
  }

  Json done = stale({"--keep-builds", "1"});
  EXPECT_EQ(slots_and_reasons(done), expected);
  EXPECT_EQ(keys_of(done), keys_of(keep1));
  EXPECT_EQ(done["removed_entries"], 3);
  EXPECT_EQ(done["removed_bytes"], keep1["planned_bytes"]);
  EXPECT_EQ(done["failed"], 0);
  if (scans()) {
    std::set<std::string> expected_after = before;
    for (const std::string& key : keys_of(done)) expected_after.erase(key);
    EXPECT_EQ(listed_keys(), expected_after);
  }
  // The script's value and every page of the current site survived.
  EXPECT_EQ(sitecache({"get", "manual"}).out, "kept by a script");
  Json fifth = build_counts(build());
  EXPECT_EQ(fifth["hits"], 3);
  EXPECT_EQ(fifth["misses"], 0);
  // Nothing is stale any more.
  EXPECT_EQ(stale({"--keep-builds", "1"})["removed_entries"], 0);
}

TEST_P(Stale, RevertKeepsTheRenderTheNewestBuildUsed) {
  write_file("site/a.md", "first");
  build();  // A1
  write_file("site/a.md", "second");
  build();  // A2
  write_file("site/a.md", "first");
  Json third = build_counts(build());  // A1 again: a hit, though A2 is newer
  EXPECT_EQ(third["hits"], 1);
  Json done = stale({"--keep-builds", "1"});
  EXPECT_EQ(slots_and_reasons(done), (std::multiset<SlotReason>{{"a.md", "superseded"}}));
  EXPECT_EQ(build_counts(build())["hits"], 1);
}

TEST_P(Stale, StepsOfOneSlotAreSeparate) {
  write_file("site/a.md", "alpha");
  build("site", {"--step", "render-page"});
  build("site", {"--step", "thumbnail"});
  Json plan = stale({"--keep-builds", "2", "--dry-run"});
  EXPECT_EQ(plan["planned_entries"], 0) << plan.dump(2);
}

TEST_P(Stale, WithoutBuildRecordsOnlySupersededGo) {
  ASSERT_EQ(sitecache({"put", "a"}, "1").exit_code, 0);
  Exec run = sitecache({"clear", "--stale"});
  EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_NE(run.err.find("no build records"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("removed 0 entries"), std::string::npos) << run.out;
  EXPECT_EQ(sitecache({"get", "a"}).out, "1");
}

INSTANTIATE_TEST_SUITE_P(Backends, Stale,
                         ::testing::Values(Backend::sqlite, Backend::file, Backend::noscan),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sitecache::cli_test
