// parse_config on valid files: every key, defaults, origins, options, plugin paths.
#include <chrono>
#include <limits>

#include "config_test_support.hpp"
#include "sitecache/config.hpp"

namespace sitecache {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using testing::parse_ok;
using OptionList = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kFullFile = R"([cache.default]
backend = "memory"
location = "/var/cache/site.db"
timeout = "1h30m"
key_prefix = "blog"
version = 4
max_entries = 100000
max_size = "2GiB"
cull_frequency = 5
compress = "none"
read_only = true
on_error = "fail"
single_flight = "shared"

[cache.default.options]
busy_timeout_ms = 5000
journal = "wal"
sync = false
ratio = 0.25

[plugins]
path = ["build/plugins", "/opt/sitecache/plugins", "../shared/./plugins/"]
)";

TEST(ParseConfig, EveryKey) {
  const Config config = parse_ok(kFullFile);
  ASSERT_EQ(config.caches.size(), 1u);
  const CacheConfig& cache = config.caches.at("default");
  EXPECT_EQ(cache.name, "default");
  EXPECT_EQ(cache.backend, "memory");
  EXPECT_EQ(cache.location, "/var/cache/site.db");
  EXPECT_EQ(cache.timeout, Timeout::after(milliseconds(5'400'000)));
  EXPECT_EQ(cache.key_prefix, "blog");
  EXPECT_EQ(cache.version, 4);
  EXPECT_EQ(cache.max_entries, 100000u);
  EXPECT_EQ(cache.max_size, uint64_t{2} << 30);
  EXPECT_EQ(cache.cull_frequency, 5);
  EXPECT_EQ(cache.compress, Compression::none);
  EXPECT_TRUE(cache.read_only);
  EXPECT_EQ(cache.on_error, OnError::fail);
  EXPECT_EQ(cache.single_flight, SingleFlight::shared);
  // Sorted by key: toml++ does not keep the file's order.
  EXPECT_EQ(
      cache.options,
      (OptionList{
          {"busy_timeout_ms", "5000"}, {"journal", "wal"}, {"ratio", "0.25"}, {"sync", "false"}}));
  EXPECT_EQ(config.plugin_path,
            (std::vector<std::filesystem::path>{"/site/build/plugins", "/opt/sitecache/plugins",
                                                "/shared/plugins"}));
  EXPECT_EQ(config.source, "site.toml");
  EXPECT_EQ(config.base_dir, "/site");
  EXPECT_FALSE(config.disabled);
}

TEST(ParseConfig, Origins) {
  const Config config = parse_ok(kFullFile);
  const auto& origin = config.caches.at("default").origin;
  const std::map<std::string, std::string> expected{
      {"backend", "site.toml:2:1"},
      {"location", "site.toml:3:1"},
      {"timeout", "site.toml:4:1"},
      {"key_prefix", "site.toml:5:1"},
      {"version", "site.toml:6:1"},
      {"max_entries", "site.toml:7:1"},
      {"max_size", "site.toml:8:1"},
      {"cull_frequency", "site.toml:9:1"},
      {"compress", "site.toml:10:1"},
      {"read_only", "site.toml:11:1"},
      {"on_error", "site.toml:12:1"},
      {"single_flight", "site.toml:13:1"},
      {"levels", "default"},
      {"signing_key", "default"},
      {"trusted_keys", "default"},
      {"require_signature", "default"},
      {"max_value_size", "default"},
      {"options", "site.toml:15:16"},
      {"options.busy_timeout_ms", "site.toml:16:1"},
      {"options.journal", "site.toml:17:1"},
      {"options.sync", "site.toml:18:1"},
      {"options.ratio", "site.toml:19:1"},
  };
  EXPECT_EQ(origin, expected);
}

TEST(ParseConfig, ExecBaseDirIsRelativeToTheConfigFile) {
  const Config config = parse_ok("[exec]\nbase_dir = \"site\"\n");
  EXPECT_EQ(config.exec_base_dir, config.base_dir / "site");
  EXPECT_TRUE(parse_ok("").exec_base_dir.empty());
}

TEST(ParseConfig, CullFrequencyZeroEmptiesTheStoreAsInDjango) {
  const Config config = parse_ok("[cache.pages]\ncull_frequency = 0\n");
  EXPECT_EQ(config.caches.at("pages").cull_frequency, 0);
}

