// The `sitecache` command against real Redis and memcached servers, each test on a server
// of its own (../redis/server_process.hpp), with caches "default" (key prefix "site") and
// "other" (key prefix "other") sharing it: binary values through put/get, stats, ls
// (memcached cannot list keys: ls falls back to the build records and says so), and
// clear --stale and clear --all, which never touch another key prefix. On Redis the
// server is also inspected directly with hiredis.
//
// A test skips, saying why, when its plugin was not built or its server program is not on
// PATH.
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "server_process.hpp"

#ifdef REDIS_PLUGIN
#include <hiredis/hiredis.h>
#endif

namespace sitecache::cli_test {
namespace {

using sitecache::testing::ServerProcess;

// The plugin file the build produced for `backend`, or "" when it was not built.
std::string built_plugin(Backend backend) {
#ifdef REDIS_PLUGIN
  if (backend == Backend::redis) return REDIS_PLUGIN;
#endif
#ifdef MEMCACHED_PLUGIN
  if (backend == Backend::memcached) return MEMCACHED_PLUGIN;
#endif
  (void)backend;
  return {};
}

// `size` bytes that zstd cannot shrink, so the stored entry is as large as the value.
std::string incompressible(size_t size) {
  std::mt19937_64 random(20260101);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random() & 0xff);
  return out;
}

#ifdef REDIS_PLUGIN
// A plain hiredis connection to db 0 of a server, to look behind the CLI's back.
class RawRedis {
 public:
  explicit RawRedis(uint16_t port) : context_(redisConnect("127.0.0.1", port)) {}
  ~RawRedis() {
    if (context_ != nullptr) redisFree(context_);
  }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  // Every key matching the glob `pattern`; ADD_FAILURE on a connection problem.
  std::set<std::string> keys(const std::string& pattern) {
    std::set<std::string> out;
    redisReply* reply = command({"KEYS", pattern});
    if (reply != nullptr && reply->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < reply->elements; ++i) {
        out.emplace(reply->element[i]->str, reply->element[i]->len);
      }
    } else {
      ADD_FAILURE() << "KEYS " << pattern << " failed";
    }
    release(reply);
    return out;
  }
  bool set(const std::string& key, const std::string& value) {
    redisReply* reply = command({"SET", key, value});
    const bool ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    release(reply);
    return ok;
  }
  std::optional<std::string> get(const std::string& key) {
    redisReply* reply = command({"GET", key});
    std::optional<std::string> out;
    if (reply != nullptr && reply->type == REDIS_REPLY_STRING) out.emplace(reply->str, reply->len);
    release(reply);
    return out;
  }

 private:
  redisReply* command(const std::vector<std::string>& args) {
    if (context_ == nullptr || context_->err != 0) return nullptr;
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    return static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  }
  static void release(redisReply* reply) {
    if (reply != nullptr) freeReplyObject(reply);
  }

  redisContext* context_;
};
#endif

class SharedServer : public CliTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (built_plugin(GetParam()).empty()) {
      GTEST_SKIP() << "the " << backend_name(GetParam()) << " plugin was not built";
    }
    const ServerProcess::Kind kind =
        redis() ? ServerProcess::Kind::redis : ServerProcess::Kind::memcached;
    server_ = sitecache::testing::start_server(kind);
    if (!server_) return;
    server_location_ = redis() ? "redis://" + server_->address() + "/0" : server_->address();
    configure(GetParam());
  }

  bool redis() const { return GetParam() == Backend::redis; }

  Json run_json(const std::vector<std::string>& args) {
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
    return json_of(run);
  }
  static Json build_counts(const Exec& run) {
    return Json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  }
  static std::multiset<std::string> slots_of(const Json& listing) {
    std::multiset<std::string> out;
    for (const Json& e : listing["entries"]) out.insert(e["slot"].get<std::string>());
    return out;
  }
  static std::set<std::string> keys_of(const Json& listing) {
    std::set<std::string> out;
    for (const Json& e : listing["entries"]) out.insert(e["key"].get<std::string>());
    return out;
  }
  std::string read_back(const fs::path& path) { return testing::read_file(dir_ / path); }

  std::unique_ptr<ServerProcess> server_;
};

