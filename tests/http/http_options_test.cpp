// The http plugin's options, checked through create() of the real .so (create() never
// connects), and what the requests look like on the wire (a scripted server records them).
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "abi_client.hpp"
#include "raw_http_server.hpp"

namespace sitecache::testing {
namespace {

using Options = std::map<std::string, std::string>;

sc_status create_status(const Options& options, std::string* error = nullptr) {
  AbiClient client(HTTP_PLUGIN_PATH, options);
  if (error) *error = client.last_error();
  return client.last_status();
}

TEST(HttpOptions, DeclaresItsCapabilities) {
  AbiClient client(HTTP_PLUGIN_PATH, {{"location", "http://127.0.0.1:1/"}});
  const uint64_t caps = client.plugin().capabilities;
  EXPECT_EQ(std::string(client.plugin().name), "http");
  for (uint64_t bit : {SC_CAP_THREAD_SAFE, SC_CAP_PERSISTENT, SC_CAP_SHARED, SC_CAP_GET_MANY,
                       SC_CAP_SET_MANY, SC_CAP_SCAN, SC_CAP_CLEAR}) {
    EXPECT_NE(caps & bit, 0u) << bit;
  }
  for (uint64_t bit : {SC_CAP_ADD, SC_CAP_TOUCH, SC_CAP_STATS, SC_CAP_NATIVE_TTL}) {
    EXPECT_EQ(caps & bit, 0u) << bit;
  }
}

TEST(HttpOptions, AcceptsTheDocumentedForms) {
  setenv("SITECACHE_TEST_HTTP_SECRET", "s3cret", 1);
  const Options valid[] = {
      {{"location", "http://127.0.0.1:8080/cache/"}},
      {{"location", "https://cache.example.com/team/site"}},
      {{"location", "http://[::1]:8080/"}, {"layout", "subdirs"}, {"listing", "none"}},
      {{"location", "http://h/"}, {"token_env", "SITECACHE_TEST_HTTP_SECRET"}},
      {{"location", "http://h/"},
       {"username", "ci"},
       {"password_env", "SITECACHE_TEST_HTTP_SECRET"}},
      {{"location", "https://h/"},
       {"verify_tls", "false"},
       {"connect_timeout_ms", "1"},
       {"timeout_ms", "600000"},
       {"retries", "0"},
       {"retry_interval_ms", "0"},
       {"parallel", "256"},
       {"pool_size", "1"}},
      // Reserved keys the host passes are accepted and ignored.
      {{"location", "http://h/"},
       {"max_entries", "10"},
       {"max_size", "100"},
       {"cull_frequency", "3"},
       {"read_only", "true"},
       {"cache_name", "x"},
       {"base_dir", "/"}},
  };
  for (const Options& options : valid) {
    std::string error;
    EXPECT_EQ(create_status(options, &error), SC_OK) << options.at("location") << ": " << error;
  }
}

TEST(HttpOptions, RejectsBadOptionsNamingTheProblem) {
  unsetenv("SITECACHE_TEST_HTTP_UNSET");
  setenv("SITECACHE_TEST_HTTP_SECRET", "s3cret", 1);
  const std::pair<Options, std::string> invalid[] = {
      {{}, "location"},
      {{{"location", "ftp://h/"}}, "http://"},
      {{{"location", "127.0.0.1:8080"}}, "location"},
      {{{"location", "http://user:pw@h/"}}, "credentials"},
      {{{"location", "http://h/?q=1"}}, "query"},
      {{{"location", "http://h/#f"}}, "fragment"},
      {{{"location", "http://h/"}, {"layout", "nested"}}, "layout"},
      {{{"location", "http://h/"}, {"listing", "sometimes"}}, "listing"},
      {{{"location", "http://h/"}, {"timeout_ms", "0"}}, "timeout_ms"},
      {{{"location", "http://h/"}, {"parallel", "lots"}}, "parallel"},
      {{{"location", "http://h/"}, {"retries", "11"}}, "retries"},
      {{{"location", "http://h/"}, {"verify_tls", "maybe"}}, "verify_tls"},
      {{{"location", "http://h/"}, {"token_env", "SITECACHE_TEST_HTTP_UNSET"}},
       "SITECACHE_TEST_HTTP_UNSET"},
      {{{"location", "http://h/"}, {"username", "u"}}, "password_env"},
      {{{"location", "http://h/"}, {"password_env", "SITECACHE_TEST_HTTP_SECRET"}}, "username"},
      {{{"location", "http://h/"},
        {"token_env", "SITECACHE_TEST_HTTP_SECRET"},
        {"username", "u"},
        {"password_env", "SITECACHE_TEST_HTTP_SECRET"}},
       "exclude"},
      {{{"location", "http://h/"}, {"ca_file", "/no/such/ca.pem"}}, "ca_file"},
      {{{"location", "http://h/"}, {"token", "s3cret"}}, "token"},
  };
  for (const auto& [options, mention] : invalid) {
    std::string error;
    EXPECT_EQ(create_status(options, &error), SC_INVALID_ARGUMENT) << mention;
    EXPECT_NE(error.find(mention), std::string::npos) << error;
    EXPECT_EQ(error.find("s3cret"), std::string::npos) << "a secret in: " << error;
  }
}

// What arrives at the server: the path of each request, and the headers that matter.
class WireTest : public ::testing::Test {
 protected:
  WireTest()
      : server_([this](const std::string& head) {
          std::lock_guard lock(mutex_);
          heads_.push_back(head);
          return RawHttpServer::response("404 Not Found", "");
        }) {}
  std::vector<std::string> heads() {
    std::lock_guard lock(mutex_);
    return heads_;
  }
  std::mutex mutex_;
  std::vector<std::string> heads_;
  RawHttpServer server_;
};

TEST_F(WireTest, KeysArePercentEncodedUnderTheBaseWithATrailingSlashAdded) {
  AbiClient client(HTTP_PLUGIN_PATH, {{"location", server_.url("/base")}});
  Calls c(client);
  EXPECT_EQ(c.get("blog:1:0a").status, SC_NOT_FOUND);
  EXPECT_EQ(c.get("a/b%c?d#e").status, SC_NOT_FOUND);
  EXPECT_EQ(c.remove(".x").status, SC_NOT_FOUND);
  const auto lines = heads();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].starts_with("GET /base/blog:1:0a HTTP/1.1\r\n")) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("GET /base/a%252Fb%2525c%3Fd%23e HTTP/1.1\r\n")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("DELETE /base/%252Ex HTTP/1.1\r\n")) << lines[2];
}

TEST_F(WireTest, CredentialsAreSentAsConfigured) {
  setenv("SITECACHE_TEST_HTTP_SECRET", "s3cret", 1);
  AbiClient bearer(HTTP_PLUGIN_PATH,
                   {{"location", server_.url("/")}, {"token_env", "SITECACHE_TEST_HTTP_SECRET"}});
  EXPECT_EQ(Calls(bearer).get("k").status, SC_NOT_FOUND);
  AbiClient basic(HTTP_PLUGIN_PATH, {{"location", server_.url("/")},
                                     {"username", "ci"},
                                     {"password_env", "SITECACHE_TEST_HTTP_SECRET"}});
  EXPECT_EQ(Calls(basic).set("k", "v").status, SC_IO);  // 404 on PUT: not stored
  const auto lines = heads();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\r\nAuthorization: Bearer s3cret\r\n"), std::string::npos) << lines[0];
  // "ci:s3cret" in base64.
  EXPECT_NE(lines[1].find("\r\nAuthorization: Basic Y2k6czNjcmV0\r\n"), std::string::npos)
      << lines[1];
  EXPECT_EQ(lines[1].find("Expect:"), std::string::npos) << "no 100-continue round trip";
}

}  // namespace
}  // namespace sitecache::testing
