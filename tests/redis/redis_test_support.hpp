// Fixture for the redis plugin tests: a redis-server of the test's own (server_process.hpp),
// handles on it through the real .so, and a plain hiredis connection to look behind the
// plugin's back (PTTL, EXISTS, foreign keys).
#ifndef SITECACHE_TESTS_REDIS_TEST_SUPPORT_HPP
#define SITECACHE_TESTS_REDIS_TEST_SUPPORT_HPP

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "abi_client.hpp"
#include "server_process.hpp"

namespace sitecache::testing {

using Options = std::map<std::string, std::string>;

class RedisTest : public ::testing::Test {
 protected:
  // Arguments added to the server's command line.
  virtual std::vector<std::string> server_args() const { return {}; }

  void SetUp() override { server_ = start_server(ServerProcess::Kind::redis, server_args()); }
  void TearDown() override {
    if (raw_) redisFree(raw_);
  }

  std::string location(const std::string& db = "0") const {
    return "redis://" + server_->address() + "/" + db;
  }
  // A handle on this test's server; options override the defaults.
  std::unique_ptr<AbiClient> open(Options options = {}) const {
    if (!options.count("location")) options["location"] = location();
    auto client = std::make_unique<AbiClient>(REDIS_PLUGIN_PATH, options);
    EXPECT_TRUE(client->ok()) << client->last_error();
    return client;
  }

  // Runs a command on a plain connection to db 0 (or the db last SELECTed).
  redisReply* raw(const std::vector<std::string>& args) {
    if (!raw_) raw_ = redisConnect("127.0.0.1", server_->port());
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    last_reply_.reset(static_cast<redisReply*>(
        redisCommandArgv(raw_, static_cast<int>(argv.size()), argv.data(), lengths.data())));
    return last_reply_.get();
  }
  long long raw_integer(const std::vector<std::string>& args) {
    redisReply* reply = raw(args);
    return reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -999;
  }
  bool exists(const std::string& key) { return raw_integer({"EXISTS", key}) == 1; }

  std::unique_ptr<ServerProcess> server_;

 private:
  struct ReplyDeleter {
    void operator()(redisReply* r) const {
      if (r) freeReplyObject(r);
    }
  };
  redisContext* raw_ = nullptr;
  std::unique_ptr<redisReply, ReplyDeleter> last_reply_;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_REDIS_TEST_SUPPORT_HPP
