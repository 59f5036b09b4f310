// Test support: a Cache on a chosen plugin with warnings captured.
#ifndef SITECACHE_TESTS_CACHE_FIXTURE_HPP
#define SITECACHE_TESTS_CACHE_FIXTURE_HPP

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sitecache/cache.hpp"

namespace sitecache::testing {

struct CapturedWarnings {
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

inline CacheConfig cache_settings(std::string backend, std::string prefix = "test") {
  CacheConfig settings;
  settings.name = "test";
  settings.backend = std::move(backend);
  settings.key_prefix = std::move(prefix);
  return settings;
}

// A test with a fresh directory of its own, named after the test and the process, removed
// afterwards. Fixtures that need more setup call TempDirTest::SetUp() first.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sitecache-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_CACHE_FIXTURE_HPP
