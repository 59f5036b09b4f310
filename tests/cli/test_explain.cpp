// explain SLOT: which recorded input changed since the build before, for every reason a
// slot can miss.
#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

class Explain : public CliTest {
 protected:
  Json explain_json(const std::string& slot) {
    Exec run = sitecache({"explain", slot, "--json"});
    EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
    Json json = json_of(run);
    EXPECT_EQ(json["command"], "explain");
    EXPECT_EQ(json["slot"], slot);
    return json;
  }
};

TEST_F(Explain, NamesTheChangedInput) {
  write_file("site/a.md", "alpha");
  write_file("site/b.md", "beta");
  build("site", {"--layout", "v1"});
  write_file("site/a.md", "alpha, edited");
  build("site", {"--layout", "v1"});

  Json a = explain_json("a.md");
  EXPECT_EQ(a["build"], 2);
  ASSERT_EQ(a["steps"].size(), 1u);
  const Json& step = a["steps"][0];
  EXPECT_EQ(step["step"], "render-page");
  EXPECT_FALSE(step["hit"].get<bool>());
  EXPECT_EQ(step["reason"], "inputs_changed");
  EXPECT_EQ(step["changed"], Json::array({"source"}));
  EXPECT_EQ(step["previous_build"], 1);

  Exec text = sitecache({"explain", "a.md"});
  ASSERT_EQ(text.exit_code, 0) << RUN_INFO(text);
  EXPECT_NE(text.out.find("render-page: miss: changed \"source\" since build #1"),
            std::string::npos)
      << text.out;

  Json b = explain_json("b.md");
  EXPECT_EQ(b["steps"][0]["reason"], "hit");

  // A shared input: every page misses, and explain says it was the layout.
  build("site", {"--layout", "v2"});
  Json layout = explain_json("b.md");
  EXPECT_EQ(layout["steps"][0]["changed"], Json::array({"layout"}));
  EXPECT_EQ(layout["steps"][0]["previous_build"], 2);
}

TEST_F(Explain, OtherReasons) {
  write_file("site/a.md", "alpha");
  build();
  Json first = explain_json("a.md");
  EXPECT_EQ(first["steps"][0]["reason"], "first_use");

  build("site", {"--step-version", "2"});
  Json version = explain_json("a.md");
  EXPECT_EQ(version["steps"][0]["reason"], "key_changed");

  ASSERT_EQ(sitecache({"clear", "--slot", "a.md"}).exit_code, 0);
  build("site", {"--step-version", "2"});
  Json gone = explain_json("a.md");
  EXPECT_EQ(gone["steps"][0]["reason"], "entry_missing");
  Exec text = sitecache({"explain", "a.md"});
  EXPECT_NE(text.out.find("same key as in build #2"), std::string::npos) << text.out;
}

TEST_F(Explain, NotFound) {
  Exec none = sitecache({"explain", "a.md"});
  EXPECT_EQ(none.exit_code, 3) << RUN_INFO(none);
  EXPECT_NE(none.err.find("no build records"), std::string::npos) << none.err;
  write_file("site/a.md", "alpha");
  build();
  Exec other = sitecache({"explain", "z.md"});
  EXPECT_EQ(other.exit_code, 3) << RUN_INFO(other);
  EXPECT_EQ(other.err,
            "sitecache: slot 'z.md' was not used in the last build (#1) of cache "
            "'default'\n");
}

TEST_F(Explain, WorksWithoutScan) {
  configure(Backend::noscan);
  write_file("site/a.md", "alpha");
  build();
  write_file("site/a.md", "beta");
  build();
  EXPECT_EQ(explain_json("a.md")["steps"][0]["changed"], Json::array({"source"}));
}

}  // namespace
}  // namespace sitecache::cli_test
