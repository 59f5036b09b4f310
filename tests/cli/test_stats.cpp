// stats and ls: what they report in text and JSON, on backends with and without scan.
#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

class Report : public CliTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    configure(GetParam());
  }
  bool scans() const { return GetParam() != Backend::noscan; }
  void two_builds() {
    write_file("site/a.md", "alpha");
    write_file("site/b.md", "beta");
    build();
    write_file("site/a.md", "alpha, edited");
    build();
  }
};

TEST_P(Report, StatsAfterBuilds) {
  two_builds();
  Exec run = sitecache({"stats", "--json"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  Json json = json_of(run);
  EXPECT_EQ(json["command"], "stats");
  ASSERT_EQ(json["caches"].size(), 2u);  // every cache without --cache
  const Json& c = json["caches"][0];
  EXPECT_EQ(c["name"], "default");
  EXPECT_EQ(c["plugin"]["name"], backend_name(GetParam()));
  EXPECT_TRUE(c["error"].is_null());
  if (GetParam() == Backend::noscan) {
    EXPECT_TRUE(c["entries"].is_null());
    EXPECT_TRUE(c["bytes"].is_null());
  } else {
    EXPECT_GE(c["entries"].get<int>(), 3);
    EXPECT_GT(c["bytes"].get<int>(), 0);
  }
  const Json& last = c["last_build"];
  EXPECT_EQ(last["generation"], 2);
  EXPECT_EQ(last["hits"], 1);
  EXPECT_EQ(last["misses"], 1);
  EXPECT_DOUBLE_EQ(last["hit_ratio"].get<double>(), 0.5);
  EXPECT_EQ(last["errors"], 0);
  EXPECT_EQ(last["steps"]["render-page"]["hits"], 1);
  EXPECT_EQ(last["steps"]["render-page"]["misses"], 1);
  EXPECT_TRUE(last.contains("saved_us"));
  const Json& recent = c["recent"];
  EXPECT_EQ(recent["builds"], 2);
  EXPECT_EQ(recent["hits"], 1);
  EXPECT_EQ(recent["misses"], 3);
  EXPECT_EQ(recent["steps"]["render-page"]["misses"], 3);
  EXPECT_EQ(recent["history"].size(), 2u);
  EXPECT_EQ(recent["history"][0]["generation"], 2);
  EXPECT_TRUE(json["caches"][1]["last_build"].is_null());

  Exec text = sitecache({"stats", "--cache", "default"});
  ASSERT_EQ(text.exit_code, 0) << RUN_INFO(text);
  EXPECT_NE(text.out.find("cache default"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("cache other"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("last build  #2"), std::string::npos) << text.out;
  // Counts in the right number ("1 hit", not "1 hits").
  EXPECT_NE(text.out.find("1 hit, 1 miss (50.0%)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("render-page"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("2 builds: 1 hit, 3 misses"), std::string::npos) << text.out;
  // Where the backend reports its size, the store line says that its key count is the
  // whole backend's, not this cache's entries (which `ls` counts).
  if (text.out.find("the backend does not report its size") == std::string::npos) {
    EXPECT_NE(text.out.find("in the whole backend (entries of every key prefix, build records)"),
              std::string::npos)
        << text.out;
  }
  Json limited = json_of(sitecache({"stats", "--json", "--builds", "1", "--cache", "default"}));
  ASSERT_EQ(limited["caches"].size(), 1u);
  EXPECT_EQ(limited["caches"][0]["recent"]["builds"], 1);
}

TEST_P(Report, LsListsEntriesNewestFirst) {
  two_builds();
  ASSERT_EQ(sitecache({"put", "plain"}, "12345").exit_code, 0);
  Exec run = sitecache({"ls", "--json"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  Json json = json_of(run);
  EXPECT_EQ(json["source"], scans() ? "scan" : "build_records");
  const size_t total = scans() ? 4 : 3;  // the plain key is invisible without scan
  EXPECT_EQ(json["total"], total);
  ASSERT_EQ(json["entries"].size(), total);
  int64_t previous = INT64_MAX;
  for (const Json& e : json["entries"]) {
    EXPECT_LE(e["created_ms"].get<int64_t>(), previous);
    previous = e["created_ms"].get<int64_t>();
    EXPECT_GT(e["size"].get<int>(), 0);
    EXPECT_TRUE(e["expires_ms"].is_number());  // the default timeout is 7 days
  }
  if (scans()) {
    EXPECT_EQ(json["entries"][0]["label"], "plain");
    EXPECT_EQ(json["entries"][0]["value_size"], 5);
    EXPECT_TRUE(run.err.empty()) << run.err;
  } else {
    EXPECT_NE(run.err.find("cannot scan"), std::string::npos) << run.err;
  }
  EXPECT_EQ(json["entries"][total - 1]["generation"], 1);  // a render of the first build

  Json limited = json_of(sitecache({"ls", "--json", "--limit", "2"}));
  EXPECT_EQ(limited["total"], total);
  EXPECT_TRUE(limited["truncated"].get<bool>());
  EXPECT_EQ(limited["entries"].size(), 2u);

  Exec text = sitecache({"ls", "--limit", "2"});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_TRUE(text.out.starts_with("label")) << text.out;
  EXPECT_NE(text.out.find("render-page"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(std::to_string(total) + " entries, showing the newest 2"),
            std::string::npos)
      << text.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, Report,
                         ::testing::Values(Backend::sqlite, Backend::file, Backend::noscan),
                         [](const auto& info) { return backend_name(info.param); });

TEST_F(CliTest, LsShowsTagsAndExpiry) {
  write_file("site/a.md", "alpha");
  build("site", {"--tag", "blog"});
  ASSERT_EQ(sitecache({"put", "forever", "--ttl", "none"}, "v").exit_code, 0);
  Exec run = sitecache({"ls"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_NE(run.out.find("blog"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("never"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("in 6d23h"), std::string::npos) << run.out;
  Exec empty = sitecache({"--cache", "other", "ls"});
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_NE(empty.out.find("0 entries"), std::string::npos) << empty.out;
}

TEST_F(CliTest, StatsReportsABrokenCache) {
  write_config(
      "[cache.default]\nbackend = \"sqlite\"\nlocation = \"cache.db\"\n"
      "[cache.broken]\nbackend = \"no-such-backend\"\n");
  Exec run = sitecache({"stats", "--json"});
  EXPECT_EQ(run.exit_code, 1) << RUN_INFO(run);
  Json json = json_of(run);
  ASSERT_EQ(json["caches"].size(), 2u);
  EXPECT_NE(json["caches"][0]["error"].get<std::string>().find("no-such-backend"),
            std::string::npos);
  EXPECT_TRUE(json["caches"][1]["error"].is_null());
  EXPECT_NE(run.err.find("cache 'broken'"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace sitecache::cli_test
