// Test support: temporary directories and the small file helpers tests use in them.
//
// TempDir is the one temporary-directory helper of the test suites: a fresh private
// directory from mkdtemp, removed with everything in it when the TempDir goes, without
// following symlinks, even where a test left a directory without write permission.
#ifndef SITECACHE_TESTS_SUPPORT_TEMP_DIR_HPP
#define SITECACHE_TESTS_SUPPORT_TEMP_DIR_HPP

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sitecache::testing {

class TempDir {
 public:
  // Creates <system temp dir>/sitecache-<label>-XXXXXX. Throws when it cannot.
  explicit TempDir(std::string_view label = "test") {
    std::string name = "sitecache-";
    for (char c : label.substr(0, 48)) {
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      name += plain ? c : '-';
    }
    std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    path_ = std::filesystem::path(pattern).lexically_normal();
  }
  ~TempDir() {
    if (kept_) return;
    std::error_code ignored;
    // remove_all does not follow symlinks; it cannot empty a directory without write
    // permission, so those are made writable first.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ignored);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ignored)) {
      if (it->is_directory(ignored) && !it->is_symlink(ignored)) {
        std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ignored);
      }
    }
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to `relative` (creating parent directories) and returns its path.
  std::filesystem::path write(const std::filesystem::path& relative,
                              std::string_view content) const;

  // Leaves the directory in place, to look at after a failed test.
  void keep() { kept_ = true; }

 private:
  std::filesystem::path path_;
  bool kept_ = false;
};

// The whole content of a file ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the content of a file; the test fails when it cannot be written.
inline void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out.good()) ADD_FAILURE() << "cannot write " << path;
}

inline std::filesystem::path TempDir::write(const std::filesystem::path& relative,
                                            std::string_view content) const {
  const std::filesystem::path file = path_ / relative;
  std::filesystem::create_directories(file.parent_path());
  write_file(file, content);
  return file;
}

// A test with a fresh directory of its own, dir_, named after the test. A failed test
// keeps it and says where. Fixtures that need more setup call TempDirTest::SetUp() first.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    temp_.emplace(std::string(test->test_suite_name()) + "." + test->name());
    dir_ = temp_->path();
  }
  void TearDown() override {
    if (temp_ && HasFailure()) {
      temp_->keep();
      std::cerr << "kept " << dir_.string() << " for inspection\n";
    }
    temp_.reset();
  }

  std::filesystem::path dir_;

 private:
  std::optional<TempDir> temp_;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_SUPPORT_TEMP_DIR_HPP
