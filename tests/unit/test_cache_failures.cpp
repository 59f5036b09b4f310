// on_error: a failing backend degrades to misses with one warning, or fails loudly.
#include <gtest/gtest.h>

#include "cache_fixture.hpp"
#include "sitecache/plugin_abi.h"

namespace sitecache {
namespace {

using testing::cache_settings;
using testing::CapturedWarnings;

TEST(CacheFailures, MissModeWarnsOnceAndCounts) {
  Config config;
  CapturedWarnings warnings;
  Cache cache(cache_settings(BROKEN_SET_FAILS), config, warnings.sink());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(cache.set("k", "v").is_ok());
  EXPECT_EQ(warnings.count(), 1u);
  EXPECT_NE(warnings.lines[0].find("disk on fire"), std::string::npos) << warnings.lines[0];
  EXPECT_NE(warnings.lines[0].find("cache 'test'"), std::string::npos);
  EXPECT_EQ(cache.counters().errors, 5u);
  EXPECT_EQ(cache.counters().sets, 0u);
}

TEST(CacheFailures, FailModeReturnsTheError) {
  Config config;
  CapturedWarnings warnings;
  CacheConfig settings = cache_settings(BROKEN_SET_FAILS);
  settings.on_error = OnError::fail;
  Cache cache(settings, config, warnings.sink());
  Status status = cache.set("k", "v");
  EXPECT_EQ(status.code(), StatusCode::io);
  EXPECT_NE(status.message().find("disk on fire"), std::string::npos);
  EXPECT_EQ(warnings.count(), 0u);
}

TEST(CacheFailures, UnknownBackendIsAMissOrAClearError) {
  Config config;
  CapturedWarnings warnings;
  Cache lenient(cache_settings("no-such-backend"), config, warnings.sink());
  EXPECT_FALSE(lenient.get("k").value().has_value());
  EXPECT_TRUE(lenient.set("k", "v").is_ok());
  ASSERT_EQ(warnings.count(), 1u);
  EXPECT_NE(warnings.lines[0].find("unknown backend 'no-such-backend'"), std::string::npos);

  CacheConfig strict_settings = cache_settings("no-such-backend");
  strict_settings.on_error = OnError::fail;
  Cache strict(strict_settings, config, warnings.sink());
  Result<std::optional<std::string>> got = strict.get("k");
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), StatusCode::plugin);
  EXPECT_NE(got.status().message().find("available:"), std::string::npos);
  EXPECT_EQ(strict.check_backend().code(), StatusCode::plugin);
}

TEST(CacheFailures, WrongAbiPluginNeverServes) {
  Config config;
  CapturedWarnings warnings;
  CacheConfig settings = cache_settings(BROKEN_WRONG_ABI);
  settings.on_error = OnError::fail;
  Cache cache(settings, config, warnings.sink());
  Status status = cache.set("k", "v");
  EXPECT_EQ(status.code(), StatusCode::plugin);
  EXPECT_NE(status.message().find("ABI 99." + std::to_string(SC_ABI_MINOR)), std::string::npos);
}

}  // namespace
}  // namespace sitecache
