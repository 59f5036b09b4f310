// clear with each selector: what goes, what stays, what the output says, and that
// --dry-run changes nothing.
#include <chrono>
#include <map>

#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

class Clear : public CliTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    configure(GetParam());
  }
  bool scans() const { return GetParam() != Backend::noscan; }

  // Every plain key still readable, with its value.
  std::map<std::string, std::string> values(const std::vector<std::string>& keys,
                                            const std::string& cache = "default") {
    std::map<std::string, std::string> found;
    for (const std::string& key : keys) {
      Exec get = sitecache({"--cache", cache, "get", key});
      if (get.exit_code == 0) found[key] = get.out;
    }
    return found;
  }

  Json clear_json(std::vector<std::string> args) {
    args.insert(args.begin(), "clear");
    args.push_back("--json");
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
    return json_of(run);
  }

  // Two builds of a small site (entries known to build records on every backend), with
  // pages tagged "page" and one edit between the builds.
  void build_site() {
    write_file("site/a.md", "alpha");
    write_file("site/b.md", "beta");
    build("site", {"--tag", "page"});
    write_file("site/a.md", "alpha, edited");
    build("site", {"--tag", "page"});
  }
};

TEST_P(Clear, AllRemovesOnlyThisCachesPrefix) {
  const std::vector<std::string> keys = {"a", "b", "c"};
  for (const auto& key : keys) {
    ASSERT_EQ(sitecache({"put", key}, "v-" + key).exit_code, 0);
    ASSERT_EQ(sitecache({"--cache", "other", "put", key}, "o-" + key).exit_code, 0);
  }
  build_site();
  Exec dry = sitecache({"clear", "--all", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << RUN_INFO(dry);
  // Without scan only the entries the build records name are visible.
  const std::string expected_count = scans() ? "6 entries" : "3 entries";
  EXPECT_NE(dry.out.find("would remove " + expected_count), std::string::npos) << dry.out;

  Exec run = sitecache({"clear", "--all"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_NE(run.out.find("removed " + expected_count), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("from cache 'default'"), std::string::npos) << run.out;
  if (scans()) {
    EXPECT_TRUE(values(keys).empty());
  }
  std::map<std::string, std::string> expected_other = {{"a", "o-a"}, {"b", "o-b"}, {"c", "o-c"}};
  EXPECT_EQ(values(keys, "other"), expected_other);
  // The pages are gone: the next build renders everything again.
  Exec rebuilt = build("site");
  EXPECT_NE(rebuilt.out.find("\"hits\":0"), std::string::npos) << rebuilt.out;
}

TEST_P(Clear, PrefixTagSlotAndAge) {
  if (!scans()) GTEST_SKIP() << "plain keys are invisible without scan (covered by Stale)";
  using namespace std::chrono_literals;
  ASSERT_EQ(sitecache({"put", "posts/one"}, "v").exit_code, 0);
  ASSERT_EQ(sitecache({"put", "posts/two"}, "v").exit_code, 0);
  put_as_of(-1h, "pages/three", "v");  // created an hour ago (ManualClock), for --older-than
  Json prefix = clear_json({"--prefix", "posts/"});
  EXPECT_EQ(prefix["removed_entries"], 2);
  EXPECT_EQ(prefix["selector"]["kind"], "prefix");
  EXPECT_EQ(values({"posts/one", "posts/two", "pages/three"}).size(), 1u);

  build_site();  // render-page entries: a.md twice (before and after the edit), b.md
  Json slot = clear_json({"--slot", "a.md"});
  EXPECT_EQ(slot["removed_entries"], 2);
  for (const Json& e : slot["entries"]) EXPECT_EQ(e["reason"], "slot");
  Json tag = clear_json({"--tag", "page"});
  EXPECT_EQ(tag["removed_entries"], 1);  // b.md
  EXPECT_EQ(tag["entries"][0]["slot"], "b.md");

  put_as_of(-1h, "old", "v");
  ASSERT_EQ(sitecache({"put", "new"}, "v").exit_code, 0);
  Json age = clear_json({"--older-than", "30m"});
  EXPECT_EQ(age["removed_entries"], 2);  // "old" and "pages/three"
  EXPECT_EQ(values({"old", "new", "pages/three"}),
            (std::map<std::string, std::string>{{"new", "v"}}));
}

TEST_P(Clear, SelectorsWorkFromBuildRecords) {
  build_site();
  Json slot = clear_json({"--slot", "b.md"});
  EXPECT_EQ(slot["source"], scans() ? "scan" : "build_records");
  EXPECT_EQ(slot["removed_entries"], 1);
  Json tag = clear_json({"--tag", "page"});
  EXPECT_EQ(tag["removed_entries"], 2);  // both renders of a.md
  Exec rebuilt = build("site");
  EXPECT_NE(rebuilt.out.find("\"misses\":2"), std::string::npos) << rebuilt.out;
}

TEST_P(Clear, DryRunChangesNothing) {
  const std::vector<std::string> keys = {"x", "y"};
  for (const auto& key : keys) ASSERT_EQ(sitecache({"put", key}, "v-" + key).exit_code, 0);
  build_site();
  write_file("site/b.md", "beta, edited");
  build("site");
  const auto before_values = values(keys);
  const auto before_keys = scans() ? listed_keys() : std::set<std::string>();
  for (const auto& selector :
       std::vector<std::vector<std::string>>{{"--all"},
                                             {"--stale"},
                                             {"--stale", "--keep-builds", "1"},
                                             {"--older-than", "0s"},
                                             {"--prefix", "render"},
                                             {"--tag", "page"},
                                             {"--slot", "a.md"}}) {
    std::vector<std::string> args = {"clear"};
    args.insert(args.end(), selector.begin(), selector.end());
    args.push_back("--dry-run");
    Exec run = sitecache(args);
    ASSERT_EQ(run.exit_code, 0) << selector.front() << "\n" << RUN_INFO(run);
    EXPECT_NE(run.out.find("nothing was removed"), std::string::npos) << run.out;
    args.push_back("--json");
    Json json = json_of(sitecache(args));
    EXPECT_TRUE(json["dry_run"].get<bool>());
    EXPECT_TRUE(json["removed_entries"].is_null());
    EXPECT_GT(json["planned_entries"].get<int>(), 0) << selector.front();
  }
  EXPECT_EQ(values(keys), before_values);
  if (scans()) {
    EXPECT_EQ(listed_keys(), before_keys);
  }
  // Nothing was removed, so a build without edits hits everything.
  Exec rebuilt = build("site");
  EXPECT_NE(rebuilt.out.find("\"misses\":0"), std::string::npos) << rebuilt.out;
}

TEST_P(Clear, JsonShape) {
  build_site();
  Json json = clear_json({"--slot", "a.md", "--dry-run"});
  EXPECT_EQ(json["command"], "clear");
  EXPECT_EQ(json["cache"], "default");
  EXPECT_EQ(json["selector"], (Json{{"kind", "slot"}, {"slot", "a.md"}}));
  EXPECT_EQ(json["planned_entries"], 2);
  EXPECT_GT(json["planned_bytes"].get<int>(), 0);
  ASSERT_EQ(json["entries"].size(), 2u);
  for (const Json& e : json["entries"]) {
    EXPECT_TRUE(e["key"].get<std::string>().starts_with("site:1:")) << e;
    EXPECT_EQ(e["label"], "render-page");
    EXPECT_EQ(e["slot"], "a.md");
    EXPECT_GT(e["size"].get<int>(), 0);
  }
  Json done = clear_json({"--slot", "a.md"});
  EXPECT_EQ(done["removed_entries"], 2);
  EXPECT_EQ(done["removed_bytes"], json["planned_bytes"]);
  EXPECT_EQ(done["already_gone"], 0);
  EXPECT_EQ(done["failed"], 0);
  EXPECT_TRUE(done["error"].is_null());
  Json again = clear_json({"--slot", "a.md"});
  EXPECT_EQ(again["removed_entries"], 0);
  Exec text = sitecache({"clear", "--slot", "a.md"});
  EXPECT_EQ(text.out, "removed 0 entries (0 B) from cache 'default'\n");
}

INSTANTIATE_TEST_SUITE_P(Backends, Clear,
                         ::testing::Values(Backend::sqlite, Backend::file, Backend::noscan),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sitecache::cli_test
