// The memcached plugin's options: server list grammar and numeric options, checked through
// create() of the real .so. create() never connects, so no server is needed.
#include <gtest/gtest.h>

#include "abi_client.hpp"

namespace sitecache::testing {
namespace {

using Options = std::map<std::string, std::string>;

sc_status create_status(const Options& options, std::string* error = nullptr) {
  AbiClient client(MEMCACHED_PLUGIN_PATH, options);
  if (error) *error = client.last_error();
  return client.last_status();
}

TEST(MemcachedLocation, AcceptsServerLists) {
  for (const char* location :
       {"", "127.0.0.1:11211", "127.0.0.1", "cache-1.internal:11211,cache-2.internal:11212",
        " a:1 , b:2 ", "[::1]:11211", "[::1]", "/run/memcached/memcached.sock",
        "a:1,/tmp/m.sock,[::1]:3"}) {
    std::string error;
    EXPECT_EQ(create_status({{"location", location}}, &error), SC_OK) << location << ": " << error;
  }
}

TEST(MemcachedLocation, RejectsMalformedListsWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"a:1,,b:2", "empty server entry"},
      {"a:1,", "empty server entry"},
      {"memcached://a:1", "without a scheme"},
      {"a:0", "port"},
      {"a:70000", "port"},
      {"a:x", "port"},
      {"a:1,a:1", "listed twice"},
      {"[::1", "unclosed"},
      {"[zz]:1", "IPv6"},
      {"a b:1", "whitespace"},
      {"h*st:1", "host name"},
      {"host:1:2", "port"},
  };
  for (const auto& [location, reason] : cases) {
    std::string error;
    EXPECT_EQ(create_status({{"location", location}}, &error), SC_INVALID_ARGUMENT) << location;
    EXPECT_NE(error.find(reason), std::string::npos) << location << ": " << error;
    EXPECT_NE(error.find(location), std::string::npos) << "names the location: " << error;
  }
}

TEST(MemcachedOptions, ValidatesNumbersAndRejectsUnknownOptions) {
  EXPECT_EQ(create_status({{"connect_timeout_ms", "50"},
                           {"io_timeout_ms", "100"},
                           {"retry_interval_ms", "0"},
                           {"pool_size", "2"},
                           {"item_size_max", "4194304"},
                           {"namespace_refresh_ms", "0"}}),
            SC_OK);
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"connect_timeout_ms", "0"},
                                                        {"io_timeout_ms", "fast"},
                                                        {"retry_interval_ms", "-1"},
                                                        {"pool_size", "0"},
                                                        {"item_size_max", "1000"},
                                                        {"item_size_max", "2147483648"},
                                                        {"namespace_refresh_ms", "60001"}}) {
    std::string error;
    EXPECT_EQ(create_status({{key, value}}, &error), SC_INVALID_ARGUMENT) << key << "=" << value;
    EXPECT_NE(error.find(key), std::string::npos) << error;
  }
  std::string error;
  EXPECT_EQ(create_status({{"servers", "a:1"}}, &error), SC_INVALID_ARGUMENT);
  EXPECT_NE(error.find("servers"), std::string::npos) << error;
  EXPECT_EQ(create_status({{"max_entries", "10"},
                           {"max_size", "100"},
                           {"read_only", "false"},
                           {"cache_name", "x"},
                           {"base_dir", "/tmp"},
                           {"cull_frequency", "3"}}),
            SC_OK);
}

TEST(MemcachedOptions, DeclaresNoScan) {
  AbiClient client(MEMCACHED_PLUGIN_PATH, {});
  ASSERT_TRUE(client.ok());
  const uint64_t expected = SC_CAP_THREAD_SAFE | SC_CAP_NATIVE_TTL | SC_CAP_PERSISTENT |
                            SC_CAP_SHARED | SC_CAP_GET_MANY | SC_CAP_SET_MANY | SC_CAP_TOUCH |
                            SC_CAP_CLEAR | SC_CAP_STATS | SC_CAP_ADD | SC_CAP_VALIDATE;
  EXPECT_EQ(client.plugin().capabilities, expected);
  EXPECT_EQ(client.plugin().scan, nullptr);
  EXPECT_STREQ(client.plugin().name, "memcached");
}

}  // namespace
}  // namespace sitecache::testing