TEST(ParseConfig, UnsetSettingsKeepDefaultsAndSayDefault) {
  const Config config = parse_ok("[cache.pages]\n  timeout = \"none\"\n");
  const CacheConfig& cache = config.caches.at("pages");
  const CacheConfig defaults;
  EXPECT_EQ(cache.name, "pages");
  EXPECT_EQ(cache.backend, defaults.backend);
  EXPECT_EQ(cache.location, "");
  EXPECT_EQ(cache.timeout, Timeout::never());
  EXPECT_EQ(cache.key_prefix, "sc");
  EXPECT_EQ(cache.version, 1);
  EXPECT_EQ(cache.max_entries, std::nullopt);
  EXPECT_EQ(cache.max_size, std::nullopt);
  EXPECT_EQ(cache.cull_frequency, 3);
  EXPECT_EQ(cache.compress, Compression::zstd);
  EXPECT_FALSE(cache.read_only);
  EXPECT_EQ(cache.on_error, OnError::miss);
  EXPECT_EQ(cache.single_flight, SingleFlight::process);
  EXPECT_TRUE(cache.options.empty());
  EXPECT_EQ(cache.origin.at("timeout"), "site.toml:2:3");
  for (const char* key :
       {"backend", "location", "key_prefix", "version", "max_entries", "max_size", "cull_frequency",
        "max_value_size", "compress", "read_only", "on_error", "single_flight", "options"}) {
    EXPECT_EQ(cache.origin.at(key), "default") << key;
  }
  EXPECT_EQ(cache.origin.size(), 18u);
  // A file with caches does not get the embedded default as well.
  EXPECT_EQ(config.caches.count("default"), 0u);
}

TEST(ParseConfig, TimeoutForms) {
  auto timeout_of = [](std::string_view value) {
    const Config config = parse_ok("[cache.a]\ntimeout = " + std::string(value) + "\n");
    return config.caches.count("a") ? config.caches.at("a").timeout : Timeout();
  };
  EXPECT_EQ(timeout_of("\"7d\""), Timeout::after(hours(24 * 7)));
  EXPECT_EQ(timeout_of("\"none\""), Timeout::never());
  EXPECT_EQ(timeout_of("0"), Timeout::dont_store());
  EXPECT_EQ(timeout_of("\"0\""), Timeout::dont_store());
  EXPECT_EQ(timeout_of("\"0s\""), Timeout::dont_store());
  EXPECT_EQ(timeout_of("300"), Timeout::seconds(300));
  EXPECT_EQ(timeout_of("\"300\""), Timeout::seconds(300));
  EXPECT_EQ(timeout_of("9223372036854775"), Timeout::seconds(9223372036854775));
}

TEST(ParseConfig, SizeAndLimitForms) {
  const Config config = parse_ok(
      "[cache.a]\nmax_size = 4096\nmax_entries = 1\ncull_frequency = 1\nversion = 0\n"
      "[cache.b]\nmax_size = \"10MB\"\n[cache.c]\nmax_size = \"1B\"\n");
  EXPECT_EQ(config.caches.at("a").max_size, 4096u);
  EXPECT_EQ(config.caches.at("a").max_entries, 1u);
  EXPECT_EQ(config.caches.at("a").cull_frequency, 1);
  EXPECT_EQ(config.caches.at("a").version, 0);
  EXPECT_EQ(config.caches.at("b").max_size, 10'000'000u);
  EXPECT_EQ(config.caches.at("c").max_size, 1u);
}

TEST(ParseConfig, EnumsAndBooleans) {
  const Config config = parse_ok(
      "[cache.a]\ncompress = \"zstd\"\non_error = \"miss\"\nread_only = false\n"
      "[cache.b]\ncompress = \"none\"\non_error = \"fail\"\nread_only = true\n");
  EXPECT_EQ(config.caches.at("a").compress, Compression::zstd);
  EXPECT_EQ(config.caches.at("a").on_error, OnError::miss);
  EXPECT_FALSE(config.caches.at("a").read_only);
  EXPECT_EQ(config.caches.at("b").compress, Compression::none);
  EXPECT_EQ(config.caches.at("b").on_error, OnError::fail);
  EXPECT_TRUE(config.caches.at("b").read_only);
}

TEST(ParseConfig, KeyPrefixLimits) {
  const std::string longest(64, 'x');
  const Config config = parse_ok("[cache.a]\nkey_prefix = \"\"\n[cache.b]\nkey_prefix = \"" +
                                 longest + "\"\n[cache.c]\nkey_prefix = \"!~a-b_c/d.e\"\n");
  EXPECT_EQ(config.caches.at("a").key_prefix, "");
  EXPECT_EQ(config.caches.at("b").key_prefix, longest);
  EXPECT_EQ(config.caches.at("c").key_prefix, "!~a-b_c/d.e");
}

TEST(ParseConfig, OptionValuesBecomeStrings) {
  const Config config = parse_ok(
      "[cache.a.options]\ns = \"text\"\ni = -42\nbig = 9223372036854775807\nt = true\n"
      "f = false\nx = 1.5\none = 1.0\ntiny = 1e-7\ninf = inf\nempty = \"\"\n");
  EXPECT_EQ(config.caches.at("a").options, (OptionList{{"big", "9223372036854775807"},
                                                       {"empty", ""},
                                                       {"f", "false"},
                                                       {"i", "-42"},
                                                       {"inf", "inf"},
                                                       {"one", "1"},
                                                       {"s", "text"},
                                                       {"t", "true"},
                                                       {"tiny", "1e-07"},
                                                       {"x", "1.5"}}));
}

