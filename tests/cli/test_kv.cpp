// get / put / delete / touch: binary-safe values through stdin, stdout and files, and the
// exit codes scripts rely on (0 done, 1 failure, 3 absent).
#include <chrono>

#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

class Kv : public CliTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    configure(GetParam());
  }
  static std::string read_back(const fs::path& path) { return testing::read_file(path); }
};

TEST_P(Kv, BinaryRoundTripThroughStdinAndStdout) {
  const std::string value = binary_sample();
  Exec put = sitecache({"put", "bin"}, value);
  ASSERT_EQ(put.exit_code, 0) << RUN_INFO(put);
  EXPECT_EQ(put.out, "");
  Exec get = sitecache({"get", "bin"});
  ASSERT_EQ(get.exit_code, 0) << RUN_INFO(get);
  EXPECT_EQ(get.out, value);
  EXPECT_EQ(get.err, "");

  ASSERT_EQ(sitecache({"put", "dash", "-"}, value + "x").exit_code, 0);
  EXPECT_EQ(sitecache({"get", "dash"}).out, value + "x");
}

TEST_P(Kv, RoundTripThroughFiles) {
  const std::string value = binary_sample(4096);  // about 1 MiB
  fs::path in = write_file("in.bin", value);
  ASSERT_EQ(sitecache({"put", "file key with spaces/and:colons", in.string()}).exit_code, 0);
  Exec get = sitecache({"get", "file key with spaces/and:colons", "-o", "out.bin"});
  ASSERT_EQ(get.exit_code, 0) << RUN_INFO(get);
  EXPECT_EQ(get.out, "");
  EXPECT_EQ(read_back(dir_ / "out.bin"), value);
}

TEST_P(Kv, EmptyValueIsNotAbsent) {
  ASSERT_EQ(sitecache({"put", "empty"}, "").exit_code, 0);
  Exec get = sitecache({"get", "empty"});
  EXPECT_EQ(get.exit_code, 0) << RUN_INFO(get);
  EXPECT_EQ(get.out, "");
}

TEST_P(Kv, AbsentKeyExits3WithOneLine) {
  Exec get = sitecache({"get", "missing"});
  EXPECT_EQ(get.exit_code, 3) << RUN_INFO(get);
  EXPECT_EQ(get.out, "");
  EXPECT_EQ(get.err, "sitecache: key 'missing' not found in cache 'default'\n");
  Exec to_file = sitecache({"get", "missing", "-o", "never.bin"});
  EXPECT_EQ(to_file.exit_code, 3);
  EXPECT_FALSE(fs::exists(dir_ / "never.bin"));
  EXPECT_EQ(sitecache({"delete", "missing"}).exit_code, 3);
  EXPECT_EQ(sitecache({"touch", "missing", "--ttl", "1h"}).exit_code, 3);
}

TEST_P(Kv, OverwriteDeleteAndTouch) {
  ASSERT_EQ(sitecache({"put", "k"}, "one").exit_code, 0);
  ASSERT_EQ(sitecache({"put", "k"}, "two").exit_code, 0);
  EXPECT_EQ(sitecache({"get", "k"}).out, "two");
  Exec touch = sitecache({"touch", "k", "--ttl", "2d"});
  EXPECT_EQ(touch.exit_code, 0) << RUN_INFO(touch);
  EXPECT_EQ(sitecache({"get", "k"}).out, "two");
  Exec del = sitecache({"delete", "k"});
  EXPECT_EQ(del.exit_code, 0) << RUN_INFO(del);
  EXPECT_EQ(sitecache({"get", "k"}).exit_code, 3);
  EXPECT_EQ(sitecache({"delete", "k"}).exit_code, 3);
}

TEST_P(Kv, TtlExpires) {
  using namespace std::chrono_literals;
  // Nothing waits: entries are written through the library as of an hour ago and read
  // through it as of later (ManualClock); the CLI runs now. Backends' own TTLs start when
  // an entry is written and outlast the test, so what expires is the entry's own expiry.
  put_as_of(-1h, "expired", "v", Timeout::seconds(1800));       // expired 30 minutes ago
  put_as_of(-1h, "renewed", "v", Timeout::seconds(3600 + 60));  // expires in a minute
  put_as_of(-1h, "not renewed", "v", Timeout::seconds(3600 + 60));
  ASSERT_EQ(sitecache({"put", "short", "--ttl", "1s"}, "v").exit_code, 0);
  ASSERT_EQ(sitecache({"put", "long", "--ttl", "1h"}, "v").exit_code, 0);
  ASSERT_EQ(sitecache({"put", "forever", "--ttl", "none"}, "v").exit_code, 0);
  // touch renews: a short TTL extended to an hour survives its original expiry.
  Exec touch = sitecache({"touch", "renewed", "--ttl", "1h"});
  ASSERT_EQ(touch.exit_code, 0) << RUN_INFO(touch);

  EXPECT_EQ(sitecache({"get", "expired"}).exit_code, 3);
  EXPECT_EQ(sitecache({"get", "renewed"}).exit_code, 0);
  EXPECT_EQ(sitecache({"get", "long"}).exit_code, 0);
  EXPECT_EQ(sitecache({"get", "forever"}).exit_code, 0);
  // Two minutes on: past "short"'s second and the original expiry of "renewed".
  EXPECT_EQ(get_as_of(2min, "short"), std::nullopt);
  EXPECT_EQ(get_as_of(2min, "not renewed"), std::nullopt);
  EXPECT_EQ(get_as_of(2min, "renewed"), "v");
  EXPECT_EQ(get_as_of(2min, "long"), "v");
  EXPECT_EQ(get_as_of(2min, "forever"), "v");
  EXPECT_EQ(get_as_of(61min, "long"), std::nullopt);
  EXPECT_EQ(get_as_of(24h * 365, "forever"), "v");
}

