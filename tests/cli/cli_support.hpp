// End-to-end test support: runs the real `sitecache` binary (and the build helper) in a
// fresh temporary directory that holds the sitecache.toml and the cache's storage.
#ifndef SITECACHE_TESTS_CLI_SUPPORT_HPP
#define SITECACHE_TESTS_CLI_SUPPORT_HPP

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sitecache/timeout.hpp"
#include "temp_dir.hpp"

namespace sitecache::cli_test {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct Exec {
  int exit_code = -1;  // 128 + the signal for a child killed by one
  std::string out;
  std::string err;
  long max_rss_kib = 0;  // the child's peak resident memory
};

// Runs `program` with `args` in `cwd`, feeding `input` on stdin. The environment is the
// test's own minus every SITECACHE_* variable, plus `env` ("NAME=value").
Exec run_program(const std::string& program, const std::vector<std::string>& args,
                 const fs::path& cwd, const std::string& input = {},
                 const std::vector<std::string>& env = {});

// The backends the end-to-end tests run against. redis and memcached need a running
// server: CliTest::server_location_ says where.
enum class Backend { sqlite, file, noscan, redis, memcached };
std::string backend_name(Backend backend);

// Every test gets a temporary directory (dir_, kept when the test fails) with a
// sitecache.toml in it.
class CliTest : public testing::TempDirTest {
 protected:
  void SetUp() override;

  // Writes sitecache.toml: cache "default" and cache "other" (a second key prefix in the
  // same store) on `backend`, plus `extra` appended to [cache.default]. The redis and
  // memcached backends are named as plugins ("redis", "memcached") and use
  // server_location_, which must be set first.
  void configure(Backend backend, const std::string& extra = {});
  void write_config(const std::string& toml);
  fs::path write_file(const fs::path& relative, const std::string& content);

  // `sitecache ARGS...` in the test directory.
  Exec sitecache(const std::vector<std::string>& args, const std::string& input = {});
  // One build of the helper over `site` (relative to the test directory).
  Exec build(const std::string& site = "site", const std::vector<std::string>& extra = {});
  // Parses stdout as JSON, failing the test when it is not.
  static Json json_of(const Exec& run);
  // The keys `ls --json` lists.
  std::set<std::string> listed_keys(const std::string& cache = "default");

  // The library, in this process, on `cache` of the test's sitecache.toml, with the core's
  // clock at now + `offset` (a ManualClock), so that a test moves time instead of waiting
  // for it. put_as_of(-1h, ...) stores an entry created an hour ago, whose expiry is
  // already past when the real CLI looks at it; get_as_of(2min, ...) reads as of later.
  // A backend's own TTL starts when the entry is written, and runs for `timeout`.
  void put_as_of(std::chrono::milliseconds offset, const std::string& key, const std::string& value,
                 Timeout timeout = {}, const std::string& cache = "default");
  std::optional<std::string> get_as_of(std::chrono::milliseconds offset, const std::string& key,
                                       const std::string& cache = "default");

  Backend backend_ = Backend::sqlite;
  // The `location` of the redis or memcached server the test started.
  std::string server_location_;
};

// Every byte value, several times, with NULs and newlines in odd places.
std::string binary_sample(size_t repeat = 8);

}  // namespace sitecache::cli_test

// Prints a Exec when an assertion about it fails.
#define RUN_INFO(run) \
  "exit " << (run).exit_code << "\n--- stdout\n" << (run).out << "\n--- stderr\n" << (run).err

#endif  // SITECACHE_TESTS_CLI_SUPPORT_HPP
