// parse_config on bad files: every message names FILE:LINE:COLUMN exactly.
#include "config_test_support.hpp"
#include "sitecache/config.hpp"

namespace sitecache {
namespace {

using testing::parse_error;

constexpr std::string_view kCacheKeys =
    "backend, location, timeout, key_prefix, version, max_entries, max_size, cull_frequency, "
    "max_value_size, compress, read_only, on_error, single_flight, levels, signing_key, "
    "trusted_keys, require_signature, options";

struct BadSetting {
  std::string_view line;  // the second line of the file, after "[cache.default]"
  std::string_view message;
};

// Checks that "[cache.default]\n<line>\n" fails with exactly `message`.
void expect_bad_settings(std::initializer_list<BadSetting> cases) {
  for (const BadSetting& bad : cases) {
    SCOPED_TRACE(bad.line);
    EXPECT_EQ(parse_error("[cache.default]\n" + std::string(bad.line) + "\n"), bad.message);
  }
}

TEST(ConfigErrors, SyntaxErrorNamesLineAndColumn) {
  EXPECT_EQ(parse_error("[cache.default]\nbackend = \n"),
            "site.toml:2:11: Error while parsing key-value pair: expected value, saw '\\n'");
  EXPECT_EQ(parse_error("[cache.default]\nbackend = \"memory\"\nversion = 1 2\n"),
            "site.toml:3:13: Error while parsing key-value pair: expected a comment or "
            "whitespace, saw '2'");
  EXPECT_EQ(parse_error("[cache.a]\nversion = 1\nversion = 2\n"),
            "site.toml:3:11: Error while parsing key-value pair: cannot redefine existing integer "
            "'version'");
  EXPECT_EQ(parse_error("[cache.a]\nversion = 99999999999999999999\n"),
            "site.toml:2:31: Error while parsing decimal integer: '99999999999999999999' is not "
            "representable in 64 bits");
  EXPECT_EQ(parse_error("[cache.a\n"),
            "site.toml:1:9: Error while parsing table header: expected ']', saw '\\n'");
}

TEST(ConfigErrors, SyntaxErrorUsesTheSourceName) {
  Result<Config> config = parse_config("x = ", "/etc/site/sitecache.toml", "/etc/site");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().code(), StatusCode::config);
  EXPECT_EQ(config.status().message(),
            "/etc/site/sitecache.toml:1:5: Error while parsing key-value pair: encountered "
            "end-of-file");
}

TEST(ConfigErrors, UnknownTopLevelKey) {
  EXPECT_EQ(parse_error("[cache.default]\n[caches.other]\n"),
            "site.toml:2:2: unknown key \"caches\" in the top level (valid keys: cache, exec, "
            "plugins)");
  EXPECT_EQ(parse_error("verbose = true\n"),
            "site.toml:1:1: unknown key \"verbose\" in the top level (valid keys: cache, exec, "
            "plugins)");
  EXPECT_EQ(parse_error("[exec]\nbasedir = \".\"\n"),
            "site.toml:2:1: unknown key \"basedir\" in [exec] (valid keys: base_dir)");
}

TEST(ConfigErrors, UnknownCacheKeyListsTheValidOnes) {
  EXPECT_EQ(parse_error("[cache.default]\nbackend = \"sqlite\"\n  bakend = \"sqlite\"\n"),
            "site.toml:3:3: unknown key \"bakend\" in [cache.default] (valid keys: " +
                std::string(kCacheKeys) + ")");
  EXPECT_EQ(parse_error("[cache.pages]\nTIMEOUT = 5\n"),
            "site.toml:2:1: unknown key \"TIMEOUT\" in [cache.pages] (valid keys: " +
                std::string(kCacheKeys) + ")");
}

TEST(ConfigErrors, UnknownPluginsKey) {
  EXPECT_EQ(parse_error("[plugins]\npaths = [\"x\"]\n"),
            "site.toml:2:1: unknown key \"paths\" in [plugins] (valid keys: path)");
}

TEST(ConfigErrors, WrongTypeForEachKey) {
  expect_bad_settings({
      {"backend = 1", "site.toml:2:11: cache.default.backend must be a string, not an integer"},
      {"location = false",
       "site.toml:2:12: cache.default.location must be a string, not a boolean"},
      {"timeout = 1.5",
       "site.toml:2:11: cache.default.timeout must be a duration string, \"none\" or an integer "
       "number of seconds, not a float"},
      {"timeout = true",
       "site.toml:2:11: cache.default.timeout must be a duration string, \"none\" or an integer "
       "number of seconds, not a boolean"},
      {"key_prefix = 7",
       "site.toml:2:14: cache.default.key_prefix must be a string, not an integer"},
      {"version = \"1\"", "site.toml:2:11: cache.default.version must be an integer, not a string"},
      {"version = 1.0", "site.toml:2:11: cache.default.version must be an integer, not a float"},
      {"max_entries = [1]",
       "site.toml:2:15: cache.default.max_entries must be an integer, not an array"},
      {"max_size = 1.5",
       "site.toml:2:12: cache.default.max_size must be a size string or an integer number of "
       "bytes, not a float"},
      {"cull_frequency = \"3\"",
       "site.toml:2:18: cache.default.cull_frequency must be an integer, not a string"},
      {"compress = true", "site.toml:2:12: cache.default.compress must be a string, not a boolean"},
      {"read_only = \"yes\"",
       "site.toml:2:13: cache.default.read_only must be a boolean, not a string"},
      {"read_only = 1",
       "site.toml:2:13: cache.default.read_only must be a boolean, not an integer"},
      {"on_error = 1979-05-27",
       "site.toml:2:12: cache.default.on_error must be a string, not a date"},
      {"options = \"a=b\"", "site.toml:2:11: cache.default.options must be a table, not a string"},
  });
}

TEST(ConfigErrors, OutOfRangeIntegers) {
  expect_bad_settings({
      {"version = -1", "site.toml:2:11: cache.default.version must be >= 0, not -1"},
      {"max_entries = 0", "site.toml:2:15: cache.default.max_entries must be >= 1, not 0"},
      // 0 is valid: a cull empties the store (Django's CULL_FREQUENCY = 0).
      {"cull_frequency = -3", "site.toml:2:18: cache.default.cull_frequency must be >= 0, not -3"},
      {"max_size = 0", "site.toml:2:12: cache.default.max_size must be >= 1, not 0"},
      {"max_size = \"0KiB\"", "site.toml:2:12: cache.default.max_size must be at least 1 byte"},
      {"timeout = -1", "site.toml:2:11: cache.default.timeout must be >= 0, not -1"},
      {"timeout = 9223372036854776", "site.toml:2:11: cache.default.timeout is too large"},
      // max_value_size: 1 byte to the entry format's 2 GiB.
      {"max_value_size = 0", "site.toml:2:18: cache.default.max_value_size must be >= 1, not 0"},
      {"max_value_size = -5", "site.toml:2:18: cache.default.max_value_size must be >= 1, not -5"},
      {"max_value_size = \"3GiB\"",
       "site.toml:2:18: cache.default.max_value_size must be at most 2 GiB, not 3 GiB"},
      {"max_value_size = 9223372036854775807",
       "site.toml:2:18: cache.default.max_value_size must be at most 2 GiB, not 8.0 EiB"},
      {"max_value_size = \"99999999999999999999B\"",
       "site.toml:2:18: cache.default.max_value_size: invalid size \"99999999999999999999B\": "
       "too large (at most 2^64 - 1 bytes)"},
      {"max_value_size = true",
       "site.toml:2:18: cache.default.max_value_size must be a size string or an integer number "
       "of bytes, not a boolean"},
  });
}

TEST(ConfigErrors, BadDurationAndSizeStrings) {
  expect_bad_settings({
      {"timeout = \"7x\"",
       "site.toml:2:11: cache.default.timeout: invalid timeout \"7x\": unknown unit \"x\" (use "
       "w, d, h, m, s or ms)"},
      {"timeout = \"never\"",
       "site.toml:2:11: cache.default.timeout: invalid timeout \"never\": expected a duration "
       "such as \"7d\", \"none\" or 0"},
      {"timeout = \"-5m\"",
       "site.toml:2:11: cache.default.timeout: invalid timeout \"-5m\": negative durations are "
       "not allowed"},
      {"max_size = \"2G\"",
       "site.toml:2:12: cache.default.max_size: invalid size \"2G\": \"G\" is ambiguous; write "
       "\"GiB\" (powers of 1024) or \"GB\" (powers of 1000)"},
      {"max_size = \"lots\"",
       "site.toml:2:12: cache.default.max_size: invalid size \"lots\": expected a number first"},
  });
}

TEST(ConfigErrors, InvalidEnumValues) {
  expect_bad_settings({
      {"compress = \"gzip\"",
       "site.toml:2:12: cache.default.compress must be \"zstd\" or \"none\", not \"gzip\""},
      {"compress = \"ZSTD\"",
       "site.toml:2:12: cache.default.compress must be \"zstd\" or \"none\", not \"ZSTD\""},
      {"on_error = \"ignore\"",
       "site.toml:2:12: cache.default.on_error must be \"miss\" or \"fail\", not \"ignore\""},
      {"on_error = \"\"",
       "site.toml:2:12: cache.default.on_error must be \"miss\" or \"fail\", not \"\""},
      {"single_flight = \"cluster\"",
       "site.toml:2:17: cache.default.single_flight must be \"process\" or \"shared\", not "
       "\"cluster\""},
  });
}

TEST(ConfigErrors, EmptyBackend) {
  expect_bad_settings(
      {{"backend = \"\"", "site.toml:2:11: cache.default.backend must not be empty"}});
}

TEST(ConfigErrors, BadKeyPrefix) {
  constexpr std::string_view kAllowed =
      " (allowed: printable ASCII without ':' or spaces, at most 64 bytes)";
  auto message = [&](std::string_view problem) {
    return "site.toml:2:14: cache.default.key_prefix " + std::string(problem) +
           std::string(kAllowed);
  };
  EXPECT_EQ(parse_error("[cache.default]\nkey_prefix = \"a:b\"\n"), message("contains ':'"));
  EXPECT_EQ(parse_error("[cache.default]\nkey_prefix = \"my blog\"\n"),
            message("contains a space"));
  EXPECT_EQ(parse_error("[cache.default]\nkey_prefix = \"tab\\there\"\n"),
            message("contains a byte that is not printable ASCII"));
  EXPECT_EQ(parse_error("[cache.default]\nkey_prefix = \"caf\u00e9\"\n"),
            message("contains a byte that is not printable ASCII"));
  EXPECT_EQ(parse_error("[cache.default]\nkey_prefix = \"" + std::string(65, 'x') + "\"\n"),
            message("is 65 bytes long"));
}

TEST(ConfigErrors, BadCacheName) {
  EXPECT_EQ(parse_error("[cache.\"my cache\"]\nbackend = \"memory\"\n"),
            "site.toml:1:8: invalid cache name \"my cache\" (use letters, digits, '_' and '-')");
  EXPECT_EQ(parse_error("[cache.\"a.b\"]\n"),
            "site.toml:1:8: invalid cache name \"a.b\" (use letters, digits, '_' and '-')");
  EXPECT_EQ(parse_error("[cache.\"\"]\n"),
            "site.toml:1:8: invalid cache name \"\" (use letters, digits, '_' and '-')");
}

TEST(ConfigErrors, CacheAndPluginsMustBeTables) {
  EXPECT_EQ(parse_error("cache = \"default\"\n"),
            "site.toml:1:9: cache must be a table, not a string");
  EXPECT_EQ(parse_error("[[cache]]\nbackend = \"memory\"\n"),
            "site.toml:1:1: cache must be a table, not an array");
  EXPECT_EQ(parse_error("[cache]\ndefault = \"sqlite\"\n"),
            "site.toml:2:11: cache.default must be a table, not a string");
  EXPECT_EQ(parse_error("plugins = [\"a\"]\n"),
            "site.toml:1:11: plugins must be a table, not an array");
}

TEST(ConfigErrors, OptionsMustBeScalars) {
  EXPECT_EQ(parse_error("[cache.default.options]\nnested = { a = 1 }\n"),
            "site.toml:2:10: cache.default.options.nested must be a string, integer, float or "
            "boolean, not a table");
  EXPECT_EQ(parse_error("[cache.default.options.deeper]\na = 1\n"),
            "site.toml:1:1: cache.default.options.deeper must be a string, integer, float or "
            "boolean, not a table");
  EXPECT_EQ(parse_error("[cache.default.options]\nlist = [1, 2]\n"),
            "site.toml:2:8: cache.default.options.list must be a string, integer, float or "
            "boolean, not an array");
  EXPECT_EQ(parse_error("[cache.default.options]\nwhen = 07:32:00\n"),
            "site.toml:2:8: cache.default.options.when must be a string, integer, float or "
            "boolean, not a time");
}

TEST(ConfigErrors, ReservedOptionNames) {
  // The host passes these to the plugin itself (plugin.h).
  for (std::string_view key :
       {"location", "max_entries", "max_size", "cull_frequency", "read_only"}) {
    EXPECT_EQ(parse_error("[cache.default.options]\n" + std::string(key) + " = \"x\"\n"),
              "site.toml:2:1: cache.default.options." + std::string(key) +
                  " is reserved: set it in the cache's own table instead");
  }
  for (std::string_view key : {"cache_name", "base_dir"}) {
    EXPECT_EQ(parse_error("[cache.default.options]\n" + std::string(key) + " = \"x\"\n"),
              "site.toml:2:1: cache.default.options." + std::string(key) +
                  " is reserved: sitecache passes it to the plugin");
  }
}

TEST(ConfigErrors, NulCharactersCannotReachPlugins) {
  EXPECT_EQ(parse_error("[cache.default]\nbackend = \"sql\\u0000ite\"\n"),
            "site.toml:2:11: cache.default.backend must not contain a NUL character");
  EXPECT_EQ(parse_error("[cache.default]\nlocation = \"a\\u0000\"\n"),
            "site.toml:2:12: cache.default.location must not contain a NUL character");
  EXPECT_EQ(parse_error("[cache.default.options]\nx = \"\\u0000\"\n"),
            "site.toml:2:5: cache.default.options.x must not contain a NUL character");
  EXPECT_EQ(parse_error("[cache.default.options]\n\"a\\u0000b\" = 1\n"),
            std::string("site.toml:2:1: cache.default.options.a\0b must not contain a NUL "
                        "character",
                        73));
  EXPECT_EQ(parse_error("[plugins]\npath = [\"\\u0000\"]\n"),
            "site.toml:2:9: plugins.path[0] must not contain a NUL character");
}

TEST(ConfigErrors, BadPluginPath) {
  EXPECT_EQ(parse_error("[plugins]\npath = \"build/plugins\"\n"),
            "site.toml:2:8: plugins.path must be an array of strings, not a string");
  EXPECT_EQ(parse_error("[plugins]\npath = [\"a\", 5]\n"),
            "site.toml:2:14: plugins.path[1] must be a string, not an integer");
  EXPECT_EQ(parse_error("[plugins]\npath = [\"a\", \"\"]\n"),
            "site.toml:2:14: plugins.path[1] must not be empty");
}

TEST(ConfigErrors, AllProblemsAreReportedInFileOrder) {
  // toml++ iterates keys alphabetically; the report follows the file.
  EXPECT_EQ(parse_error("[cache.b]\n"
                        "version = -1\n"
                        "zzz = 1\n"
                        "[cache.a]\n"
                        "compress = \"lz4\"\n"
                        "[plugins]\n"
                        "path = [3]\n"),
            "site.toml:2:11: cache.b.version must be >= 0, not -1\n"
            "site.toml:3:1: unknown key \"zzz\" in [cache.b] (valid keys: " +
                std::string(kCacheKeys) +
                ")\n"
                "site.toml:5:12: cache.a.compress must be \"zstd\" or \"none\", not \"lz4\"\n"
                "site.toml:7:9: plugins.path[0] must be a string, not an integer");
}

TEST(ConfigErrors, EmptySourceNameStillLocatesTheProblem) {
  Result<Config> config = parse_config("[cache.a]\nversion = -2\n", "", "/site");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().message(), "<config>:2:11: cache.a.version must be >= 0, not -2");
}

}  // namespace
}  // namespace sitecache
