// `sitecache report`: the page and its JSON from a real history of builds (the build
// helper through the library, the real binary reading it), on every local backend;
// hostile keys, labels and tags escaped; bad arguments refused. test_shared_servers.cpp
// runs it on Redis and memcached; tests/report/browser_report.py renders it in Chromium.
#include <regex>

#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

// A name a build may write that is markup if pasted unescaped.
const std::string kHostileSlot = "<script>alert(1)</script>.md";
const std::string kHostileTag = "<b>x</b>&\"'";

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The rows of <table id="ID">: the <tr> elements of its body.
size_t table_rows(const std::string& html, const std::string& id) {
  const size_t start = html.find("<table class=\"data\" id=\"" + id + "\"");
  if (start == std::string::npos) return 0;
  const size_t body = html.find("<tbody>", start);
  const size_t end = html.find("</tbody>", body);
  return count_of(html.substr(body, end - body), "<tr>");
}

class HtmlReport : public CliTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    configure(GetParam());
  }

  // Four builds: three first renders (one slot hostile, all tagged hostile), an edit of
  // a.md (one miss: inputs_changed), a build with nothing changed, and a second step.
  void make_history() {
    write_file("site/a.md", "alpha");
    write_file("site/b.md", "beta");
    write_file("site/" + kHostileSlot, "gamma");
    ASSERT_EQ(build("site", {"--tag", kHostileTag}).exit_code, 0);
    write_file("site/a.md", "alpha, edited");
    ASSERT_EQ(build("site", {"--tag", kHostileTag}).exit_code, 0);
    ASSERT_EQ(build("site", {"--tag", kHostileTag}).exit_code, 0);
    ASSERT_EQ(build("site", {"--step", "render-feed"}).exit_code, 0);
  }

  Json report_json(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"report", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
    return json_of(run);
  }

  std::string report_html(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"report", "--out", "report.html"};
    args.insert(args.end(), extra.begin(), extra.end());
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
    EXPECT_NE(run.out.find("wrote report.html"), std::string::npos) << run.out;
    return testing::read_file(dir_ / "report.html");
  }

  bool scans() const { return GetParam() != Backend::noscan; }
};

TEST_P(HtmlReport, JsonHasTheHistoryTheMissesAndTheStaleEntries) {
  make_history();
  Json r = report_json();
  EXPECT_EQ(r["command"], "report");
  EXPECT_EQ(r["cache"], "default");
  ASSERT_EQ(r["builds"].size(), 4u);
  // Oldest first, as the chart draws them.
  EXPECT_EQ(r["builds"][0]["generation"], 1);
  EXPECT_EQ(r["builds"][0]["misses"], 3);
  EXPECT_EQ(r["builds"][1]["hits"], 2);
  EXPECT_EQ(r["builds"][1]["misses"], 1);
  EXPECT_EQ(r["builds"][2]["hit_ratio"], 1.0);
  ASSERT_EQ(r["steps"].size(), 2u);

  // Misses, newest build first; build 2 missed a.md because its source changed.
  ASSERT_EQ(r["misses"].size(), 4u);
  EXPECT_EQ(r["misses"][0]["generation"], 4);
  EXPECT_EQ(r["misses"][0]["by_reason"]["first_use"], 3);
  EXPECT_EQ(r["misses"][1]["misses"], 0);
  const Json& edit = r["misses"][2];
  EXPECT_EQ(edit["generation"], 2);
  ASSERT_EQ(edit["rows"].size(), 1u);
  EXPECT_EQ(edit["rows"][0]["slot"], "a.md");
  EXPECT_EQ(edit["rows"][0]["reason"], "inputs_changed");
  EXPECT_EQ(edit["rows"][0]["message"], "miss: changed \"source\" since build #1");

  // The first render of a.md is superseded by the second.
  const Json& stale = r["stale"];
  ASSERT_TRUE(stale.is_object()) << r["notes"];
  EXPECT_EQ(stale["by_reason"]["superseded"], 1) << stale;
  bool found = false;
  for (const Json& row : stale["rows"]) {
    if (row["slot"] == "a.md" && row["reason"] == "superseded") {
      found = true;
      EXPECT_GT(row["bytes"].get<uint64_t>(), 0u);
    }
  }
  EXPECT_TRUE(found) << stale;

  // Sizes: render-page holds four entries (a.md twice), render-feed three.
  const Json& size = r["size"];
  EXPECT_EQ(size["source"], scans() ? "scan" : "build_records");
  std::map<std::string, uint64_t> by_step;
  for (const Json& row : size["by_step"])
    by_step[row["name"].get<std::string>()] = row["entries"].get<uint64_t>();
  EXPECT_EQ(by_step["render-page"], 4u) << size;
  EXPECT_EQ(by_step["render-feed"], 3u) << size;
  std::map<std::string, uint64_t> by_tag;
  for (const Json& row : size["by_tag"])
    by_tag[row["name"].get<std::string>()] = row["entries"].get<uint64_t>();
  EXPECT_EQ(by_tag[kHostileTag], 4u) << size;
  EXPECT_EQ(by_tag["(untagged)"], 3u) << size;
  if (scans()) {
    EXPECT_TRUE(r["notes"].empty()) << r["notes"];
  } else {
    ASSERT_EQ(r["notes"].size(), 1u);
    EXPECT_NE(r["notes"][0].get<std::string>().find("cannot list its entries"), std::string::npos);
  }
}

