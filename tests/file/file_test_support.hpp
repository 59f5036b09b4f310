// Helpers for the file backend's tests: a scratch directory, a client for the plugin .so
// (AbiClient plus the optional calls it lacks), and inspection of the on-disk tree.
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
#include <optional>
#include <string>
#include <vector>

#include "abi_client.hpp"

namespace sitecache::file_test {

namespace fs = std::filesystem;
using testing::AbiClient;

// A fresh directory under the system temp dir, removed (without following symlinks) on
// destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

using OptionMap = std::map<std::string, std::string>;

// A client of the file plugin .so with location `location` plus `extra` options.
std::unique_ptr<AbiClient> open_cache(const fs::path& location, const OptionMap& extra = {});

// The optional ABI calls. Each returns the status; `error` (when given) gets the message.
sc_status touch(AbiClient& client, const std::string& key, int64_t ttl_ms);
sc_status add(AbiClient& client, const std::string& key, const std::string& value, int64_t ttl_ms,
              bool& stored, std::string* error = nullptr);
sc_status clear(AbiClient& client, const std::string& prefix);
sc_status set_many(AbiClient& client, const std::vector<std::pair<std::string, std::string>>& items,
                   int64_t ttl_ms);
std::map<size_t, std::string> get_many(AbiClient& client, const std::vector<std::string>& keys,
                                       sc_status* status = nullptr);

struct Scanned {
  std::string key;
  std::optional<std::string> value;
  int64_t value_size = 0;
  int64_t expires_ms = 0;
  int64_t last_access_ms = 0;
};

struct ScanPage {
  sc_status status = SC_OK;
  uint64_t cursor = 0;
  std::vector<Scanned> items;
};

// One scan call from `cursor`. `stop_after` > 0 makes the visitor ask to stop after that
// many items.
ScanPage scan_once(AbiClient& client, const std::string& prefix, uint64_t cursor, size_t batch,
                   uint32_t flags, size_t stop_after = 0);
// A whole scan; `calls` (when given) receives the number of calls it took. Fails the
// current test on a non-OK status.
std::vector<Scanned> scan_all(AbiClient& client, const std::string& prefix, size_t batch,
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
// The whole content of a file.
std::string read_file(const fs::path& path);
void write_file(const fs::path& path, const std::string& content);

// Deterministic binary bytes of `size` from `seed`.
std::string binary_value(size_t size, uint64_t seed);

}  // namespace sitecache::file_test

#endif  // SITECACHE_TESTS_FILE_TEST_SUPPORT_HPP