TEST(ParseConfig, InlineAndDottedTables) {
  const Config config = parse_ok(
      "cache.a.backend = \"memory\"\n"
      "cache.b = { backend = \"file\", options = { dir = \"out\" } }\n");
  ASSERT_EQ(config.caches.size(), 2u);
  EXPECT_EQ(config.caches.at("a").backend, "memory");
  EXPECT_EQ(config.caches.at("a").origin.at("backend"), "site.toml:1:9");
  EXPECT_EQ(config.caches.at("b").backend, "file");
  EXPECT_EQ(config.caches.at("b").origin.at("backend"), "site.toml:2:13");
  EXPECT_EQ(config.caches.at("b").options, (OptionList{{"dir", "out"}}));
  EXPECT_EQ(config.caches.at("b").origin.at("options.dir"), "site.toml:2:43");
}

TEST(ParseConfig, SeveralCaches) {
  const Config config = parse_ok(
      "[cache.default]\nbackend = \"sqlite\"\n[cache.pages-2]\nbackend = \"memory\"\n"
      "[cache.Render_Steps]\nbackend = \"/usr/lib/sitecache/sitecache-redis.so\"\n");
  ASSERT_EQ(config.caches.size(), 3u);
  EXPECT_EQ(config.caches.at("pages-2").name, "pages-2");
  EXPECT_EQ(config.caches.at("Render_Steps").backend, "/usr/lib/sitecache/sitecache-redis.so");
}

TEST(ParseConfig, NoCachesGivesTheEmbeddedDefault) {
  for (std::string_view text :
       {"", "# only a comment\n", "[cache]\n", "[plugins]\npath = [\"p\"]\n"}) {
    const Config config = parse_ok(text);
    ASSERT_EQ(config.caches.size(), 1u) << text;
    const CacheConfig& cache = config.caches.at("default");
    EXPECT_EQ(cache.backend, "sqlite");
    EXPECT_EQ(cache.location, ".sitecache/cache.db");
    EXPECT_EQ(cache.origin.at("location"), "default");
    EXPECT_EQ(config.source, "site.toml");
  }
}

TEST(ParseConfig, PluginPathsResolveAgainstBaseDir) {
  Result<Config> config = parse_config(
      "[plugins]\npath = [\"a\", \"./b/../c/\", \"/abs//d/\", \"..\", \"../../..\", \"/\"]\n",
      "x.toml", "/base/dir/");
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->base_dir, "/base/dir");
  EXPECT_EQ(config->plugin_path, (std::vector<std::filesystem::path>{"/base/dir/a", "/base/dir/c",
                                                                     "/abs/d", "/base", "/", "/"}));
}

TEST(ParseConfig, RelativeBaseDirBecomesAbsolute) {
  Result<Config> config = parse_config("[plugins]\npath = [\"p\"]\n", "x.toml", "sub/dir");
  ASSERT_TRUE(config) << config.status().to_string();
  const std::filesystem::path expected = std::filesystem::current_path() / "sub/dir";
  EXPECT_EQ(config->base_dir, expected);
  EXPECT_EQ(config->plugin_path, std::vector<std::filesystem::path>{expected / "p"});
}

TEST(ParseConfig, EmptyPluginPath) {
  const Config config = parse_ok("[plugins]\npath = []\n");
  EXPECT_TRUE(config.plugin_path.empty());
}

TEST(DefaultConfig, OneSqliteCache) {
  const Config config = default_config("/work/site/");
  EXPECT_EQ(config.source, "");
  EXPECT_EQ(config.base_dir, "/work/site");
  EXPECT_TRUE(config.plugin_path.empty());
  EXPECT_FALSE(config.disabled);
  ASSERT_EQ(config.caches.size(), 1u);
  const CacheConfig& cache = config.caches.at("default");
  EXPECT_EQ(cache.name, "default");
  EXPECT_EQ(cache.backend, "sqlite");
  EXPECT_EQ(cache.location, ".sitecache/cache.db");  // the plugin resolves it against base_dir
  EXPECT_EQ(cache.timeout, Timeout::after(hours(24 * 7)));
  EXPECT_EQ(cache.key_prefix, "sc");
  EXPECT_EQ(cache.max_entries, std::nullopt);
  EXPECT_EQ(cache.origin.size(), 18u);
  for (const auto& [setting, where] : cache.origin) EXPECT_EQ(where, "default") << setting;
}

TEST(ParseConfig, MaxValueSize) {
  EXPECT_EQ(parse_ok("[cache.a]\n").caches.at("a").max_value_size, uint64_t{64} << 20);
  EXPECT_EQ(kDefaultMaxValueSize, uint64_t{64} << 20);
  EXPECT_EQ(parse_ok("[cache.a]\nmax_value_size = \"1MiB\"\n").caches.at("a").max_value_size,
            uint64_t{1} << 20);
  EXPECT_EQ(parse_ok("[cache.a]\nmax_value_size = 4096\n").caches.at("a").max_value_size, 4096u);
  const Config largest = parse_ok("[cache.a]\nmax_value_size = \"2GiB\"\n");
  EXPECT_EQ(largest.caches.at("a").max_value_size, uint64_t{2} << 30);
  EXPECT_EQ(largest.caches.at("a").origin.at("max_value_size"), "site.toml:2:1");
}

}  // namespace
}  // namespace sitecache
