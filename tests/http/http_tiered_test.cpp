// The http backend through the public C++ API: a local SQLite level in front of a shared
// http level (sitecache::Caches from config text), the server going down mid-build, and
// listing and stale clearing through PROPFIND (with the build-record fallback where the
// server cannot list).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nginx_server.hpp"
#include "sitecache/maintenance.hpp"
#include "sitecache/sitecache.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using sitecache::testing::NginxServer;

std::string page(int i) {
  return "<article>" + std::to_string(i * 7919) + "</article>";
}

struct Warnings {
  std::mutex mutex;
  std::vector<std::string> lines;
  WarningSink sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
  size_t count() {
    std::lock_guard lock(mutex);
    return lines.size();
  }
};

class HttpTiered : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string reason = NginxServer::unavailable_reason();
    if (!reason.empty()) GTEST_SKIP() << reason;
    server_ = std::make_unique<NginxServer>();
    ASSERT_TRUE(server_->start()) << server_->error_log();
    dir_ = fs::temp_directory_path() /
           ("sitecache-http-tiered-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A config with "local" (SQLite at local_db), "shared" (http at `path` of the nginx) and
  // "build" = [local, shared].
  Config config(const std::string& local_db, const std::string& path = "/cache/") {
    std::string text = R"([cache.local]
backend = "sqlite"
location = "LOCAL_DB"
key_prefix = "site"
[cache.shared]
backend = "HTTP_PLUGIN"
location = "LOCATION"
key_prefix = "site"
[cache.shared.options]
layout = "subdirs"
connect_timeout_ms = 300
timeout_ms = 500
[cache.build]
key_prefix = "site"
levels = ["local", "shared"]
)";
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"LOCAL_DB", local_db},
                                      {"HTTP_PLUGIN", HTTP_PLUGIN_PATH},
                                      {"LOCATION", server_->url(path)}}) {
      text.replace(text.find(name), name.size(), value);
    }
    Result<Config> parsed = parse_config(text, dir_ / "sitecache.toml", dir_);
    EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    return parsed ? parsed.value() : Config{};
  }

  // Memoizes pages [0, count) on `cache`. Returns the number of renders, or -1 when an
  // output was wrong or missing.
  static int build(Cache& cache, int count) {
    int renders = 0;
    for (int i = 0; i < count; ++i) {
      Inputs inputs;
      inputs.integer("page", i);
      Result<std::string> out = cache.memoize(Step{"page", 1}, inputs, [&] {
        ++renders;
        return page(i);
      });
      if (!out || *out != page(i)) return -1;
    }
    return renders;
  }

  std::unique_ptr<NginxServer> server_;
  fs::path dir_;
};

TEST_F(HttpTiered, SecondBuilderIsServedFromTheSharedHttpLevel) {
  Warnings warnings;
  {
    Caches first(config("a.db"), warnings.sink());
    ASSERT_EQ(build(first["build"], 30), 30);
  }
  Caches second(config("b.db"), warnings.sink());
  EXPECT_EQ(build(second["build"], 30), 0) << "every page came from the http level";
  EXPECT_EQ(warnings.count(), 0u);
  // The hits were copied into the second builder's own local level.
  Inputs inputs;
  inputs.integer("page", 7);
  bool rendered = false;
  Result<std::string> local = second["local"].memoize(Step{"page", 1}, inputs, [&] {
    rendered = true;
    return std::string();
  });
  ASSERT_TRUE(local.is_ok()) << local.status().to_string();
  EXPECT_FALSE(rendered) << "the local level should hold the page";
}

TEST_F(HttpTiered, ServerKilledMidBuildStillProducesCorrectOutput) {
  Warnings warnings;
  {
    Caches warm(config("warm.db"), warnings.sink());
    ASSERT_EQ(build(warm["build"], 40), 40);
  }
  Caches caches(config("fresh.db"), warnings.sink());
  Cache& cache = caches["build"];
  BuildSession session = cache.begin_build();
  auto slowest = std::chrono::milliseconds(0);
  int renders = 0;
  for (int i = 0; i < 40; ++i) {
    if (i == 20) server_->kill();  // SIGKILL, mid-build
    const auto start = std::chrono::steady_clock::now();
    Inputs inputs;
    inputs.integer("page", i);
    Result<std::string> out = cache.memoize(Step{"page", 1}, inputs, [&] {
      ++renders;
      return page(i);
    });
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start));
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(*out, page(i)) << "page " << i;
  }
  EXPECT_EQ(renders, 20) << "pages 0-19 came from the server, 20-39 were rendered";
  EXPECT_TRUE(session.finish().is_ok());
  EXPECT_EQ(warnings.count(), 1u) << "one warning, however many failures";
  EXPECT_LT(slowest, std::chrono::milliseconds(1500)) << "an operation waited past its timeout";

  // The server comes back: a new process (here: new caches) is served by it again.
  ASSERT_TRUE(server_->start());
  Warnings again;
  Caches next(config("next.db"), again.sink());
  EXPECT_EQ(build(next["build"], 20), 0);
  EXPECT_EQ(again.count(), 0u);
}

TEST_F(HttpTiered, ListingAndStaleClearingGoThroughPropfind) {
  Caches caches(config("unused.db"), [](std::string_view) {});
  Cache& shared = caches["shared"];
  for (int version = 1; version <= 2; ++version) {
    BuildSession session = shared.begin_build();
    for (int i = 0; i < 5; ++i) {
      Inputs inputs;
      inputs.integer("page", i);
      inputs.integer("edit", i == 0 ? version : 0);  // page 0 is edited in build 2
      MemoOptions options;
      options.slot = "page-" + std::to_string(i);
      ASSERT_TRUE(shared.memoize(
          Step{"page", 1}, inputs, [&] { return page(i); }, options));
    }
    ASSERT_TRUE(session.finish().is_ok());
  }
  Result<EntryListing> listing = list_entries(shared);
  ASSERT_TRUE(listing.is_ok()) << listing.status().to_string();
  EXPECT_EQ(listing->source, EntrySource::scan);
  EXPECT_EQ(listing->entries.size(), 6u) << "5 pages + page 0's first render";
  Result<ClearPlan> plan = plan_clear(shared, ClearSelector::stale(1));
  ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
  ASSERT_EQ(plan->removals.size(), 1u);
  EXPECT_EQ(plan->removals[0].reason, RemovalReason::superseded);
  Result<ClearSummary> done = execute(shared, *plan);
  ASSERT_TRUE(done.is_ok()) << done.status().to_string();
  EXPECT_EQ(done->removed, 1u);
  EXPECT_EQ(list_entries(shared).value().entries.size(), 5u);
}

TEST_F(HttpTiered, AServerThatCannotListFallsBackToTheBuildRecords) {
  Caches caches(config("unused.db", "/plain/"), [](std::string_view) {});
  Cache& shared = caches["shared"];
  BuildSession session = shared.begin_build();
  for (int i = 0; i < 5; ++i) {
    Inputs inputs;
    inputs.integer("page", i);
    ASSERT_TRUE(shared.memoize(Step{"page", 1}, inputs, [&] { return page(i); }));
  }
  ASSERT_TRUE(session.finish().is_ok());
  Result<EntryListing> listing = list_entries(shared);
  ASSERT_TRUE(listing.is_ok()) << listing.status().to_string();
  EXPECT_EQ(listing->source, EntrySource::build_records);
  EXPECT_EQ(listing->entries.size(), 5u);
}

}  // namespace
}  // namespace sitecache
