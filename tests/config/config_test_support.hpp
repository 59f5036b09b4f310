// Helpers shared by the config tests: parsing shortcuts and environment variables that are
// restored afterwards (temporary directories: tests/support/temp_dir.hpp).
#ifndef SITECACHE_TESTS_CONFIG_TEST_SUPPORT_HPP
#define SITECACHE_TESTS_CONFIG_TEST_SUPPORT_HPP

#include <gtest/gtest.h>
#include <stdlib.h>  // setenv, unsetenv

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "sitecache/config.hpp"
#include "temp_dir.hpp"  // TempDir

namespace sitecache::testing {

// Parses `text` as "site.toml" with base directory /site; the test fails on an error.
inline Config parse_ok(std::string_view text) {
  Result<Config> config = parse_config(text, "site.toml", "/site");
  EXPECT_TRUE(config) << config.status().to_string();
  return config ? std::move(config).value() : Config{};
}

// Parses `text` as "site.toml" and returns the config error's message; the test fails if
// parsing succeeds or fails with another code.
inline std::string parse_error(std::string_view text) {
  Result<Config> config = parse_config(text, "site.toml", "/site");
  EXPECT_FALSE(config) << text;
  EXPECT_EQ(config.status().code(), StatusCode::config) << config.status().to_string();
  return config.status().message();
}

// Sets (or unsets, with nullopt) an environment variable and restores the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    apply(value);
  }
  ~ScopedEnv() { apply(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void apply(const std::optional<std::string>& value) const {
    if (value) {
      setenv(name_, value->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_CONFIG_TEST_SUPPORT_HPP
