// The http plugin against a real nginx: where entries land on the server in both layouts,
// odd keys, batches, connection reuse, listing and clearing, servers that cannot list or
// create directories, and why there is no atomic add.
#include <curl/curl.h>

#include <cstring>
#include <functional>
#include <random>

#include "http_test_support.hpp"
#include "names.hpp"

namespace sitecache::testing {
namespace {

namespace fs = std::filesystem;
using sitecache_http::subdir_index;
using sitecache_http::subdir_name;

const std::string kEntryKey = "blog:1:0123456789abcdef0123456789abcdef";

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// Distinct connection numbers in access log lines ("<connection> <method> <uri> <status>").
std::set<std::string> connections_of(const std::vector<std::string>& lines) {
  std::set<std::string> connections;
  for (const std::string& line : lines) connections.insert(line.substr(0, line.find(' ')));
  return connections;
}

TEST_F(HttpTest, FlatLayoutStoresOneFileNamedAfterTheKey) {
  auto client = open();
  Calls c(*client);
  ASSERT_EQ(c.set(kEntryKey, "page").status, SC_OK);
  EXPECT_EQ(file_text(cache_dir() / kEntryKey), "page");
  EXPECT_EQ(c.get(kEntryKey).value, "page");
  EXPECT_EQ(c.remove(kEntryKey).status, SC_OK);
  EXPECT_FALSE(fs::exists(cache_dir() / kEntryKey));
  GetResult missing = c.get(kEntryKey);
  EXPECT_EQ(missing.status, SC_NOT_FOUND) << missing.error;
  EXPECT_FALSE(missing.value.has_value());
  EXPECT_EQ(c.remove(kEntryKey).status, SC_NOT_FOUND);
}

TEST_F(HttpTest, SubdirsLayoutUsesTwoHexDigitsOfTheKeysHash) {
  auto client = open({{"layout", "subdirs"}});
  Calls c(*client);
  const std::string builds = "blog:builds:0000000012";
  ASSERT_EQ(c.set(kEntryKey, "page").status, SC_OK);
  ASSERT_EQ(c.set(builds, "record").status, SC_OK);
  EXPECT_EQ(files_under(cache_dir()),
            (std::set<std::string>{subdir_name(subdir_index(kEntryKey)) + "/" + kEntryKey,
                                   subdir_name(subdir_index(builds)) + "/" + builds}));
  EXPECT_EQ(c.get(kEntryKey).value, "page");
  EXPECT_EQ(c.get(builds).value, "record");
}

TEST_F(HttpTest, OddKeysRoundTripAndStayInsideTheBase) {
  std::string printable;
  for (char ch = '!'; ch <= '~'; ++ch) printable += ch;
  const std::vector<std::string> keys = {"t:1:../../etc/passwd",
                                         "..",
                                         ".",
                                         ".hidden",
                                         "a%2Fb",
                                         "a/b/",
                                         "/",
                                         "%",
                                         "q?x=1#frag",
                                         "&<>\"'",
                                         "k:1:caf\xc3\xa9",
                                         printable,
                                         std::string(250, 'k')};
  for (const char* layout : {"flat", "subdirs"}) {
    auto client = open({{"layout", layout}, {"location", server_->url("/cache/") + layout + "/"}});
    Calls c(*client);
    for (const std::string& key : keys) {
      Call stored = c.set(key, "v:" + key);
      ASSERT_EQ(stored.status, SC_OK) << layout << " " << key << ": " << stored.error;
    }
    for (const std::string& key : keys) EXPECT_EQ(c.get(key).value, "v:" + key) << key;
    std::vector<ScanEntry> listed;
    ASSERT_EQ(c.scan("", false, listed).status, SC_OK);
    EXPECT_EQ(keys_of(listed), std::set<std::string>(keys.begin(), keys.end())) << layout;
  }
  // Nothing outside the base, and in the flat layout one file per key, no directories.
  for (const std::string& file : files_under(server_->root())) {
    EXPECT_TRUE(file.starts_with("cache/")) << file;
  }
  EXPECT_EQ(files_under(cache_dir() / "flat").size(), keys.size());
  for (const auto& entry : fs::directory_iterator(cache_dir() / "flat")) {
    EXPECT_TRUE(entry.is_regular_file()) << entry.path();
  }
}

TEST_F(HttpTest, AKeyWhoseFileNameWouldBeTooLongIsRefused) {
  auto client = open();
  Call result = Calls(*client).set(std::string(100, '/'), "v");
  EXPECT_EQ(result.status, SC_INVALID_ARGUMENT);
  EXPECT_NE(result.error.find("255"), std::string::npos) << result.error;
}

TEST_F(HttpTest, BinaryAndLargeValuesRoundTrip) {
  auto client = open();
  Calls c(*client);
  for (const std::string& value :
       {std::string(), std::string("nul\0inside\xff", 11), random_bytes(5 << 20, 7)}) {
    ASSERT_EQ(c.set("v:1:k", value).status, SC_OK);
    GetResult got = c.get("v:1:k");
    ASSERT_EQ(got.status, SC_OK) << got.error;
    EXPECT_TRUE(got.value == value) << value.size();
  }
}

TEST_F(HttpTest, BatchesRunInParallelOnKeptAliveConnections) {
  auto client = open({{"layout", "subdirs"}, {"parallel", "4"}});
  Calls c(*client);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 300; ++i) items["m:1:" + std::to_string(i)] = "value " + std::to_string(i);
  ASSERT_EQ(c.set_many(items).status, SC_OK);
  std::vector<std::string> keys;
  for (int i = 299; i >= 0; i -= 3) keys.push_back("m:1:" + std::to_string(i));
  keys.push_back("m:1:absent");
  std::vector<std::optional<std::string>> values;
  ASSERT_EQ(c.get_many(keys, values).status, SC_OK);
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    EXPECT_EQ(values[i], items[keys[i]]) << keys[i];
  }
  EXPECT_FALSE(values.back().has_value());
  // 300 PUTs and 101 GETs (plus MKCOLs, none needed here) on at most `parallel`
  // connections: kept alive within a call and across calls.
  EXPECT_LE(connections_of(server_->wait_for_requests("/cache/", 401)).size(), 4u);
}

