// Tiered caches: levels read in order with promotion, writes to every writable level,
// read-only levels never written, a failing level skipped after one warning.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cache_fixture.hpp"
#include "cache_internals.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using testing::CapturedWarnings;

class TieredTest : public testing::TempDirTest {
 protected:
  Config parse(const std::string& toml) {
    Result<Config> config = parse_config(toml, dir_ / "sitecache.toml", dir_);
    EXPECT_TRUE(config.is_ok()) << config.status().to_string();
    return config ? config.value() : Config{};
  }
  CapturedWarnings warnings_;
};

constexpr const char* kTwoBuilders = R"(
[cache.local_a]
backend = "sqlite"
location = "a.db"
[cache.local_b]
backend = "file"
location = "b-files"
[cache.shared]
backend = "sqlite"
location = "shared.db"
[cache.build_a]
levels = ["local_a", "shared"]
[cache.build_b]
levels = ["local_b", "shared"]
)";

TEST_F(TieredTest, SecondBuilderIsServedFromTheFirstOnesRenders) {
  Config config = parse(kTwoBuilders);
  Caches caches(config, warnings_.sink());
  Inputs inputs;
  inputs.text("page", "hello");
  int renders = 0;
  auto render = [&] {
    ++renders;
    return std::string("<p>hello</p>");
  };
  ASSERT_EQ(caches["build_a"].memoize(Step{"page", 1}, inputs, render).value(), "<p>hello</p>");
  ASSERT_EQ(caches["build_b"].memoize(Step{"page", 1}, inputs, render).value(), "<p>hello</p>");
  EXPECT_EQ(renders, 1) << "build_b should have been served by the shared level";
  // ... and the hit was copied into build_b's own local level.
  Digest key = step_key(Step{"page", 1}, inputs);
  EXPECT_TRUE(testing::fetch(caches["local_b"], key).value().has_value());
  EXPECT_TRUE(testing::fetch(caches["local_a"], key).value().has_value());
  EXPECT_EQ(warnings_.count(), 0u);
}

// Two build processes, each with its own local SQLite level, share one real Redis: the
// second process's build is served from the first one's renders.
TEST_F(TieredTest, TwoProcessesShareRendersThroughRedis) {
  const char* redis = std::getenv("SITECACHE_TEST_REDIS");
  if (redis == nullptr || *redis == '\0') GTEST_SKIP() << "SITECACHE_TEST_REDIS is not set";
  const std::string prefix = "tier" + std::to_string(getpid());
  auto config_for = [&](const std::string& local) {
    return parse("[cache.local]\nbackend = \"sqlite\"\nlocation = \"" + local +
                 "\"\n[cache.shared]\nbackend = \"redis\"\nlocation = \"redis://" + redis +
                 "/0\"\n[cache.build]\nkey_prefix = \"" + prefix +
                 "\"\nlevels = [\"local\", \"shared\"]\n");
  };
  fs::path marker = dir_ / "renders";
  auto build = [&](const std::string& local) {
    Caches caches(config_for(local), [](std::string_view) {});
    int rendered = 0;
    for (int page = 0; page < 20; ++page) {
      Inputs inputs;
      inputs.integer("page", page);
      Result<std::string> out = caches["build"].memoize(Step{"page", 1}, inputs, [&] {
        ++rendered;
        return "<p>" + std::to_string(page) + "</p>";
      });
      if (!out || *out != "<p>" + std::to_string(page) + "</p>") return -1;
    }
    EXPECT_TRUE(caches["build"].clear().is_ok());  // leave the shared server clean
    return rendered;
  };
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Caches caches(config_for("a.db"), [](std::string_view) {});
    int rendered = 0;
    for (int page = 0; page < 20; ++page) {
      Inputs inputs;
      inputs.integer("page", page);
      (void)caches["build"].memoize(Step{"page", 1}, inputs, [&] {
        ++rendered;
        return "<p>" + std::to_string(page) + "</p>";
      });
    }
    _exit(rendered == 20 ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "first build failed";
  EXPECT_EQ(build("b.db"), 0) << "the second process rendered pages the first one stored";
}

TEST_F(TieredTest, ReadOnlyLevelIsNeverWritten) {
  Config config = parse(R"(
[cache.local]
backend = "sqlite"
location = "local.db"
[cache.shared]
backend = "sqlite"
location = "shared.db"
read_only = false
[cache.shared_ro]
backend = "sqlite"
location = "shared.db"
read_only = true
[cache.trusted]
levels = ["local", "shared"]
[cache.untrusted]
levels = ["local", "shared_ro"]
)");
  Caches caches(config, warnings_.sink());
  ASSERT_TRUE(caches["trusted"].set("from-main", "v1").is_ok());
  // A pull request build reads the shared renders...
  EXPECT_EQ(caches["untrusted"].get("from-main").value(), "v1");
  // ...but its own writes stay local.
  ASSERT_TRUE(caches["untrusted"].set("from-fork", "evil").is_ok());
  EXPECT_TRUE(caches["local"].get("from-fork").value().has_value());
  EXPECT_FALSE(caches["shared"].get("from-fork").value().has_value());
}

TEST_F(TieredTest, FailingLevelIsSkippedAfterOneWarning) {
  Config config = parse(std::string(R"(
[cache.broken]
backend = ")") + BROKEN_SET_FAILS +
                        R"("
[cache.local]
backend = "sqlite"
location = "local.db"
[cache.both]
levels = ["broken", "local"]
)");
  Caches caches(config, warnings_.sink());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(caches["both"].set("k" + std::to_string(i), "v").is_ok());
  }
  EXPECT_EQ(caches["both"].get("k4").value(), "v");
  ASSERT_EQ(warnings_.count(), 1u);
  EXPECT_NE(warnings_.lines[0].find("level 'broken' failed"), std::string::npos)
      << warnings_.lines[0];
  EXPECT_NE(warnings_.lines[0].find("disk on fire"), std::string::npos);
}

TEST_F(TieredTest, UnavailableLevelAtStartIsSkipped) {
  Config config = parse(R"(
[cache.gone]
backend = "no-such-backend"
[cache.local]
backend = "sqlite"
location = "local.db"
[cache.both]
levels = ["gone", "local"]
)");
  Caches caches(config, warnings_.sink());
  ASSERT_TRUE(caches["both"].set("k", "v").is_ok());
  EXPECT_EQ(caches["both"].get("k").value(), "v");
  EXPECT_EQ(warnings_.count(), 1u);
}

TEST_F(TieredTest, ConfigErrorsNameTheLevelsSetting) {
  auto error = [&](const std::string& toml) {
    Result<Config> config = parse_config(toml, "t.toml", dir_);
    EXPECT_FALSE(config.is_ok());
    return config ? std::string() : config.status().message();
  };
  EXPECT_NE(error("[cache.a]\nlevels = [\"nope\"]\n")
                .find("t.toml:2:10: cache.a.levels: no cache named \"nope\""),
            std::string::npos);
  EXPECT_NE(error("[cache.a]\nlevels = [\"a\"]\n").find("cannot be its own level"),
            std::string::npos);
  EXPECT_NE(error("[cache.b]\n[cache.c]\nlevels=[\"b\"]\n[cache.a]\nlevels = [\"c\"]\n")
                .find("is itself tiered"),
            std::string::npos);
  EXPECT_NE(error("[cache.b]\n[cache.a]\nbackend = \"sqlite\"\nlevels = [\"b\"]\n")
                .find("remove its backend setting"),
            std::string::npos);
  EXPECT_NE(error("[cache.a]\nlevels = []\n").find("non-empty array"), std::string::npos);
}

}  // namespace
}  // namespace sitecache
