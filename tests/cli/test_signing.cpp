// Signed entries end to end through the real `sitecache` binary: `keys generate` and
// `keys public`, the configuration checks, and the poisoning test of issue #18 on a real
// SQLite file, a real Redis and a real nginx (WebDAV):
//
//   1. a trusted writer (signing key, require_signature) builds out.txt from "genuine";
//   2. an attacker with write access to the store but no secret key builds the same
//      command over "evil" (an unsigned entry under its own key), then copies those bytes
//      over the genuine entry's key, behind sitecache's back;
//   3. a cache that does not require signatures now serves "evil" (the plant works, so
//      the test can fail), while the verifying cache refuses it: it runs the command,
//      writes "genuine", warns once and counts the entry as rejected.
//
// Also: an entry copied to another key fails verification (the signature covers the
// key), rotation by listing the old and the new public key, and a verifying reader with
// no secret key (a pull request's read-only build).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "nginx_server.hpp"
#include "server_process.hpp"

#ifdef REDIS_PLUGIN
#include <hiredis/hiredis.h>
#endif

namespace sitecache::cli_test {
namespace {

using sitecache::testing::NginxServer;
using sitecache::testing::ServerProcess;

// `name` found on PATH (run_program takes a path), or `name` itself.
std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return name;
}

// Overwrites the stored bytes of backend key `to` with those of `from` in a SQLite cache
// file, with the sqlite3 program, as anyone who can write the file could.
void copy_sqlite_value(const fs::path& db, const std::string& from, const std::string& to) {
  Exec copied = run_program(on_path("sqlite3"),
                            {db.string(),
                             "UPDATE entries SET (value, size) = (SELECT value, size "
                             "FROM entries WHERE key = '" +
                                 from + "') WHERE key = '" + to + "';"},
                            db.parent_path());
  ASSERT_EQ(copied.exit_code, 0) << RUN_INFO(copied);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class SigningTest : public CliTest {
 protected:
  // `sitecache ARGS` with $SC_SIGNING_KEY set to the secret key of `key_name` (if any).
  Exec run(const std::vector<std::string>& args, const std::string& key_name = {}) {
    std::vector<std::string> env;
    if (!key_name.empty()) env.push_back("SC_SIGNING_KEY=" + read_text(dir_ / (key_name + ".key")));
    return run_program(SITECACHE_BIN, args, dir_, {}, env);
  }
  void generate(const std::string& name) {
    Exec made = run({"keys", "generate", name});
    ASSERT_EQ(made.exit_code, 0) << RUN_INFO(made);
  }
  // One build of `cp src.txt out.txt` on `cache` with src.txt = `source`; returns what
  // out.txt holds afterwards.
  std::string build(const std::string& cache, const std::string& source,
                    const std::string& key_name = {}, Exec* result = nullptr) {
    write_file("src.txt", source);
    fs::remove(dir_ / "out.txt");
    Exec exec = run({"--cache", cache, "exec", "-v", "--in", "src.txt", "--out", "out.txt", "--",
                     "cp", "src.txt", "out.txt"},
                    key_name);
    EXPECT_EQ(exec.exit_code, 0) << RUN_INFO(exec);
    if (result != nullptr) *result = exec;
    return read_text(dir_ / "out.txt");
  }
  // Entry keys (not blobs or build records) of cache `name` that `ls` lists.
  std::set<std::string> entry_keys(const std::string& cache, const std::string& key_name = {}) {
    Exec ls = run({"--cache", cache, "ls", "--json"}, key_name);
    EXPECT_EQ(ls.exit_code, 0) << RUN_INFO(ls);
    std::set<std::string> keys;
    const Json listing = json_of(ls);
    for (const Json& e : listing["entries"]) {
      const std::string key = e["key"].get<std::string>();
      if (key.find(":blob:") == std::string::npos) keys.insert(key);
    }
    return keys;
  }
  uint64_t rejected_in_last_build(const std::string& cache, const std::string& key_name = {}) {
    Exec stats = run({"--cache", cache, "stats", "--json"}, key_name);
    EXPECT_EQ(stats.exit_code, 0) << RUN_INFO(stats);
    const Json doc = json_of(stats);
    for (const Json& c : doc["caches"]) {
      if (c["name"] == cache && c["last_build"].is_object()) {
        return c["last_build"]["rejected"].get<uint64_t>();
      }
    }
    ADD_FAILURE() << "no last build of " << cache << " in " << stats.out;
    return 0;
  }

  // Three caches over one store (`store` is their backend and location lines):
  // "signed" (signs, requires signatures), "attacker" (no key), "lax" (requires nothing).
  void configure_caches(const std::string& store) {
    write_config("[cache.signed]\n" + store +
                 "key_prefix = \"site\"\nsigning_key = \"env:SC_SIGNING_KEY\"\n"
                 "require_signature = true\n"
                 "[cache.attacker]\n" +
                 store + "key_prefix = \"site\"\n[cache.lax]\n" + store +
                 "key_prefix = \"site\"\n");
  }

  // Steps 1-3 of the poisoning test; `copy(from, to)` overwrites the stored bytes of
  // backend key `to` with those of `from`, as an attacker with write access would.
  void poison_and_check(const std::function<void(const std::string&, const std::string&)>& copy) {
    generate("ci");
    EXPECT_EQ(build("signed", "genuine\n", "ci"), "genuine\n");
    const std::set<std::string> genuine = entry_keys("signed", "ci");
    ASSERT_EQ(genuine.size(), 1u);
    EXPECT_EQ(build("attacker", "evil\n"), "evil\n");
    std::set<std::string> evil = entry_keys("attacker");
    for (const std::string& k : genuine) evil.erase(k);
    ASSERT_EQ(evil.size(), 1u);
    copy(*evil.begin(), *genuine.begin());

    // The plant works: a cache that does not require signatures serves it.
    Exec lax;
    EXPECT_EQ(build("lax", "genuine\n", {}, &lax), "evil\n") << RUN_INFO(lax);
    EXPECT_NE(lax.err.find("hit"), std::string::npos) << RUN_INFO(lax);

    // The verifying build refuses it and renders the real output.
    Exec verified;
    EXPECT_EQ(build("signed", "genuine\n", "ci", &verified), "genuine\n");
    EXPECT_NE(verified.err.find("refused an entry"), std::string::npos) << RUN_INFO(verified);
    EXPECT_NE(verified.err.find("unsigned"), std::string::npos) << RUN_INFO(verified);
    EXPECT_NE(verified.err.find("miss, ran the command"), std::string::npos) << RUN_INFO(verified);
    EXPECT_GE(rejected_in_last_build("signed", "ci"), 1u);
    // The report shows it too, per build.
    Exec report = run({"--cache", "signed", "report", "--json"}, "ci");
    ASSERT_EQ(report.exit_code, 0) << RUN_INFO(report);
    const Json history = json_of(report)["builds"];
    ASSERT_FALSE(history.empty()) << report.out;
    EXPECT_GE(history.back()["rejected"].get<uint64_t>(), 1u) << report.out;
    // Its fresh, signed store replaced the planted bytes: the next build hits.
    Exec again;
    EXPECT_EQ(build("signed", "genuine\n", "ci", &again), "genuine\n");
    EXPECT_NE(again.err.find("hit"), std::string::npos) << RUN_INFO(again);
    EXPECT_EQ(again.err.find("refused"), std::string::npos) << RUN_INFO(again);
  }
};

TEST_F(SigningTest, KeysGenerateWritesAPairWithSafeModesAndNeverOverwrites) {
  generate("ci");
  struct stat secret {
  }, pub{};
  ASSERT_EQ(stat((dir_ / "ci.key").c_str(), &secret), 0);
  ASSERT_EQ(stat((dir_ / "ci.pub").c_str(), &pub), 0);
  EXPECT_EQ(secret.st_mode & 0777, 0600u);
  EXPECT_EQ(pub.st_mode & 0777, 0644u);
  EXPECT_TRUE(read_text(dir_ / "ci.key").starts_with("scsk1:"));
  const std::string public_text = read_text(dir_ / "ci.pub");
  EXPECT_TRUE(public_text.starts_with("scpk1:"));

  Exec derived = run({"keys", "public", "ci.key"});
  EXPECT_EQ(derived.exit_code, 0) << RUN_INFO(derived);
  EXPECT_EQ(derived.out, public_text);

  const std::string before = read_text(dir_ / "ci.key");
  Exec again = run({"keys", "generate", "ci"});
  EXPECT_EQ(again.exit_code, 1) << RUN_INFO(again);
  EXPECT_NE(again.err.find("never overwritten"), std::string::npos) << RUN_INFO(again);
  EXPECT_EQ(read_text(dir_ / "ci.key"), before);

  Exec wrong = run({"keys", "public", "ci.pub"});
  EXPECT_EQ(wrong.exit_code, 1) << RUN_INFO(wrong);
  EXPECT_NE(wrong.err.find("public key was given where a secret key belongs"), std::string::npos)
      << RUN_INFO(wrong);
  EXPECT_EQ(run({"keys"}).exit_code, 2);
  EXPECT_EQ(run({"keys", "generate"}).exit_code, 2);
}

TEST_F(SigningTest, MisconfiguredSigningIsReportedWithItsLocation) {
  generate("ci");
  const std::string secret = read_text(dir_ / "ci.key");
  const std::string public_key = read_text(dir_ / "ci.pub");
  struct Case {
    std::string toml, message;
  };
  const std::vector<Case> cases = {
      {"[cache.default]\nsigning_key = \"" + secret.substr(0, secret.size() - 1) + "\"\n",
       "sitecache.toml:2:15: cache.default.signing_key must be \"env:NAME\" or \"file:PATH\""},
      {"[cache.default]\ntrusted_keys = [\"" + secret.substr(0, secret.size() - 1) + "\"]\n",
       "sitecache.toml:2:17: cache.default.trusted_keys[0]: a secret key was given where a "
       "public key belongs"},
      {"[cache.default]\ntrusted_keys = [\"scpk1:AAAA\"]\n",
       "cache.default.trusted_keys[0]: the public key is not 32 bytes of base64"},
      {"[cache.default]\nrequire_signature = true\n",
       "sitecache.toml:2:21: cache.default.require_signature = true accepts nothing"},
      {"[cache.a]\n[cache.b]\nlevels = [\"a\"]\nrequire_signature = true\ntrusted_keys = [\"" +
           public_key.substr(0, public_key.size() - 1) + "\"]\n",
       "a tiered cache signs and verifies through its levels"},
  };
  for (const Case& c : cases) {
    write_config(c.toml);
    Exec check = run({"config", "check"});
    EXPECT_EQ(check.exit_code, 1) << c.toml << RUN_INFO(check);
    EXPECT_NE(check.err.find(c.message), std::string::npos) << c.toml << RUN_INFO(check);
  }

  // A key source that cannot be read: the cache does not open, and says why.
  write_config("[cache.default]\nsigning_key = \"env:SC_SIGNING_KEY\"\n");
  Exec unset = run({"put", "k", "ci.pub"});
  EXPECT_EQ(unset.exit_code, 1) << RUN_INFO(unset);
  EXPECT_NE(unset.err.find("$SC_SIGNING_KEY, which is not set"), std::string::npos)
      << RUN_INFO(unset);
  write_config("[cache.default]\nsigning_key = \"file:ci.pub\"\n");
  Exec swapped = run({"put", "k", "ci.pub"});
  EXPECT_EQ(swapped.exit_code, 1) << RUN_INFO(swapped);
  EXPECT_NE(swapped.err.find("a public key was given where a secret key belongs"),
            std::string::npos)
      << RUN_INFO(swapped);
}

TEST_F(SigningTest, PoisonedEntryOnSqliteIsRefused) {
  configure_caches("backend = \"sqlite\"\nlocation = \"cache.db\"\n");
  // The attacker writes the database file directly, as anyone who can write it could.
  poison_and_check([this](const std::string& from, const std::string& to) {
    copy_sqlite_value(dir_ / "cache.db", from, to);
  });
}

#ifdef REDIS_PLUGIN
TEST_F(SigningTest, PoisonedEntryOnRedisIsRefused) {
  std::unique_ptr<ServerProcess> server =
      sitecache::testing::start_server(ServerProcess::Kind::redis);
  if (!server) return;
  configure_caches("backend = \"redis\"\nlocation = \"redis://" + server->address() + "/0\"\n");
  poison_and_check([&](const std::string& from, const std::string& to) {
    redisContext* redis = redisConnect("127.0.0.1", server->port());
    ASSERT_TRUE(redis != nullptr && redis->err == 0);
    auto* reply = static_cast<redisReply*>(
        redisCommand(redis, "COPY %b %b REPLACE", from.data(), from.size(), to.data(), to.size()));
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->type, REDIS_REPLY_INTEGER) << (reply->str ? reply->str : "");
    EXPECT_EQ(reply->integer, 1);
    freeReplyObject(reply);
    redisFree(redis);
  });
}
#endif

#ifdef HTTP_PLUGIN
TEST_F(SigningTest, PoisonedEntryOnNginxIsRefused) {
  if (const std::string reason = NginxServer::unavailable_reason(); !reason.empty()) {
    GTEST_SKIP() << reason;
  }
  NginxServer server;
  ASSERT_TRUE(server.start()) << server.error_log();
  configure_caches("backend = \"" HTTP_PLUGIN "\"\nlocation = \"" + server.url("/cache/") + "\"\n");
  // The attacker rewrites the server's files (nginx stores each key as a file of that name).
  poison_and_check([&](const std::string& from, const std::string& to) {
    fs::path source, target;
    for (const auto& file : fs::recursive_directory_iterator(server.root())) {
      if (file.path().filename() == from) source = file.path();
      if (file.path().filename() == to) target = file.path();
    }
    ASSERT_FALSE(source.empty()) << from;
    ASSERT_FALSE(target.empty()) << to;
    fs::copy_file(source, target, fs::copy_options::overwrite_existing);
  });
}
#endif

// The signature covers the key: a genuine signed entry copied under another key is refused.
TEST_F(SigningTest, ASignedEntryMovedToAnotherKeyIsRefused) {
  configure_caches("backend = \"sqlite\"\nlocation = \"cache.db\"\n");
  generate("ci");
  EXPECT_EQ(build("signed", "one\n", "ci"), "one\n");
  const std::set<std::string> first = entry_keys("signed", "ci");
  EXPECT_EQ(build("signed", "two\n", "ci"), "two\n");
  std::set<std::string> second = entry_keys("signed", "ci");
  for (const std::string& k : first) second.erase(k);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  copy_sqlite_value(dir_ / "cache.db", *first.begin(), *second.begin());
  Exec verified;
  EXPECT_EQ(build("signed", "two\n", "ci", &verified), "two\n");
  EXPECT_NE(verified.err.find("signature does not verify"), std::string::npos)
      << RUN_INFO(verified);
}

// Rotation: readers trust the old and the new public key; entries of both are served,
// and a reader without any secret key (a pull request's build) verifies and cannot write.
TEST_F(SigningTest, RotationAndReadOnlyVerifyingReaders) {
  generate("old");
  generate("new");
  write_config(
      "[cache.old]\nlocation = \"cache.db\"\nkey_prefix = \"site\"\n"
      "signing_key = \"env:SC_SIGNING_KEY\"\n"
      "[cache.new]\nlocation = \"cache.db\"\nkey_prefix = \"site\"\n"
      "signing_key = \"env:SC_SIGNING_KEY\"\n"
      "trusted_keys = [\"file:old.pub\"]\nrequire_signature = true\n"
      "[cache.pr]\nlocation = \"cache.db\"\nkey_prefix = \"site\"\nread_only = true\n"
      "trusted_keys = [\"file:old.pub\", \"file:new.pub\"]\nrequire_signature = true\n");
  EXPECT_EQ(build("old", "a\n", "old"), "a\n");
  Exec served;
  EXPECT_EQ(build("new", "a\n", "new", &served), "a\n");
  EXPECT_NE(served.err.find("hit"), std::string::npos) << RUN_INFO(served);
  EXPECT_EQ(build("new", "b\n", "new"), "b\n");
  for (const std::string source : {"a\n", "b\n"}) {
    Exec pr;
    EXPECT_EQ(build("pr", source, {}, &pr), source);
    EXPECT_NE(pr.err.find("hit"), std::string::npos) << source << RUN_INFO(pr);
  }
  const size_t entries = entry_keys("new", "new").size();
  Exec pr_miss;
  EXPECT_EQ(build("pr", "c\n", {}, &pr_miss), "c\n");
  EXPECT_NE(pr_miss.err.find("miss"), std::string::npos) << RUN_INFO(pr_miss);
  EXPECT_EQ(entry_keys("new", "new").size(), entries);  // the read-only reader wrote nothing
}

}  // namespace
}  // namespace sitecache::cli_test