TEST_F(HttpTest, SequentialCallsReuseOneConnection) {
  auto client = open();
  Calls c(*client);
  ASSERT_EQ(c.set("r:1:k", "v").status, SC_OK);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(c.get("r:1:k").status, SC_OK);
  const auto lines = server_->wait_for_requests("/cache/", 51);
  EXPECT_EQ(lines.size(), 51u);
  EXPECT_EQ(connections_of(lines).size(), 1u);
}

// Easy handles are reused from request to request: each request must undo the method,
// body and headers of the one before.
TEST_F(HttpTest, OneHandleServesEveryMethodInTurn) {
  auto client = open({{"parallel", "1"}, {"pool_size", "1"}});
  Calls c(*client);
  std::vector<ScanEntry> listed;
  ASSERT_EQ(c.set("h:1:k", "one").status, SC_OK);
  EXPECT_EQ(c.get("h:1:k").value, "one");
  ASSERT_EQ(c.scan("h:", false, listed).status, SC_OK);
  EXPECT_EQ(keys_of(listed), std::set<std::string>{"h:1:k"});
  EXPECT_EQ(c.get("h:1:k").value, "one");
  EXPECT_EQ(c.remove("h:1:k").status, SC_OK);
  EXPECT_EQ(c.get("h:1:k").status, SC_NOT_FOUND);
  ASSERT_EQ(c.set("h:1:k", "two").status, SC_OK);
  ASSERT_EQ(c.scan("h:", true, listed).status, SC_OK);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].value, "two");
  ASSERT_EQ(c.set("h:1:k", "three").status, SC_OK);
  EXPECT_EQ(c.get("h:1:k").value, "three");
  std::vector<std::string> seen;
  for (const std::string& line : server_->wait_for_requests("/cache/", 11)) {
    seen.push_back(line.substr(line.find(' ') + 1));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "PUT /cache/h:1:k 201", "GET /cache/h:1:k 200", "PROPFIND /cache/ 207",
                      "GET /cache/h:1:k 200", "DELETE /cache/h:1:k 204", "GET /cache/h:1:k 404",
                      "PUT /cache/h:1:k 201", "PROPFIND /cache/ 207", "GET /cache/h:1:k 200",
                      "PUT /cache/h:1:k 204", "GET /cache/h:1:k 200"}));
  EXPECT_EQ(connections_of(server_->requests_to("/cache/")).size(), 1u);
}