TEST_P(SharedServer, BinaryValuesRoundTrip) {
  const std::string small = binary_sample();
  Exec put = sitecache({"put", "bin"}, small);
  ASSERT_EQ(put.exit_code, 0) << RUN_INFO(put);
  Exec get = sitecache({"get", "bin"});
  ASSERT_EQ(get.exit_code, 0) << RUN_INFO(get);
  EXPECT_EQ(get.out, small);
  EXPECT_EQ(get.err, "");

  // Larger than memcached's default 1 MiB item (the plugin splits it into chunks).
  const std::string large = incompressible(1536 * 1024);
  write_file("in.bin", large);
  ASSERT_EQ(sitecache({"put", "large value: with spaces", "in.bin"}).exit_code, 0);
  Exec to_file = sitecache({"get", "large value: with spaces", "-o", "out.bin"});
  ASSERT_EQ(to_file.exit_code, 0) << RUN_INFO(to_file);
  EXPECT_EQ(to_file.out, "");
  EXPECT_TRUE(read_back("out.bin") == large) << "the 1.5 MiB value came back changed";

  ASSERT_EQ(sitecache({"put", "empty"}, "").exit_code, 0);
  Exec empty = sitecache({"get", "empty"});
  EXPECT_EQ(empty.exit_code, 0) << RUN_INFO(empty);
  EXPECT_EQ(empty.out, "");

  // The other key prefix on the same server is another key space.
  EXPECT_EQ(sitecache({"--cache", "other", "get", "bin"}).exit_code, 3);
  ASSERT_EQ(sitecache({"delete", "bin"}).exit_code, 0);
  EXPECT_EQ(sitecache({"get", "bin"}).exit_code, 3);
  EXPECT_EQ(sitecache({"get", "large value: with spaces"}).out.size(), large.size());

#ifdef REDIS_PLUGIN
  if (redis()) {
    RawRedis raw(server_->port());
    EXPECT_EQ(raw.keys("site:1:*").size(), 2u);  // the large value and the empty one
    EXPECT_TRUE(raw.keys("other:*").empty());
  }
#endif
}

