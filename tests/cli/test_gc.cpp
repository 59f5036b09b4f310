// gc: least recently used entries go until the cache fits the given or configured limits.
#include <chrono>
#include <thread>

#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

class Gc : public CliTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    configure(GetParam(), "compress = \"none\"");
  }
  // k1..k5, oldest first, 1000 bytes each.
  void fill() {
    for (int i = 1; i <= 5; ++i) {
      ASSERT_EQ(sitecache({"put", "k" + std::to_string(i)}, std::string(1000, 'x')).exit_code, 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::set<std::string> present() {
    std::set<std::string> out;
    for (int i = 1; i <= 5; ++i) {
      if (sitecache({"get", "k" + std::to_string(i)}).exit_code == 0) {
        out.insert("k" + std::to_string(i));
      }
    }
    return out;
  }
};

TEST_P(Gc, MaxEntriesEvictsTheOldest) {
  fill();
  Exec dry = sitecache({"gc", "--max-entries", "2", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << RUN_INFO(dry);
  EXPECT_NE(dry.out.find("would remove 3 entries"), std::string::npos) << dry.out;
  EXPECT_EQ(present().size(), 5u);
  Exec run = sitecache({"gc", "--max-entries", "2", "--json"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  Json json = json_of(run);
  EXPECT_EQ(json["command"], "gc");
  EXPECT_EQ(json["limits"], (Json{{"max_bytes", nullptr}, {"max_entries", 2}}));
  EXPECT_EQ(json["removed_entries"], 3);
  for (const Json& e : json["entries"]) EXPECT_EQ(e["reason"], "over_limit");
  EXPECT_EQ(present(), (std::set<std::string>{"k4", "k5"}));
}

TEST_P(Gc, RecentlyReadEntriesSurvive) {
  fill();
  // Backends note access times with about a second's resolution.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(sitecache({"get", "k1"}).exit_code, 0);
  ASSERT_EQ(sitecache({"gc", "--max-entries", "2"}).exit_code, 0);
  EXPECT_EQ(present(), (std::set<std::string>{"k1", "k5"}));
}

TEST_P(Gc, MaxSize) {
  fill();
  Json json = json_of(sitecache({"gc", "--max-size", "2500", "--json"}));
  EXPECT_EQ(json["limits"]["max_bytes"], 2500);
  // Each entry is 1000 bytes plus its envelope: two fit in 2500 bytes, three do not.
  EXPECT_EQ(json["removed_entries"], 3);
  EXPECT_EQ(present(), (std::set<std::string>{"k4", "k5"}));
  Json none = json_of(sitecache({"gc", "--max-size", "1GiB", "--json"}));
  EXPECT_EQ(none["removed_entries"], 0);
}

TEST_P(Gc, ConfiguredLimits) {
  fill();
  // Limits added to the configuration later: gc brings the cache down to them.
  configure(GetParam(), "compress = \"none\"\nmax_entries = 100\n");
  Exec within = sitecache({"gc"});
  EXPECT_EQ(within.exit_code, 0) << RUN_INFO(within);
  EXPECT_NE(within.out.find("removed 0 entries"), std::string::npos) << within.out;
  configure(GetParam(), "compress = \"none\"\nmax_entries = 1\n");
  Exec run = sitecache({"gc"});
  EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_EQ(present(), (std::set<std::string>{"k5"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, Gc, ::testing::Values(Backend::sqlite, Backend::file),
                         [](const auto& info) { return backend_name(info.param); });

TEST_F(CliTest, GcNeedsScan) {
  configure(Backend::noscan);
  ASSERT_EQ(sitecache({"put", "k"}, "v").exit_code, 0);
  Exec run = sitecache({"gc", "--max-entries", "0"});
  EXPECT_EQ(run.exit_code, 1) << RUN_INFO(run);
  EXPECT_NE(run.err.find("cannot scan"), std::string::npos) << run.err;
  EXPECT_EQ(sitecache({"get", "k"}).exit_code, 0);
}

}  // namespace
}  // namespace sitecache::cli_test
