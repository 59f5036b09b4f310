#include "file_test_support.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

namespace sitecache::file_test {
namespace {

bool is_hex_name(const std::string& name) {
  return name.size() == 32 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<fs::path> files_where(const fs::path& location, bool (*wanted)(const std::string&)) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(location, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && !it->is_symlink() && wanted(it->path().filename().string())) {
      found.push_back(it->path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::unique_ptr<AbiClient> open_cache(const fs::path& location, const OptionMap& extra) {
  OptionMap options = extra;
  options.emplace("location", location.string());
  return std::make_unique<AbiClient>(FILE_PLUGIN_PATH, options);
}

std::vector<ScanEntry> scan_all(AbiClient& client, const std::string& prefix, size_t batch,
                                uint32_t flags, int* calls) {
  std::vector<ScanEntry> all;
  EXPECT_EQ(Calls(client).scan_all(prefix, batch, flags, all, calls), SC_OK);
  return all;
}

std::vector<fs::path> entry_files(const fs::path& location) {
  return files_where(location, &is_hex_name);
}

std::vector<fs::path> temp_files(const fs::path& location) {
  return files_where(location, [](const std::string& name) { return name.starts_with(".tmp."); });
}

void set_age(const fs::path& path, double age_seconds) {
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  auto back_ns = static_cast<int64_t>(age_seconds * 1e9);
  int64_t ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec - back_ns;
  struct timespec then {
    static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)
  };
  struct timespec times[2] = {then, then};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

fs::path new_entry_file(const fs::path& location, const std::vector<fs::path>& before) {
  std::vector<fs::path> after = entry_files(location);
  std::vector<fs::path> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  EXPECT_EQ(added.size(), 1u);
  return added.empty() ? fs::path() : added.front();
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

}  // namespace sitecache::file_test
