// Helpers shared by the config tests: parsing shortcuts, temporary directories and
// environment variables that are restored afterwards.
#ifndef SITECACHE_TESTS_CONFIG_TEST_SUPPORT_HPP
#define SITECACHE_TESTS_CONFIG_TEST_SUPPORT_HPP

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp, setenv, unsetenv

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "sitecache/config.hpp"

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

// A fresh directory under the system temp directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sitecache-config-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = std::filesystem::path(pattern).lexically_normal();
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `relative` (creating parent directories) and returns its path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

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