TEST_P(SharedServer, StatsReportTheServerAndTheBuilds) {
  write_file("site/a.md", "alpha");
  write_file("site/b.md", "beta");
  build();
  write_file("site/a.md", "alpha, edited");
  build();

  Json json = run_json({"stats", "--json"});
  ASSERT_EQ(json["caches"].size(), 2u);
  const Json& c = json["caches"][0];
  EXPECT_EQ(c["name"], "default");
  EXPECT_EQ(c["backend"], backend_name(GetParam()));
  EXPECT_EQ(c["location"], server_location_);
  EXPECT_EQ(c["key_prefix"], "site");
  EXPECT_TRUE(c["error"].is_null()) << c["error"];
  // The plugin name resolves to the plugin this build produced.
  EXPECT_EQ(c["plugin"]["name"], backend_name(GetParam()));
  EXPECT_TRUE(fs::equivalent(c["plugin"]["file"].get<std::string>(), built_plugin(GetParam())))
      << c["plugin"];
  // Neither server can count one prefix's keys; both report the memory they use.
  EXPECT_TRUE(c["entries"].is_null()) << c;
  EXPECT_GT(c["bytes"].get<int64_t>(), 0) << c;
  if (redis()) {
    EXPECT_TRUE(c["max_bytes"].is_null()) << c;  // no maxmemory configured
  } else {
    EXPECT_EQ(c["max_bytes"], 64 * 1024 * 1024) << c;  // memcached -m 64
  }
  const Json& last = c["last_build"];
  EXPECT_EQ(last["generation"], 2);
  EXPECT_EQ(last["hits"], 1);
  EXPECT_EQ(last["misses"], 1);
  EXPECT_EQ(last["steps"]["render-page"]["hits"], 1);
  EXPECT_EQ(c["recent"]["builds"], 2);
  EXPECT_EQ(c["recent"]["misses"], 3);
  // Build records belong to their key prefix.
  EXPECT_EQ(json["caches"][1]["name"], "other");
  EXPECT_TRUE(json["caches"][1]["last_build"].is_null());

  Exec text = sitecache({"stats", "--cache", "default"});
  ASSERT_EQ(text.exit_code, 0) << RUN_INFO(text);
  EXPECT_NE(text.out.find("backend     " + backend_name(GetParam()) + " (plugin " +
                          backend_name(GetParam()) + " 1.0.0"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("location    " + server_location_), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("last build  #2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("1 hit, 1 miss (50.0%)"), std::string::npos) << text.out;
}

TEST_P(SharedServer, LsScansRedisAndFallsBackToBuildRecordsOnMemcached) {
  const std::string fallback_note =
      "the memcached backend of cache 'default' cannot scan; using the ";
  Exec empty = sitecache({"ls", "--json"});
  ASSERT_EQ(empty.exit_code, 0) << RUN_INFO(empty);
  EXPECT_EQ(json_of(empty)["total"], 0);
  if (redis()) {
    EXPECT_EQ(empty.err, "");
  } else {
    EXPECT_NE(empty.err.find(fallback_note + "0 entries named by its build records"),
              std::string::npos)
        << empty.err;
  }

  write_file("site/a.md", "alpha");
  write_file("site/b.md", "beta");
  build();
  write_file("site/a.md", "alpha, edited");
  build();
  ASSERT_EQ(sitecache({"put", "plain"}, "12345").exit_code, 0);
  ASSERT_EQ(sitecache({"--cache", "other", "put", "foreign"}, "x").exit_code, 0);

  Exec run = sitecache({"ls", "--json"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  Json json = json_of(run);
  EXPECT_EQ(json["source"], redis() ? "scan" : "build_records");
  // memcached: a value stored with put is in no build record, so it is not listed.
  const size_t total = redis() ? 4 : 3;
  EXPECT_EQ(json["total"], total);
  ASSERT_EQ(json["entries"].size(), total);
  std::multiset<std::string> expected_slots = {"a.md", "a.md", "b.md"};
  if (redis()) expected_slots.insert("");
  EXPECT_EQ(slots_of(json), expected_slots);
  for (const Json& e : json["entries"]) {
    EXPECT_TRUE(e["key"].get<std::string>().starts_with("site:1:")) << e;
    EXPECT_GT(e["size"].get<int>(), 0) << e;
  }
  if (redis()) {
    EXPECT_EQ(run.err, "");
    EXPECT_EQ(json["entries"][0]["label"], "plain");  // newest first
    EXPECT_EQ(json["entries"][0]["value_size"], 5);
  } else {
    EXPECT_NE(run.err.find(fallback_note + "3 entries named by its build records"),
              std::string::npos)
        << run.err;
    for (const Json& e : json["entries"]) EXPECT_EQ(e["label"], "render-page") << e;
  }
  EXPECT_EQ(json["entries"][total - 1]["generation"], 1);  // oldest: a render of build #1

  Exec text = sitecache({"ls", "--limit", "1"});
  ASSERT_EQ(text.exit_code, 0) << RUN_INFO(text);
  EXPECT_NE(text.out.find(std::to_string(total) + " entries, showing the newest 1"),
            std::string::npos)
      << text.out;
}

TEST_P(SharedServer, ClearStaleRemovesSupersededAndUnusedRenders) {
  write_file("site/a.md", "alpha");
  write_file("site/b.md", "beta");
  write_file("site/c.md", "gamma");
  build();  // #1: A1 B1 C1
  write_file("site/b.md", "beta, edited");
  build();  // #2: B2 (A1 C1 hit)
  fs::remove(dir_ / "site/c.md");
  write_file("site/a.md", "alpha, edited");
  build();  // #3: A2 (B2 hits); C1 unused
  ASSERT_EQ(sitecache({"put", "manual"}, "kept by a script").exit_code, 0);
  // The other cache, on the same server, with a build of its own.
  write_file("other-site/x.md", "x");
  build("other-site", {"--cache", "other"});
#ifdef REDIS_PLUGIN
  RawRedis raw(server_->port());
  const std::set<std::string> site_keys = redis() ? raw.keys("site:1:*") : std::set<std::string>();
  const std::set<std::string> other_keys = redis() ? raw.keys("other:*") : std::set<std::string>();
  if (redis()) {
    EXPECT_EQ(site_keys.size(), 6u);  // A1 A2 B1 B2 C1 manual
    EXPECT_FALSE(other_keys.empty());
  }
#endif

  Json plan = run_json({"clear", "--stale", "--keep-builds", "1", "--dry-run", "--json"});
  const std::multiset<std::string> stale_slots = {"a.md", "b.md", "c.md"};
  EXPECT_EQ(slots_of(plan), stale_slots);
  EXPECT_EQ(plan["source"], redis() ? "scan" : "build_records");
  EXPECT_EQ(plan["examined"], redis() ? 6 : 5);  // memcached cannot see "manual"

  Json done = run_json({"clear", "--stale", "--keep-builds", "1", "--json"});
  EXPECT_EQ(keys_of(done), keys_of(plan));  // the dry run removed nothing
  EXPECT_EQ(done["removed_entries"], 3);
  EXPECT_EQ(done["removed_bytes"], plan["planned_bytes"]);
  EXPECT_EQ(done["failed"], 0);
  for (const Json& e : done["entries"]) {
    EXPECT_EQ(e["reason"], e["slot"] == "c.md" ? "unused" : "superseded") << e;
  }
#ifdef REDIS_PLUGIN
  if (redis()) {
    std::set<std::string> expected = site_keys;
    for (const std::string& key : keys_of(done)) expected.erase(key);
    EXPECT_EQ(raw.keys("site:1:*"), expected);
    EXPECT_EQ(raw.keys("other:*"), other_keys);
  }
#endif

  EXPECT_EQ(sitecache({"get", "manual"}).out, "kept by a script");
  Json rebuilt = build_counts(build());
  EXPECT_EQ(rebuilt["hits"], 2);
  EXPECT_EQ(rebuilt["misses"], 0);
  Json other = build_counts(build("other-site", {"--cache", "other"}));
  EXPECT_EQ(other["hits"], 1);
  EXPECT_EQ(other["misses"], 0);
  EXPECT_EQ(run_json({"clear", "--stale", "--keep-builds", "1", "--json"})["removed_entries"], 0);
}

TEST_P(SharedServer, ClearAllLeavesAnotherPrefixUntouched) {
  const std::vector<std::string> keys = {"a", "b", "c"};
  for (const std::string& key : keys) {
    ASSERT_EQ(sitecache({"put", key}, "v-" + key).exit_code, 0);
    ASSERT_EQ(sitecache({"--cache", "other", "put", key}, "o-" + key).exit_code, 0);
  }
  write_file("site/a.md", "alpha");
  write_file("site/b.md", "beta");
  build();
  write_file("site/a.md", "alpha, edited");
  build();
  write_file("other-site/x.md", "x");
  build("other-site", {"--cache", "other"});
#ifdef REDIS_PLUGIN
  RawRedis raw(server_->port());
  std::set<std::string> other_keys;
  if (redis()) {
    ASSERT_TRUE(raw.set("unrelated-app:key", "not sitecache's"));
    EXPECT_FALSE(raw.keys("site:*").empty());
    other_keys = raw.keys("other:*");
    EXPECT_GE(other_keys.size(), 5u);  // a b c, x.md's render, a build record
  }
#endif

  Json done = run_json({"clear", "--all", "--json"});
  EXPECT_EQ(done["selector"], (Json{{"kind", "all"}}));
  EXPECT_EQ(done["source"], redis() ? "scan" : "build_records");
  // memcached lists only the three renders its build records name, but the key space
  // is swept as a whole: the values stored with put go too.
  EXPECT_EQ(done["removed_entries"], redis() ? 6 : 3);
  EXPECT_EQ(done["failed"], 0);
  for (const std::string& key : keys) {
    EXPECT_EQ(sitecache({"get", key}).exit_code, 3) << key;
  }
  EXPECT_EQ(run_json({"ls", "--json"})["total"], 0);
  Json stats = run_json({"stats", "--json"});
  EXPECT_TRUE(stats["caches"][0]["last_build"].is_null()) << "build records survived";
#ifdef REDIS_PLUGIN
  if (redis()) {
    EXPECT_TRUE(raw.keys("site:*").empty());
    EXPECT_EQ(raw.keys("other:*"), other_keys);
    EXPECT_EQ(raw.get("unrelated-app:key").value_or("<absent>"), "not sitecache's");
  }
#endif

  // The other cache lost nothing: values, renders and build records.
  EXPECT_EQ(stats["caches"][1]["last_build"]["generation"], 1);
  for (const std::string& key : keys) {
    EXPECT_EQ(sitecache({"--cache", "other", "get", key}).out, "o-" + key) << key;
  }
  Json other = build_counts(build("other-site", {"--cache", "other"}));
  EXPECT_EQ(other["hits"], 1);
  EXPECT_EQ(other["misses"], 0);
  Json rebuilt = build_counts(build());
  EXPECT_EQ(rebuilt["hits"], 0);
  EXPECT_EQ(rebuilt["misses"], 2);
}

TEST_P(SharedServer, ReportShowsTheBuildsAndSaysWhatItCannotList) {
  write_file("site/a.md", "alpha");
  write_file("site/b.md", "beta");
  build();
  write_file("site/a.md", "alpha, edited");
  build();

  Json r = run_json({"report", "--json"});
  ASSERT_EQ(r["builds"].size(), 2u);
  EXPECT_EQ(r["builds"][1]["misses"], 1);
  ASSERT_EQ(r["misses"][0]["rows"].size(), 1u);
  EXPECT_EQ(r["misses"][0]["rows"][0]["reason"], "inputs_changed");
  EXPECT_EQ(r["stale"]["by_reason"]["superseded"], 1) << r["stale"];
  // Redis scans; memcached cannot, and the report says so.
  EXPECT_EQ(r["size"]["source"], redis() ? "scan" : "build_records");
  EXPECT_EQ(r["notes"].size(), redis() ? 0u : 1u) << r["notes"];

  Exec page = sitecache({"report", "--out", "report.html"});
  ASSERT_EQ(page.exit_code, 0) << RUN_INFO(page);
  const std::string html = read_back("report.html");
  EXPECT_NE(html.find("data-points=\"2\""), std::string::npos);
  EXPECT_NE(html.find("id=\"table-misses-2\""), std::string::npos);
}

TEST_P(SharedServer, ServerDownIsAFailureNotAMiss) {
  ASSERT_EQ(sitecache({"put", "k"}, "v").exit_code, 0);
  server_->kill();
  Exec get = sitecache({"get", "k"});
  EXPECT_EQ(get.exit_code, 1) << RUN_INFO(get);  // not 3: the key may well be there
  EXPECT_EQ(get.out, "");
  EXPECT_TRUE(get.err.starts_with("sitecache: error: ")) << get.err;
  EXPECT_EQ(sitecache({"put", "k"}, "v").exit_code, 1);
  EXPECT_EQ(sitecache({"delete", "k"}).exit_code, 1);
  Exec stats = sitecache({"stats", "--json", "--cache", "default"});
  EXPECT_EQ(stats.exit_code, 1) << RUN_INFO(stats);
  EXPECT_TRUE(json_of(stats)["caches"][0]["error"].is_string()) << stats.out;
}

// With the server down, commands that read build records fail rather than report an
// empty history: explain must not say "no build records", and on memcached (no scan:
// everything goes through build records) ls and clear must not report 0 entries.
TEST_P(SharedServer, BuildRecordReadsFailWhenTheServerIsDown) {
  write_file("site/a.md", "alpha");
  build();
  server_->kill();
  for (const auto& args : std::vector<std::vector<std::string>>{{"ls"},
                                                                {"clear", "--stale"},
                                                                {"clear", "--all"},
                                                                {"clear", "--slot", "a.md"},
                                                                {"explain", "a.md"}}) {
    std::string command;
    for (const std::string& arg : args) command += " " + arg;
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 1) << "sitecache" << command << "\n" << RUN_INFO(run);
  }
}

INSTANTIATE_TEST_SUITE_P(Servers, SharedServer,
                         ::testing::Values(Backend::redis, Backend::memcached),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sitecache::cli_test