TEST_P(Kv, CachesAreSeparateKeySpaces) {
  ASSERT_EQ(sitecache({"put", "shared-name"}, "default value").exit_code, 0);
  EXPECT_EQ(sitecache({"--cache", "other", "get", "shared-name"}).exit_code, 3);
  ASSERT_EQ(sitecache({"put", "shared-name", "--cache", "other"}, "other value").exit_code, 0);
  EXPECT_EQ(sitecache({"get", "shared-name"}).out, "default value");
  EXPECT_EQ(sitecache({"get", "shared-name", "--cache", "other"}).out, "other value");
}

TEST_P(Kv, Failures) {
  Exec missing_file = sitecache({"put", "k", "no-such-file.bin"});
  EXPECT_EQ(missing_file.exit_code, 1) << RUN_INFO(missing_file);
  EXPECT_NE(missing_file.err.find("cannot open no-such-file.bin"), std::string::npos);
  EXPECT_EQ(sitecache({"get", "k"}).exit_code, 3);
  Exec unwritable = sitecache({"get", "k", "-o", "no/such/dir/out"});
  EXPECT_EQ(unwritable.exit_code, 3);  // absent wins: nothing to write
  ASSERT_EQ(sitecache({"put", "k"}, "v").exit_code, 0);
  unwritable = sitecache({"get", "k", "-o", "no/such/dir/out"});
  EXPECT_EQ(unwritable.exit_code, 1) << RUN_INFO(unwritable);
}

INSTANTIATE_TEST_SUITE_P(Backends, Kv,
                         ::testing::Values(Backend::sqlite, Backend::file, Backend::noscan),
                         [](const auto& info) { return backend_name(info.param); });

TEST_F(CliTest, ReadOnlyCacheRefusesWrites) {
  ASSERT_EQ(sitecache({"put", "k"}, "v").exit_code, 0);
  configure(Backend::sqlite, "read_only = true");
  Exec put = sitecache({"put", "k2"}, "v");
  EXPECT_EQ(put.exit_code, 1) << RUN_INFO(put);
  EXPECT_NE(put.err.find("read_only"), std::string::npos);
  EXPECT_EQ(sitecache({"delete", "k"}).exit_code, 1);
  EXPECT_EQ(sitecache({"touch", "k", "--ttl", "1h"}).exit_code, 1);
  Exec clear = sitecache({"clear", "--all"});
  EXPECT_EQ(clear.exit_code, 1) << RUN_INFO(clear);
  // Reads still work, and a dry run is not a write.
  EXPECT_EQ(sitecache({"get", "k"}).out, "v");
  EXPECT_EQ(sitecache({"clear", "--all", "--dry-run"}).exit_code, 0);
}

TEST_F(CliTest, BackendThatCannotLoadIsAFailure) {
  write_config("[cache.default]\nbackend = \"no-such-backend\"\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"get", "k"}, {"put", "k"}, {"delete", "k"}, {"ls"}, {"clear", "--all"}}) {
    Exec run = sitecache(args, "v");
    EXPECT_EQ(run.exit_code, 1) << args.front() << "\n" << RUN_INFO(run);
    EXPECT_NE(run.err.find("unknown backend 'no-such-backend'"), std::string::npos) << run.err;
  }
}

TEST_F(CliTest, BadConfigFileIsAFailure) {
  write_config("[cache.default]\nbakend = \"sqlite\"\n");
  Exec run = sitecache({"get", "k"});
  EXPECT_EQ(run.exit_code, 1) << RUN_INFO(run);
  EXPECT_NE(run.err.find("sitecache.toml:2:1"), std::string::npos) << run.err;
  Exec missing = sitecache({"--config", "nowhere.toml", "get", "k"});
  EXPECT_EQ(missing.exit_code, 1) << RUN_INFO(missing);
  EXPECT_NE(missing.err.find("nowhere.toml"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace sitecache::cli_test
