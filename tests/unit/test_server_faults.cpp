// A shared server killed in the middle of a build costs misses and one warning, never a
// failed or wrong build; a new process uses the server again once it is back.
#include <gtest/gtest.h>

#include <chrono>

#include "../redis/server_process.hpp"
#include "cache_fixture.hpp"

namespace sitecache {
namespace {

using sitecache::testing::CapturedWarnings;
using Kind = sitecache::testing::ServerProcess::Kind;

struct ServerCase {
  Kind kind;
  const char* backend;
  const char* scheme;
};

class ServerFaults : public ::testing::TestWithParam<ServerCase> {};

std::string page(int i) {
  return "<article>" + std::to_string(i * 7919) + "</article>";
}

TEST_P(ServerFaults, KilledMidBuildCostsMissesAndOneWarning) {
  const ServerCase& sc = GetParam();
  if (!sitecache::testing::ServerProcess::available(sc.kind)) GTEST_SKIP() << "no server binary";
  sitecache::testing::ServerProcess server(sc.kind);
  ASSERT_TRUE(server.start());
  auto open = [&](CapturedWarnings& warnings) {
    CacheConfig settings = sitecache::testing::cache_settings(sc.backend, "faults");
    settings.location = std::string(sc.scheme) + server.address();
    return std::make_unique<Cache>(settings, Config{}, warnings.sink());
  };

  CapturedWarnings warnings;
  auto cache = open(warnings);
  BuildSession build = cache->begin_build();
  int wrong = 0;
  auto slowest = std::chrono::milliseconds(0);
  for (int i = 0; i < 40; ++i) {
    if (i == 20) server.kill();  // SIGKILL, mid-build
    Inputs inputs;
    inputs.integer("page", i);
    auto start = std::chrono::steady_clock::now();
    Result<std::string> out = cache->memoize(Step{"page", 1}, inputs, [&] { return page(i); });
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start));
    if (!out || *out != page(i)) ++wrong;
  }
  BuildRecord record = build.finish().value();
  EXPECT_EQ(wrong, 0) << "every page must still be right";
  EXPECT_EQ(warnings.count(), 1u) << "one warning, however many failures";
  EXPECT_GT(cache->counters().errors, 0u);
  EXPECT_GT(record.errors, 0u) << "errors are counted in the build record";
  EXPECT_LT(slowest, std::chrono::milliseconds(1500)) << "an operation waited past its timeout";

  // The server comes back: a new process (here: a new cache) uses it again.
  ASSERT_TRUE(server.start());
  CapturedWarnings again;
  auto fresh = open(again);
  ASSERT_TRUE(fresh->set("k", "v").is_ok());
  EXPECT_EQ(fresh->get("k").value(), "v");
  EXPECT_EQ(again.count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerFaults,
                         ::testing::Values(ServerCase{Kind::redis, "redis", "redis://"},
                                           ServerCase{Kind::memcached, "memcached", ""}),
                         [](const auto& info) { return std::string(info.param.backend); });

}  // namespace
}  // namespace sitecache
