// Fixture for the http plugin tests: an nginx of the test's own (nginx_server.hpp) and
// handles on it through the real .so and its raw C ABI (plugin_calls.hpp).
#ifndef SITECACHE_TESTS_HTTP_TEST_SUPPORT_HPP
#define SITECACHE_TESTS_HTTP_TEST_SUPPORT_HPP

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "abi_client.hpp"
#include "nginx_server.hpp"

namespace sitecache::testing {

using Options = std::map<std::string, std::string>;

inline std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every regular file under `dir`, as paths relative to it.
inline std::set<std::string> files_under(const std::filesystem::path& dir) {
  std::set<std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.insert(std::filesystem::relative(it->path(), dir).string());
  }
  return files;
}

inline std::set<std::string> keys_of(const std::vector<ScanEntry>& entries) {
  std::set<std::string> keys;
  for (const ScanEntry& entry : entries) keys.insert(entry.key);
  return keys;
}

class HttpTest : public ::testing::Test {
 protected:
  virtual NginxTls tls() const { return NginxTls::off; }

  void SetUp() override {
    const std::string reason = NginxServer::unavailable_reason(tls());
    if (!reason.empty()) GTEST_SKIP() << reason;
    server_ = std::make_unique<NginxServer>(tls());
    ASSERT_TRUE(server_->start()) << "nginx did not start:\n" << server_->error_log();
  }

  // A handle on this test's nginx (location /cache/ unless options say otherwise).
  std::unique_ptr<AbiClient> open(Options options = {}) const {
    if (!options.count("location")) options["location"] = server_->url("/cache/");
    auto client = std::make_unique<AbiClient>(HTTP_PLUGIN_PATH, options);
    EXPECT_TRUE(client->ok()) << client->last_error();
    return client;
  }
  std::filesystem::path cache_dir() const { return server_->root() / "cache"; }

  std::unique_ptr<NginxServer> server_;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_HTTP_TEST_SUPPORT_HPP
