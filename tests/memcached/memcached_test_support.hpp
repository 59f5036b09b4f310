// Fixture for the memcached plugin tests: a memcached of the test's own
// (../redis/server_process.hpp), handles on it through the real .so, and a plain
// libmemcached client to look behind the plugin's back (generation counters, chunk
// items, per-server stats), using the key scheme documented in plugins/memcached/keys.hpp.
#ifndef SITECACHE_TESTS_MEMCACHED_TEST_SUPPORT_HPP
#define SITECACHE_TESTS_MEMCACHED_TEST_SUPPORT_HPP

#include <gtest/gtest.h>
#include <libmemcached/memcached.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi_client.hpp"
#include "server_process.hpp"

namespace sitecache::testing {

using Options = std::map<std::string, std::string>;

// A plain libmemcached client (binary protocol, like the plugin) on one server.
class RawMemcached {
 public:
  explicit RawMemcached(uint16_t port) : client_(memcached_create(nullptr)) {
    memcached_behavior_set(client_, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    memcached_server_add(client_, "127.0.0.1", port);
  }
  ~RawMemcached() { memcached_free(client_); }
  RawMemcached(const RawMemcached&) = delete;
  RawMemcached& operator=(const RawMemcached&) = delete;

  std::optional<std::string> get(const std::string& key, uint32_t* flags = nullptr) {
    size_t length = 0;
    uint32_t f = 0;
    memcached_return_t rc;
    char* value = memcached_get(client_, key.data(), key.size(), &length, &f, &rc);
    if (flags) *flags = f;
    if (rc != MEMCACHED_SUCCESS) return std::nullopt;
    std::string out(value ? value : "", length);
    std::free(value);
    return out;
  }
  bool remove(const std::string& key) {
    return memcached_delete(client_, key.data(), key.size(), 0) == MEMCACHED_SUCCESS;
  }
  // The stat `name` of the server, or -1.
  long long stat(const char* name) {
    memcached_return_t rc;
    memcached_stat_st* stats = memcached_stat(client_, nullptr, &rc);
    if (!stats) return -1;
    char* value = memcached_stat_get_value(client_, stats, name, &rc);
    long long out = value ? std::atoll(value) : -1;
    std::free(value);
    memcached_stat_free(nullptr, stats);
    return out;
  }
  // The real key of host key `key` (keys.hpp): "<generation>:<key>".
  std::string real_key(const std::string& key) {
    std::string ns = key.substr(0, key.find(':') + 1);
    std::optional<std::string> generation = get("ns:" + ns);
    return generation ? *generation + ":" + key : "<no generation for " + ns + ">";
  }

 private:
  memcached_st* client_;
};

class MemcachedTest : public ::testing::Test {
 protected:
  virtual std::vector<std::string> server_args() const { return {}; }

  void SetUp() override {
    server_ = start_server(ServerProcess::Kind::memcached, server_args());
    if (server_) raw_ = std::make_unique<RawMemcached>(server_->port());
  }

  std::unique_ptr<AbiClient> open(Options options = {}) const {
    if (!options.count("location")) options["location"] = server_->address();
    auto client = std::make_unique<AbiClient>(MEMCACHED_PLUGIN_PATH, options);
    EXPECT_TRUE(client->ok()) << client->last_error();
    return client;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RawMemcached> raw_;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_MEMCACHED_TEST_SUPPORT_HPP