class HttpListing : public HttpTest, public ::testing::WithParamInterface<const char*> {
 protected:
  std::unique_ptr<AbiClient> open_layout(Options options = {}) const {
    options["layout"] = GetParam();
    return open(options);
  }
};

TEST_P(HttpListing, ScanReportsOurKeysUnderThePrefixAndIgnoresForeignFiles) {
  auto client = open_layout();
  Calls c(*client);
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(c.set("p:1:" + std::to_string(i), std::string(i, 'x')).status, SC_OK);
  ASSERT_EQ(c.set("pq:1:other", "v").status, SC_OK);
  // Files the backend did not write: in the base, in a subdirectory, hidden, misnamed.
  // (In the subdirs layout, p:1:misplaced sits in a directory its hash does not name.)
  const std::string wrong_dir = subdir_name((subdir_index("p:1:misplaced") + 1) % 256);
  fs::create_directories(cache_dir() / wrong_dir);
  fs::create_directories(cache_dir() / "notes");
  for (const std::string& name :
       {std::string("p:README"), wrong_dir + "/p:1:misplaced", std::string("notes/p:1:deep"),
        std::string("p%zz"), std::string("p%2e")}) {
    std::ofstream(cache_dir() / name) << "foreign";
  }
  std::vector<ScanEntry> listed;
  ASSERT_EQ(c.scan("p:", false, listed).status, SC_OK);
  std::set<std::string> expected;
  for (int i = 0; i < 40; ++i) expected.insert("p:1:" + std::to_string(i));
  if (std::string(GetParam()) == "flat") expected.insert("p:README");
  EXPECT_EQ(keys_of(listed), expected);
  EXPECT_EQ(listed.size(), expected.size()) << "each key once";
  for (const ScanEntry& entry : listed) {
    if (entry.key.starts_with("p:1:")) {
      EXPECT_EQ(entry.value_size, std::stoi(entry.key.substr(4))) << entry.key;
      EXPECT_FALSE(entry.value.has_value());
    }
  }
  ASSERT_EQ(c.scan("p:1:", true, listed).status, SC_OK);
  EXPECT_EQ(listed.size(), 40u);
  for (const ScanEntry& entry : listed) {
    EXPECT_EQ(entry.value, std::string(std::stoul(entry.key.substr(4)), 'x')) << entry.key;
  }
}

// Visits entries with the raw ABI, stopping after `stop_after` per call, and returns the
// keys in visiting order over all calls.
std::vector<std::string> scan_in_steps(const AbiClient& client, size_t stop_after,
                                       const std::function<void()>& between_calls = {}) {
  struct Context {
    std::vector<std::string> keys;
    size_t in_call = 0;
    size_t stop_after;
  } context{{}, 0, stop_after};
  uint64_t cursor = 0;
  int calls = 0;
  do {
    context.in_call = 0;
    char text[512] = {0};
    sc_error error{text, sizeof(text)};
    sc_status status = client.plugin().scan(
        client.handle(), "s:", 2, &cursor, 100, SC_SCAN_KEYS,
        [](void* raw, const sc_scan_item* item) {
          auto* ctx = static_cast<Context*>(raw);
          ctx->keys.emplace_back(item->key, item->key_size);
          return ++ctx->in_call >= ctx->stop_after ? 1 : 0;
        },
        &context, &error);
    EXPECT_EQ(status, SC_OK) << text;
    if (status != SC_OK || ++calls > 10000) break;
    if (between_calls) between_calls();
  } while (cursor != 0);
  return context.keys;
}

TEST_P(HttpListing, ScanResumesFromItsCursorAfterTheVisitorStops) {
  auto client = open_layout({{"parallel", "3"}});
  Calls c(*client);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 60; ++i) items["s:1:" + std::to_string(i)] = "v";
  ASSERT_EQ(c.set_many(items).status, SC_OK);
  const std::vector<std::string> keys = scan_in_steps(*client, 7);
  EXPECT_EQ(keys.size(), 60u) << "every key exactly once";
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 60u);
}

