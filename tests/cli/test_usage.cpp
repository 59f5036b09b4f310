// Command-line handling: help for every verb, and every bad argument is a usage error
// (exit 2, one "sitecache: error:" line plus the verb's usage) that changes nothing.
#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

class Usage : public CliTest {
 protected:
  // Expects exit 2 with an error line containing `fragment`.
  void expect_usage_error(const std::vector<std::string>& args, const std::string& fragment) {
    Exec run = sitecache(args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(run.exit_code, 2) << shown << "\n" << RUN_INFO(run);
    EXPECT_TRUE(run.err.starts_with("sitecache: error: ")) << shown << "\n" << run.err;
    EXPECT_NE(run.err.find(fragment), std::string::npos) << shown << "\n" << run.err;
    EXPECT_NE(run.err.find("usage: sitecache"), std::string::npos) << shown << "\n" << run.err;
    EXPECT_TRUE(run.out.empty()) << shown << "\n" << run.out;
  }
};

TEST_F(Usage, HelpForEveryVerb) {
  const std::vector<std::vector<std::string>> verbs = {{},
                                                       {"stats"},
                                                       {"ls"},
                                                       {"clear"},
                                                       {"gc"},
                                                       {"get"},
                                                       {"put"},
                                                       {"delete"},
                                                       {"touch"},
                                                       {"explain"},
                                                       {"plugins"},
                                                       {"plugins", "list"},
                                                       {"plugins", "info"},
                                                       {"plugins", "check"},
                                                       {"config"},
                                                       {"config", "show"},
                                                       {"config", "check"}};
  for (auto args : verbs) {
    args.push_back("--help");
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 0) << args.front() << "\n" << RUN_INFO(run);
    EXPECT_NE(run.out.find("Usage:"), std::string::npos) << RUN_INFO(run);
    EXPECT_TRUE(run.err.empty()) << RUN_INFO(run);
  }
  // Help never needs a working configuration.
  write_config("this is not toml");
  EXPECT_EQ(sitecache({"clear", "--help"}).exit_code, 0);
}

TEST_F(Usage, Version) {
  Exec run = sitecache({"--version"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_TRUE(run.out.starts_with("sitecache ")) << run.out;
}

TEST_F(Usage, VerbsAndOptions) {
  expect_usage_error({}, "subcommand");
  expect_usage_error({"frobnicate"}, "unknown verb 'frobnicate'");
  expect_usage_error({"--frobnicate", "stats"}, "--frobnicate");
  expect_usage_error({"stats", "--frobnicate"}, "--frobnicate");
  expect_usage_error({"ls", "extra"}, "extra");
  expect_usage_error({"plugins", "frobnicate"}, "frobnicate");
  expect_usage_error({"config", "frobnicate"}, "frobnicate");
  expect_usage_error({"--cache"}, "--cache");
}

TEST_F(Usage, UnknownCacheListsTheConfiguredOnes) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--cache", "nope", "ls"},
                                             {"ls", "--cache", "nope"},
                                             {"--cache", "nope", "get", "k"},
                                             {"--cache", "nope", "put", "k"},
                                             {"--cache", "nope", "clear", "--all"},
                                             {"--cache", "nope", "gc", "--max-entries", "1"},
                                             {"--cache", "nope", "stats"},
                                             {"--cache", "nope", "explain", "x"},
                                             {"--cache", "nope", "config", "show"}}) {
    expect_usage_error(args, "unknown cache 'nope'");
    EXPECT_NE(sitecache(args).err.find("default, other"), std::string::npos);
  }
}

TEST_F(Usage, ClearSelectors) {
  expect_usage_error({"clear"}, "choose what to clear");
  expect_usage_error({"clear", "--dry-run"}, "choose what to clear");
  expect_usage_error({"clear", "--all", "--stale"}, "exactly one");
  expect_usage_error({"clear", "--tag", "a", "--slot", "b"}, "exactly one");
  expect_usage_error({"clear", "--prefix", "a", "--older-than", "1d"}, "exactly one");
  expect_usage_error({"clear", "--all", "--keep-builds", "2"}, "--keep-builds");
  expect_usage_error({"clear", "--stale", "--keep-builds", "0"}, "--keep-builds");
  expect_usage_error({"clear", "--stale", "--keep-builds", "many"}, "--keep-builds");
  expect_usage_error({"clear", "--prefix", ""}, "--prefix must not be empty");
  expect_usage_error({"clear", "--tag"}, "--tag");
}

TEST_F(Usage, BadDurationsAndSizes) {
  expect_usage_error({"clear", "--older-than", "5x"}, "invalid duration \"5x\"");
  expect_usage_error({"clear", "--older-than", "-1d"}, "--older-than");
  expect_usage_error({"put", "k", "--ttl", "soon"}, "invalid timeout \"soon\"");
  expect_usage_error({"touch", "k", "--ttl", "1y"}, "invalid timeout \"1y\"");
  expect_usage_error({"gc", "--max-size", "12XB"}, "invalid size \"12XB\"");
  expect_usage_error({"gc", "--max-size", "-5"}, "--max-size");
  expect_usage_error({"gc", "--max-entries", "abc"}, "--max-entries");
  expect_usage_error({"gc", "--max-entries", "-3"}, "--max-entries");
  expect_usage_error({"ls", "--limit", "0"}, "--limit");
  expect_usage_error({"ls", "--limit", "ten"}, "--limit");
  expect_usage_error({"stats", "--builds", "0"}, "--builds");
}

TEST_F(Usage, MissingArguments) {
  expect_usage_error({"get"}, "KEY is required");
  expect_usage_error({"put"}, "KEY is required");
  expect_usage_error({"delete"}, "KEY is required");
  expect_usage_error({"touch"}, "KEY is required");
  expect_usage_error({"touch", "k"}, "--ttl is required");
  expect_usage_error({"get", ""}, "KEY must not be empty");
  expect_usage_error({"get", "a", "b"}, "b");
  expect_usage_error({"explain"}, "SLOT is required");
  expect_usage_error({"plugins", "info"}, "NAME is required");
  expect_usage_error({"plugins", "check"}, "PATH is required");
  // `gc` with neither flags nor configured limits is not a usage error: it removes the
  // expired entries (Gc.WithoutLimitsRemovesOnlyExpiredEntries).
}

TEST_F(Usage, UsageErrorsChangeNothing) {
  ASSERT_EQ(sitecache({"put", "keep"}, "value").exit_code, 0);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"clear", "--all", "--stale"},
                                             {"clear", "--older-than", "0x"},
                                             {"gc", "--max-entries", "-1"},
                                             {"delete"},
                                             {"touch", "keep", "--ttl", "never-ever"},
                                             {"put", "keep", "--ttl", "bad"}}) {
    EXPECT_EQ(sitecache(args, "other value").exit_code, 2);
  }
  Exec get = sitecache({"get", "keep"});
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_EQ(get.out, "value");
}

TEST_F(Usage, PipedOutputHasNoProgress) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(sitecache({"put", "k" + std::to_string(i)}, "v").exit_code, 0);
  }
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"ls"}, {"clear", "--all", "--dry-run"}, {"clear", "--all"}}) {
    Exec run = sitecache(args);
    EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
    EXPECT_EQ(run.err, "") << RUN_INFO(run);
    EXPECT_EQ(run.out.find('\r'), std::string::npos);
    EXPECT_EQ(run.out.find('\033'), std::string::npos);
  }
}

}  // namespace
}  // namespace sitecache::cli_test
