// The redis plugin's options: location grammar and numeric options, checked through
// create() of the real .so. create() never connects, so no server is needed.
#include <gtest/gtest.h>

#include "abi_client.hpp"

namespace sitecache::testing {
namespace {

using Options = std::map<std::string, std::string>;

sc_status create_status(const Options& options, std::string* error = nullptr) {
  AbiClient client(REDIS_PLUGIN_PATH, options);
  if (error) *error = client.last_error();
  return client.last_status();
}

TEST(RedisLocation, AcceptsTheDocumentedForms) {
  for (const char* location :
       {"", "redis://127.0.0.1:6379/0", "redis://localhost", "redis://localhost:7000",
        "redis://cache.example.com:6380/15", "redis://:secret@10.0.0.1:6379/2",
        "redis://user:p%40ss%2Fword@host:1/0", "redis://[::1]:6379/1", "redis://[::1]",
        "redis://host:6379/", "unix:///run/redis/redis.sock", "unix:///tmp/r.sock?db=3",
        "unix://:pw@/tmp/r.sock"}) {
    std::string error;
    EXPECT_EQ(create_status({{"location", location}}, &error), SC_OK) << location << ": " << error;
  }
}

TEST(RedisLocation, RejectsMalformedLocationsWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1:6379", "expected redis://"},
      {"http://host:6379", "expected redis://"},
      {"rediss://host:6379", "TLS"},
      {"redis://", "host is empty"},
      {"redis://:6379", "host is empty"},
      {"redis://host:0", "port"},
      {"redis://host:65536", "port"},
      {"redis://host:abc", "port"},
      {"redis://host:6379/x", "database"},
      {"redis://host:6379/-1", "database"},
      {"redis://host:6379/1/2", "database"},
      {"redis://host:6379?db=1", "query"},
      {"redis://secret@host", "credentials"},
      {"redis://:@host", "password"},
      {"redis://:%zz@host", "percent"},
      {"redis://ho st", "whitespace"},
      {"redis://h*st", "host name"},
      {"redis://[::1", "unclosed"},
      {"redis://[zz]:1", "IPv6"},
      {"unix://relative.sock", "absolute"},
      {"unix://host/tmp/r.sock", "no host"},
      {"unix:///", "empty"},
      {"unix:///tmp/r.sock?database=1", "db="},
  };
  for (const auto& [location, reason] : cases) {
    std::string error;
    EXPECT_EQ(create_status({{"location", location}}, &error), SC_INVALID_ARGUMENT) << location;
    EXPECT_NE(error.find(reason), std::string::npos) << location << ": " << error;
    if (std::string_view(location).find('@') == std::string_view::npos) {
      EXPECT_NE(error.find(location), std::string::npos) << "names the location: " << error;
    }
  }
}

TEST(RedisLocation, ThePasswordNeverAppearsInErrors) {
  std::string error;
  EXPECT_EQ(create_status({{"location", "redis://:hunter2@host:99999"}}, &error),
            SC_INVALID_ARGUMENT);
  EXPECT_NE(error.find("port"), std::string::npos) << error;
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  EXPECT_NE(error.find("redis://***@host:99999"), std::string::npos) << error;
}

TEST(RedisOptions, ValidatesNumbersAndRejectsUnknownOptions) {
  EXPECT_EQ(create_status({{"connect_timeout_ms", "50"},
                           {"command_timeout_ms", "100"},
                           {"retry_interval_ms", "0"},
                           {"pool_size", "2"}}),
            SC_OK);
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"connect_timeout_ms", "0"},
                                                        {"connect_timeout_ms", "soon"},
                                                        {"command_timeout_ms", "-5"},
                                                        {"retry_interval_ms", "600001"},
                                                        {"pool_size", "0"}}) {
    std::string error;
    EXPECT_EQ(create_status({{key, value}}, &error), SC_INVALID_ARGUMENT) << key << "=" << value;
    EXPECT_NE(error.find(key), std::string::npos) << error;
  }
  std::string error;
  EXPECT_EQ(create_status({{"servers", "x"}}, &error), SC_INVALID_ARGUMENT);
  EXPECT_NE(error.find("servers"), std::string::npos) << error;
  // Reserved keys it has no use for are ignored.
  EXPECT_EQ(create_status({{"max_entries", "10"},
                           {"max_size", "100"},
                           {"read_only", "true"},
                           {"cache_name", "x"},
                           {"base_dir", "/tmp"},
                           {"cull_frequency", "3"}}),
            SC_OK);
}

TEST(RedisOptions, DeclaresItsCapabilities) {
  AbiClient client(REDIS_PLUGIN_PATH, {});
  ASSERT_TRUE(client.ok());
  const uint64_t expected = SC_CAP_THREAD_SAFE | SC_CAP_NATIVE_TTL | SC_CAP_PERSISTENT |
                            SC_CAP_SHARED | SC_CAP_GET_MANY | SC_CAP_SET_MANY | SC_CAP_TOUCH |
                            SC_CAP_CLEAR | SC_CAP_SCAN | SC_CAP_STATS | SC_CAP_ADD |
                            SC_CAP_VALIDATE;
  EXPECT_EQ(client.plugin().capabilities, expected);
  EXPECT_STREQ(client.plugin().name, "redis");
}

}  // namespace
}  // namespace sitecache::testing