TEST_P(HttpListing, ScanVisitsEntriesPresentThroughoutDespiteRemovalsBetweenCalls) {
  auto client = open_layout();
  Calls c(*client);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 60; ++i) items["s:1:" + std::to_string(i)] = "v";
  ASSERT_EQ(c.set_many(items).status, SC_OK);
  // Between calls, remove one key already visited and one not yet visited (s:1:59 - n).
  std::set<std::string> removed;
  int step = 0;
  std::vector<std::string> visited;
  visited = scan_in_steps(*client, 5, [&] {
    const std::string late = "s:1:" + std::to_string(59 - step++);
    if (c.remove(late).status == SC_OK) removed.insert(late);
  });
  std::set<std::string> seen(visited.begin(), visited.end());
  for (const auto& [key, value] : items) {
    if (!removed.count(key)) {
      EXPECT_TRUE(seen.count(key)) << key << " was present throughout";
    }
  }
}

TEST_P(HttpListing, ClearRemovesExactlyThePrefix) {
  auto client = open_layout();
  Calls c(*client);
  std::map<std::string, std::string> items;
  for (int i = 0; i < 100; ++i) items["blog:1:" + std::to_string(i)] = "v";
  items["blog2:1:a"] = "keep";
  items["other:1:a"] = "keep";
  ASSERT_EQ(c.set_many(items).status, SC_OK);
  ASSERT_EQ(c.clear("blog:").status, SC_OK);
  std::vector<ScanEntry> left;
  ASSERT_EQ(c.scan("", false, left).status, SC_OK);
  EXPECT_EQ(keys_of(left), (std::set<std::string>{"blog2:1:a", "other:1:a"}));
}

INSTANTIATE_TEST_SUITE_P(Layouts, HttpListing, ::testing::Values("flat", "subdirs"),
                         [](const auto& info) { return std::string(info.param); });

TEST_F(HttpTest, AServerThatCannotListMakesScanAndClearUnsupported) {
  auto client = open({{"location", server_->url("/plain/")}});
  Calls c(*client);
  ASSERT_EQ(c.set("u:1:k", "v").status, SC_OK);
  EXPECT_EQ(c.get("u:1:k").value, "v");
  std::vector<ScanEntry> listed;
  Call scanned = c.scan("u:", false, listed);
  EXPECT_EQ(scanned.status, SC_UNSUPPORTED);
  EXPECT_NE(scanned.error.find("PROPFIND"), std::string::npos) << scanned.error;
  EXPECT_NE(scanned.error.find("405"), std::string::npos) << scanned.error;
  EXPECT_EQ(c.clear("u:").status, SC_UNSUPPORTED);
  EXPECT_EQ(c.get("u:1:k").value, "v") << "clear removed nothing";
}

TEST_F(HttpTest, ListingNoneDoesNotAskTheServer) {
  auto client = open({{"listing", "none"}});
  std::vector<ScanEntry> listed;
  EXPECT_EQ(Calls(*client).scan("", false, listed).status, SC_UNSUPPORTED);
  EXPECT_EQ(Calls(*client).clear("").status, SC_UNSUPPORTED);
  EXPECT_TRUE(server_->requests_to("/").empty());
}

TEST_F(HttpTest, SubdirectoriesAreMadeWithMkcolWhereTheServerDoesNotCreateThem) {
  auto client = open({{"location", server_->url("/plain/")}, {"layout", "subdirs"}});
  Calls c(*client);
  Call first = c.set(kEntryKey, "v1");
  ASSERT_EQ(first.status, SC_OK) << first.error << "\n"
                                 << server_->access_log() << server_->error_log();
  ASSERT_EQ(c.set(kEntryKey, "v2").status, SC_OK);
  EXPECT_EQ(c.get(kEntryKey).value, "v2");
  const std::string dir = subdir_name(subdir_index(kEntryKey));
  EXPECT_EQ(file_text(server_->root() / "plain" / dir / kEntryKey), "v2");
  int mkcols = 0;
  for (const std::string& line : server_->wait_for_requests("/plain/", 7)) {
    mkcols += line.find(" MKCOL /plain/" + dir + "/ 201") != std::string::npos;
  }
  EXPECT_EQ(mkcols, 1) << server_->access_log();
}

