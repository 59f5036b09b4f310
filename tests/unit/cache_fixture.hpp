// Test support: a Cache on a chosen plugin with warnings captured.
#ifndef SITECACHE_TESTS_CACHE_FIXTURE_HPP
#define SITECACHE_TESTS_CACHE_FIXTURE_HPP

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sitecache/cache.hpp"
#include "temp_dir.hpp"  // TempDirTest

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

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_CACHE_FIXTURE_HPP
