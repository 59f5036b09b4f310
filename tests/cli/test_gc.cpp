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
      // Least recently used is the backend's own write time (file: mtime, which moves in
      // kernel ticks of up to 10 ms); a plugin's clock has no seam.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // The keys the cache holds, from its listing: a `get` would count as a use and make
  // the entry recent (once a second has passed since its write, which a slow machine or
  // a sanitizer build reaches while fill() runs).
  std::set<std::string> present() {
    Exec ls = sitecache({"ls", "--json"});
    EXPECT_EQ(ls.exit_code, 0) << RUN_INFO(ls);
    const Json listing = json_of(ls);
    std::set<std::string> labels;
    for (const Json& entry : listing["entries"]) labels.insert(entry["label"].get<std::string>());
    return labels;
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
  // Backends note a read only a second after the entry's write (sqlite's AccessLog, the
  // file backend's kAccessResolutionMs), on their own clocks, which have no seam.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
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

TEST_P(Gc, WithoutLimitsRemovesOnlyExpiredEntries) {
  using namespace std::chrono_literals;
  // Written as of an hour ago (ManualClock), so nothing waits: two entries expired half an
  // hour ago, one expires in an hour, one never. Their backend TTLs start now, so only the
  // entries' own expiry says which are expired. The other cache has an expired entry too.
  put_as_of(-1h, "expired-1", "x", Timeout::seconds(1800));
  put_as_of(-1h, "expired-2", "x", Timeout::seconds(1800));
  put_as_of(-1h, "live", "x", Timeout::seconds(7200));
  put_as_of(-1h, "forever", "x", Timeout::never());
  put_as_of(-1h, "other-expired", "x", Timeout::seconds(1800), "other");
  ASSERT_EQ(sitecache({"put", "new"}, "x").exit_code, 0);
  ASSERT_EQ(listed_keys().size(), 5u) << "expired entries are listed until removed";

  Json dry = json_of(sitecache({"gc", "--dry-run", "--json"}));
  EXPECT_EQ(dry["planned_entries"], 2);
  EXPECT_EQ(listed_keys().size(), 5u);

  Exec run = sitecache({"gc", "--json"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  Json json = json_of(run);
  EXPECT_EQ(json["limits"], (Json{{"max_bytes", nullptr}, {"max_entries", nullptr}}));
  EXPECT_EQ(json["removed_entries"], 2);
  std::set<std::string> removed;
  for (const Json& e : json["entries"]) {
    EXPECT_EQ(e["reason"], "expired") << e;
    removed.insert(e["label"].get<std::string>());
  }
  EXPECT_EQ(removed, (std::set<std::string>{"expired-1", "expired-2"}));
  EXPECT_EQ(listed_keys().size(), 3u);
  for (const char* key : {"live", "forever", "new"}) {
    EXPECT_EQ(sitecache({"get", key}).exit_code, 0) << key;
  }
  EXPECT_EQ(listed_keys("other").size(), 1u) << "gc of one cache leaves the others alone";

  Exec again = sitecache({"gc"});
  EXPECT_EQ(again.exit_code, 0) << RUN_INFO(again);
  EXPECT_NE(again.out.find("removed 0 entries"), std::string::npos) << again.out;
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