// Why the plugin has no add: nginx 1.22's WebDAV PUT ignores "If-None-Match: *" and
// overwrites an existing file. If this test starts failing, nginx honours the condition
// and add can be built on it.
TEST_F(HttpTest, NginxIgnoresIfNoneMatchOnPutSoThereIsNoAtomicAdd) {
  auto client = open();
  EXPECT_EQ(client->plugin().capabilities & SC_CAP_ADD, 0u);
  EXPECT_EQ(client->plugin().add, nullptr);
  ASSERT_EQ(Calls(*client).set("a:1:lease", "first").status, SC_OK);
  CURL* curl = curl_easy_init();
  const std::string url = server_->url("/cache/a:1:lease");
  const std::string body = "second";
  struct Reader {
    const std::string* body;
    size_t offset = 0;
  } reader{&body};
  curl_slist* headers = curl_slist_append(nullptr, "If-None-Match: *");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
  curl_easy_setopt(
      curl, CURLOPT_READFUNCTION, +[](char* out, size_t size, size_t n, void* raw) {
        auto* r = static_cast<Reader*>(raw);
        const size_t bytes = std::min(size * n, r->body->size() - r->offset);
        std::memcpy(out, r->body->data() + r->offset, bytes);
        r->offset += bytes;
        return bytes;
      });
  ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  EXPECT_EQ(status, 204) << "nginx answers 204, not 412 Precondition Failed";
  EXPECT_EQ(file_text(cache_dir() / "a:1:lease"), "second") << "and overwrites";
}

TEST_F(HttpTest, BearerTokenComesFromTheNamedEnvironmentVariable) {
  setenv("SITECACHE_TEST_HTTP_TOKEN", kBearerToken, 1);
  setenv("SITECACHE_TEST_HTTP_WRONG", "wrong-token", 1);
  auto client =
      open({{"location", server_->url("/bearer/")}, {"token_env", "SITECACHE_TEST_HTTP_TOKEN"}});
  ASSERT_EQ(Calls(*client).set("b:1:k", "v").status, SC_OK);
  EXPECT_EQ(Calls(*client).get("b:1:k").value, "v");
  auto wrong =
      open({{"location", server_->url("/bearer/")}, {"token_env", "SITECACHE_TEST_HTTP_WRONG"}});
  GetResult denied = Calls(*wrong).get("b:1:k");
  EXPECT_EQ(denied.status, SC_IO);
  EXPECT_NE(denied.error.find("401"), std::string::npos) << denied.error;
  EXPECT_EQ(denied.error.find("wrong-token"), std::string::npos) << "no secret in messages";
  auto none = open({{"location", server_->url("/bearer/")}});
  EXPECT_EQ(Calls(*none).get("b:1:k").status, SC_IO);
}

TEST_F(HttpTest, BasicAuthPasswordComesFromTheNamedEnvironmentVariable) {
  setenv("SITECACHE_TEST_HTTP_PASSWORD", kBasicPassword, 1);
  setenv("SITECACHE_TEST_HTTP_WRONG", "wrong-password", 1);
  auto client = open({{"location", server_->url("/basic/")},
                      {"username", kBasicUser},
                      {"password_env", "SITECACHE_TEST_HTTP_PASSWORD"}});
  Call stored = Calls(*client).set("b:1:k", "v");
  ASSERT_EQ(stored.status, SC_OK) << stored.error << "\n" << server_->error_log();
  EXPECT_EQ(Calls(*client).get("b:1:k").value, "v");
  auto wrong = open({{"location", server_->url("/basic/")},
                     {"username", kBasicUser},
                     {"password_env", "SITECACHE_TEST_HTTP_WRONG"}});
  GetResult denied = Calls(*wrong).get("b:1:k");
  EXPECT_EQ(denied.status, SC_IO);
  EXPECT_EQ(denied.error.find("wrong-password"), std::string::npos);
}

class HttpsTest : public HttpTest {
 protected:
  NginxTls tls() const override { return NginxTls::on; }
};

TEST_F(HttpsTest, CertificatesAreVerifiedUnlessToldOtherwise) {
  const std::string location = server_->https_url("/cache/");
  auto strict = open({{"location", location}, {"retry_interval_ms", "0"}});
  Call refused = Calls(*strict).set("t:1:k", "v");
  EXPECT_EQ(refused.status, SC_UNAVAILABLE);
  EXPECT_NE(refused.error.find("ca_file"), std::string::npos) << refused.error;
  auto trusting = open({{"location", location}, {"ca_file", server_->cert_file().string()}});
  ASSERT_EQ(Calls(*trusting).set("t:1:k", "v").status, SC_OK);
  EXPECT_EQ(Calls(*trusting).get("t:1:k").value, "v");
  auto unchecked = open({{"location", location}, {"verify_tls", "false"}});
  EXPECT_EQ(Calls(*unchecked).get("t:1:k").value, "v");
}

}  // namespace
}  // namespace sitecache::testing
