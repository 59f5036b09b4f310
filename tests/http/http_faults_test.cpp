// The http plugin when the server is refused, hung, slow, failing, lying about lengths,
// answering listings with garbage, or killed mid-traffic: every call returns an error
// within its timeout (never a wrong value), and the same handle works again once the
// server is back.
#include <signal.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "http_test_support.hpp"
#include "raw_http_server.hpp"

namespace sitecache::testing {
namespace {

using namespace std::chrono_literals;

// Every operation the plugin provides, once, by name (keys under "f:").
std::vector<std::pair<std::string, std::function<Call()>>> every_operation(const Calls& c) {
  return {
      {"get", [c] { return static_cast<Call>(c.get("f:1:k")); }},
      {"set", [c] { return c.set("f:1:k", "v"); }},
      {"remove", [c] { return c.remove("f:1:k"); }},
      {"clear", [c] { return c.clear("f:"); }},
      {"get_many",
       [c] {
         std::vector<std::optional<std::string>> v;
         return c.get_many({"f:1:a", "f:1:b"}, v);
       }},
      {"set_many",
       [c] {
         return c.set_many({{"f:1:a", "1"}, {"f:1:b", "2"}});
       }},
      {"scan",
       [c] {
         std::vector<ScanEntry> e;
         return c.scan("f:", false, e);
       }},
  };
}

TEST(HttpFaults, RefusedConnectionIsUnavailableAtOnce) {
  const uint16_t port = free_port();
  const std::string location = "http://127.0.0.1:" + std::to_string(port) + "/cache/";
  AbiClient client(HTTP_PLUGIN_PATH, {{"location", location}, {"retry_interval_ms", "0"}});
  ASSERT_TRUE(client.ok()) << "create must not connect";
  for (const auto& [name, op] : every_operation(Calls(client))) {
    Call result;
    const int64_t ms = elapsed_ms([&] { result = op(); });
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name << ": " << result.error;
    EXPECT_LT(ms, 300) << name << ": two retries after 25 and 50 ms";
    EXPECT_NE(result.error.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
        << result.error;
  }
}

TEST(HttpFaults, AfterAFailureCallsFailFastForTheRetryInterval) {
  const std::string location = "http://127.0.0.1:" + std::to_string(free_port()) + "/cache/";
  AbiClient client(HTTP_PLUGIN_PATH, {{"location", location}, {"retry_interval_ms", "5000"}});
  Calls c(client);
  EXPECT_EQ(c.get("f:1:k").status, SC_UNAVAILABLE);
  for (const auto& [name, op] : every_operation(c)) {
    Call result;
    EXPECT_LT(elapsed_ms([&] { result = op(); }), 50) << name;
    EXPECT_EQ(result.status, SC_UNAVAILABLE) << name;
    EXPECT_NE(result.error.find("not retrying"), std::string::npos) << result.error;
  }
}

TEST_F(HttpTest, HungServerTimesOutAndTheHandleRecovers) {
  auto client = open({{"timeout_ms", "300"}, {"retry_interval_ms", "200"}});
  Calls c(*client);
  ASSERT_EQ(c.set("f:1:k", "before").status, SC_OK);  // leaves a kept-alive connection
  server_->pause();
  GetResult got;
  int64_t ms = elapsed_ms([&] { got = c.get("f:1:k"); });
  EXPECT_EQ(got.status, SC_UNAVAILABLE);
  EXPECT_FALSE(got.value.has_value());
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 600) << "a timeout is not retried";
  EXPECT_NE(got.error.find("timeout_ms = 300"), std::string::npos) << got.error;
  // A batch fails within one timeout, not one per request.
  auto fresh = open({{"timeout_ms", "300"}, {"parallel", "4"}});
  std::vector<std::string> keys;
  for (int i = 0; i < 64; ++i) keys.push_back("f:1:" + std::to_string(i));
  std::vector<std::optional<std::string>> values;
  Call batch;
  ms = elapsed_ms([&] { batch = Calls(*fresh).get_many(keys, values); });
  EXPECT_EQ(batch.status, SC_UNAVAILABLE);
  EXPECT_LT(ms, 600);
  for (const auto& value : values) EXPECT_FALSE(value.has_value());
  server_->resume();
  std::this_thread::sleep_for(250ms);  // past the down window
  got = c.get("f:1:k");
  EXPECT_EQ(got.status, SC_OK) << got.error;
  EXPECT_EQ(got.value, "before");
}

TEST_F(HttpTest, SlowBodyTimesOutAndIsNotAValue) {
  auto client = open();
  ASSERT_EQ(Calls(*client).set("slow:1:k", std::string(64 << 10, 's')).status, SC_OK);
  // /slow/ serves /cache/'s files at 2 KiB/s: 32 s for this one.
  auto slow = open({{"location", server_->url("/slow/")}, {"timeout_ms", "400"}});
  GetResult got;
  const int64_t ms = elapsed_ms([&] { got = Calls(*slow).get("slow:1:k"); });
  EXPECT_EQ(got.status, SC_UNAVAILABLE) << got.error;
  EXPECT_FALSE(got.value.has_value());
  EXPECT_GE(ms, 350);
  EXPECT_LT(ms, 800);
}

TEST_F(HttpTest, ServerErrorsAreRetriedABoundedNumberOfTimes) {
  auto client = open({{"location", server_->url("/fail/")}});
  GetResult got = Calls(*client).get("e:1:k");
  EXPECT_EQ(got.status, SC_UNAVAILABLE);
  EXPECT_NE(got.error.find("HTTP 500"), std::string::npos) << got.error;
  EXPECT_NE(got.error.find("after 3 attempts"), std::string::npos) << got.error;
  EXPECT_EQ(server_->wait_for_requests("/fail/", 3).size(), 3u) << "1 + retries (default 2)";
  auto once = open({{"location", server_->url("/fail/")}, {"retries", "0"}});
  EXPECT_EQ(Calls(*once).set("e:1:k", "v").status, SC_UNAVAILABLE);
  EXPECT_EQ(server_->wait_for_requests("/fail/", 4).size(), 4u);
  // A 500 is an answer: the server is up, so no down window follows.
  EXPECT_EQ(Calls(*client).remove("e:1:k").status, SC_UNAVAILABLE);
  EXPECT_EQ(server_->wait_for_requests("/fail/", 7).size(), 7u);
}

// A server that announces more bytes than it sends, then closes the connection.
TEST(HttpFaults, TruncatedBodyIsAnErrorNeverAValue) {
  RawHttpServer server([](const std::string& head) -> std::string {
    if (head.starts_with("PROPFIND")) {
      return "HTTP/1.1 207 Multi-Status\r\nContent-Length: 5000\r\n\r\n"
             "<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>/c/t:1:a</D:href>";
    }
    return "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";
  });
  AbiClient client(HTTP_PLUGIN_PATH, {{"location", server.url("/c/")}, {"retry_interval_ms", "0"}});
  Calls c(client);
  GetResult got = c.get("t:1:a");
  EXPECT_NE(got.status, SC_OK);
  EXPECT_NE(got.status, SC_NOT_FOUND);
  EXPECT_FALSE(got.value.has_value()) << "the 10 bytes must not be delivered";
  EXPECT_EQ(server.requests(), 3) << "retried like a broken connection";
  std::vector<std::optional<std::string>> values;
  EXPECT_NE(c.get_many({"t:1:a", "t:1:b"}, values).status, SC_OK);
  for (const auto& value : values) EXPECT_FALSE(value.has_value());
  std::vector<ScanEntry> listed;
  EXPECT_NE(c.scan("t:", false, listed).status, SC_OK);
  EXPECT_TRUE(listed.empty());
}

TEST(HttpFaults, ChunkedBodyCutShortIsAnError) {
  RawHttpServer server([](const std::string&) -> std::string {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
  });
  AbiClient client(HTTP_PLUGIN_PATH, {{"location", server.url("/c/")}, {"retries", "0"}});
  GetResult got = Calls(client).get("t:1:a");
  EXPECT_EQ(got.status, SC_UNAVAILABLE) << got.error;
  EXPECT_FALSE(got.value.has_value());
}

// PROPFIND answers a hostile server might send: each is an error or a listing of only the
// well-formed names, never a crash or a key from outside the listed directory's naming.
TEST(HttpFaults, HostileListingsAreErrorsNotCrashes) {
  std::string nested = "<D:multistatus xmlns:D='DAV:'>";
  for (int i = 0; i < 100000; ++i) nested += "<D:x>";
  const std::vector<std::string> bodies = {
      "garbage",
      "<html>It works!</html>",
      "<D:multistatus xmlns:D='DAV:'><D:response><D:href>/c/x",
      nested,
      "<!DOCTYPE d [<!ENTITY a '&a;&a;'>]><D:multistatus/>",
      "<D:multistatus xmlns:D='DAV:'><D:response><D:href>" + std::string(1 << 20, 'h') +
          "</D:href></D:response></D:multistatus>",
      std::string(1 << 20, '<'),
  };
  for (const std::string& body : bodies) {
    RawHttpServer server(
        [&](const std::string&) { return RawHttpServer::response("207 Multi-Status", body); });
    AbiClient client(HTTP_PLUGIN_PATH, {{"location", server.url("/c/")}, {"retries", "0"}});
    std::vector<ScanEntry> listed;
    Call scanned = Calls(client).scan("", false, listed);
    EXPECT_EQ(scanned.status, SC_IO) << body.substr(0, 60) << ": " << scanned.error;
    EXPECT_NE(scanned.error.find("malformed listing"), std::string::npos) << scanned.error;
    EXPECT_TRUE(listed.empty());
  }
  // Well-formed, with names that are not ours or point elsewhere: only t:1:ok is a key.
  RawHttpServer server([&](const std::string&) {
    return RawHttpServer::response("207 Multi-Status",
                                   "<D:multistatus xmlns:D='DAV:'>"
                                   "<D:response><D:href>/c/t:1:ok</D:href></D:response>"
                                   "<D:response><D:href>/c/%2E%2E</D:href></D:response>"
                                   "<D:response><D:href>/c/bad%zz</D:href></D:response>"
                                   "<D:response><D:href>/c/sub/</D:href></D:response>"
                                   "<D:response><D:href>/c/q?x</D:href></D:response>"
                                   "<D:response><D:href>/c/" +
                                       std::string(300, 'l') +
                                       "</D:href></D:response>"
                                       "</D:multistatus>");
  });
  AbiClient client(HTTP_PLUGIN_PATH, {{"location", server.url("/c/")}});
  std::vector<ScanEntry> listed;
  ASSERT_EQ(Calls(client).scan("", false, listed).status, SC_OK);
  EXPECT_EQ(keys_of(listed), std::set<std::string>{"t:1:ok"});
}

TEST_F(HttpTest, RestartedServerIsReconnectedWithoutAnError) {
  auto client = open();
  Calls c(*client);
  ASSERT_EQ(c.set("f:1:k", "v").status, SC_OK);  // leaves a kept-alive connection behind
  server_->kill();
  ASSERT_TRUE(server_->start());
  GetResult got = c.get("f:1:k");
  EXPECT_EQ(got.status, SC_OK) << got.error;
  EXPECT_EQ(got.value, "v") << "the files outlived the server process";
  EXPECT_EQ(c.set("f:1:k", "again").status, SC_OK);
}

// Like fault_scenarios.hpp's traffic_through_restart, for an NginxServer: 8 threads of
// mixed traffic, the server killed after 400 ms and restarted 600 ms later on the same
// port, traffic for another 800 ms.
TEST_F(HttpTest, KilledMidTrafficEveryCallReturnsInTimeAndTheHandleRecovers) {
  signal(SIGPIPE, SIG_DFL);  // a write to the dead server must not kill the test
  auto client = open({{"connect_timeout_ms", "300"},
                      {"timeout_ms", "300"},
                      {"retry_interval_ms", "200"},
                      {"layout", "subdirs"}});
  Calls c(*client);
  const std::string big(64 << 10, 'b');
  std::atomic<bool> stop{false}, restarted{false};
  std::atomic<int64_t> slowest{0};
  std::atomic<int> unexpected{0}, unavailable{0}, ok_after_restart{0}, wrong{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!stop) {
        const std::string key = "k:1:" + std::to_string(rng() % 50);
        Call result;
        const int64_t ms = elapsed_ms([&] {
          switch (rng() % 4) {
            case 0: {
              GetResult got = c.get(key);
              if (got.value && *got.value != key && *got.value != big) wrong++;
              result = got;
              break;
            }
            case 1:
              result = c.set(key, key);
              break;
            case 2:
              result = c.set_many({{key, big}, {key + "x", big}});
              break;
            default: {
              std::vector<std::optional<std::string>> values;
              result = c.get_many({key, key + "x"}, values);
              for (const auto& v : values) {
                if (v && *v != key && *v != big) wrong++;
              }
            }
          }
        });
        if (result.status == SC_UNAVAILABLE) {
          unavailable++;
          if (ms > slowest) slowest = ms;
        } else if (result.status != SC_OK && result.status != SC_NOT_FOUND) {
          if (unexpected++ == 0) ADD_FAILURE() << result.status << ": " << result.error;
        } else if (restarted && result.status == SC_OK) {
          ok_after_restart++;
        }
      }
    });
  }
  std::this_thread::sleep_for(400ms);
  server_->kill();
  std::this_thread::sleep_for(600ms);
  EXPECT_TRUE(server_->start()) << server_->error_log();
  restarted = true;
  std::this_thread::sleep_for(800ms);
  stop = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(wrong.load(), 0) << "a value other than one written for its key";
  EXPECT_GT(unavailable.load(), 0);
  EXPECT_LT(slowest.load(), 700) << "slowest failing call, about 2 x the timeouts";
  EXPECT_GT(ok_after_restart.load(), 0) << "the same handle works again";
  std::this_thread::sleep_for(300ms);  // past any down window a late failure opened
  Call final_set = c.set("k:1:final", "v");
  EXPECT_EQ(final_set.status, SC_OK) << final_set.error;
  EXPECT_EQ(Calls(*open({{"layout", "subdirs"}})).get("k:1:final").value, "v");
}

}  // namespace
}  // namespace sitecache::testing
