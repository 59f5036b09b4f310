// Helpers for the file backend's tests: a client for the plugin .so, and inspection of the
// on-disk tree. Directories, ABI calls and values come from tests/support.
//
// The tests know the on-disk layout only as far as the plugin documents it: entry files
// are named by 32 hex digits inside two levels of shard directories, temporary files
// start with ".tmp.", and the key is not recoverable from a file name.
#ifndef SITECACHE_TESTS_FILE_TEST_SUPPORT_HPP
#define SITECACHE_TESTS_FILE_TEST_SUPPORT_HPP

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "abi_client.hpp"
#include "temp_dir.hpp"
#include "test_values.hpp"

namespace sitecache::file_test {

namespace fs = std::filesystem;
using testing::AbiClient;
using testing::binary_value;
using testing::Calls;
using testing::read_file;
using testing::ScanEntry;
using testing::write_file;
using ScratchDir = testing::TempDir;

using OptionMap = std::map<std::string, std::string>;

// A client of the file plugin .so with location `location` plus `extra` options.
std::unique_ptr<AbiClient> open_cache(const fs::path& location, const OptionMap& extra = {});

// A whole scan; `calls` (when given) receives the number of calls it took. Fails the
// current test on a non-OK status.
std::vector<ScanEntry> scan_all(AbiClient& client, const std::string& prefix, size_t batch,
                                uint32_t flags = SC_SCAN_KEYS, int* calls = nullptr);

// Regular files named like entries (32 hex digits) below `location`, not following
// symlinks.
std::vector<fs::path> entry_files(const fs::path& location);
// Every file named like a temporary file below `location`.
std::vector<fs::path> temp_files(const fs::path& location);
// Sets both atime and mtime of `path` (not following a symlink) to now - `age_seconds`.
void set_age(const fs::path& path, double age_seconds);
// The single entry file below `location` that appeared after `before` was listed.
fs::path new_entry_file(const fs::path& location, const std::vector<fs::path>& before);
// Mode bits (& 0777) of `path`, not following symlinks.
mode_t mode_of(const fs::path& path);

}  // namespace sitecache::file_test

#endif  // SITECACHE_TESTS_FILE_TEST_SUPPORT_HPP