TEST_P(HtmlReport, PageShowsEveryPartWithCacheDataEscaped) {
  make_history();
  const std::string html = report_html();
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  // Self-contained: nothing to fetch.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);

  // The line chart: one point per build for each series.
  EXPECT_NE(html.find("id=\"chart-builds\" class=\"chart line-chart\" data-points=\"4\""),
            std::string::npos);
  EXPECT_EQ(count_of(html, "<circle class=\"point hit\""), 4u);
  EXPECT_EQ(count_of(html, "<circle class=\"point saved\""), 4u);
  EXPECT_EQ(table_rows(html, "table-builds"), 4u);
  EXPECT_EQ(table_rows(html, "table-steps"), 2u);
  EXPECT_EQ(table_rows(html, "table-size-step"), 2u);
  EXPECT_EQ(table_rows(html, "table-size-tag"), 2u);
  EXPECT_EQ(table_rows(html, "table-misses-4"), 3u);
  EXPECT_EQ(table_rows(html, "table-misses-2"), 1u);
  EXPECT_EQ(table_rows(html, "table-misses-3"), 0u) << "no table for a build without misses";
  EXPECT_GE(table_rows(html, "table-stale"), 1u);
  EXPECT_NE(html.find("miss: changed &quot;source&quot; since build #1"), std::string::npos);

  // Hostile names appear only escaped.
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;.md"), std::string::npos);
  EXPECT_EQ(html.find("<b>x</b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;x&lt;/b&gt;&amp;&quot;&#39;"), std::string::npos);
  // Exactly the page's own two scripts.
  EXPECT_EQ(count_of(html, "<script>"), 2u);
}

TEST_P(HtmlReport, BuildsLimitsTheHistory) {
  make_history();
  const std::string html = report_html({"--builds", "2"});
  EXPECT_NE(html.find("data-points=\"2\""), std::string::npos);
  EXPECT_EQ(count_of(html, "<circle class=\"point hit\""), 2u);
  Json r = report_json({"--builds", "2"});
  ASSERT_EQ(r["builds"].size(), 2u);
  EXPECT_EQ(r["builds"][1]["generation"], 4);
}

TEST_P(HtmlReport, AnEmptyCacheSaysSo) {
  Json r = report_json();
  EXPECT_TRUE(r["builds"].empty());
  ASSERT_FALSE(r["notes"].empty());
  EXPECT_NE(r["notes"][0].get<std::string>().find("no build records"), std::string::npos);
  const std::string html = report_html();
  EXPECT_NE(html.find("No build records."), std::string::npos);
  EXPECT_EQ(html.find("<circle"), std::string::npos);
}

TEST_P(HtmlReport, StdoutWithOutDash) {
  make_history();
  Exec run = sitecache({"report", "--out", "-"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_TRUE(run.out.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(run.out.ends_with("</html>\n"));
}

INSTANTIATE_TEST_SUITE_P(Backends, HtmlReport,
                         ::testing::Values(Backend::sqlite, Backend::file, Backend::noscan),
                         [](const auto& info) { return backend_name(info.param); });

class HtmlReportUsage : public CliTest {};

TEST_F(HtmlReportUsage, BadArgumentsPrintUsageAndExit2) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"report", "--builds", "0"},
        std::vector<std::string>{"report", "--builds", "31"},
        std::vector<std::string>{"report", "--builds", "many"},
        std::vector<std::string>{"report", "--out", ""},
        std::vector<std::string>{"report", "--colour"},
        std::vector<std::string>{"report", "extra"}}) {
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 2) << args.back() << "\n" << RUN_INFO(run);
    EXPECT_NE(run.err.find("usage: sitecache report"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(dir_ / "sitecache-report.html"));
  }
}

TEST_F(HtmlReportUsage, UnwritableOutIsAFailure) {
  configure(Backend::sqlite);
  Exec run = sitecache({"report", "--out", "no/such/dir/report.html"});
  EXPECT_EQ(run.exit_code, 1) << RUN_INFO(run);
  EXPECT_NE(run.err.find("cannot write"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace sitecache::cli_test
