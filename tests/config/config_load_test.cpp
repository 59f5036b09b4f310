// load_config: which file is used, base directories, missing files and the environment.
#include <unistd.h>  // chdir

#include "config_test_support.hpp"
#include "sitecache/config.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnv;
using testing::TempDir;

// A file whose single cache is named after `which`, so tests can tell files apart.
std::string file_naming(std::string_view which) {
  return "[cache." + std::string(which) + "]\nbackend = \"memory\"\n";
}

// The names of the caches of a loaded config, or the error.
std::string loaded(const ConfigSource& source) {
  Result<Config> config = load_config(source);
  if (!config) return config.status().to_string();
  std::string names;
  for (const auto& [name, cache] : config->caches) names += (names.empty() ? "" : ",") + name;
  return names;
}

ConfigSource isolated(const fs::path& working_dir) {
  ConfigSource source;
  source.use_environment = false;
  source.working_dir = working_dir;
  return source;
}

TEST(LoadConfig, ExplicitPathWinsOverTheWorkingDirectory) {
  TempDir dir;
  const fs::path chosen = dir.write("conf/chosen.toml", file_naming("chosen"));
  dir.write("sitecache.toml", file_naming("local"));
  ConfigSource source = isolated(dir.path());
  source.explicit_path = chosen;
  Result<Config> config = load_config(source);
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->caches.count("chosen"), 1u);
  EXPECT_EQ(config->source, chosen);
  EXPECT_EQ(config->base_dir, dir.path() / "conf");
  EXPECT_EQ(config->caches.at("chosen").origin.at("backend"), chosen.string() + ":2:1");
}

TEST(LoadConfig, RelativeExplicitPathResolvesAgainstWorkingDir) {
  TempDir dir;
  dir.write("conf/site.toml", "[plugins]\npath = [\"../plugins\"]\n");
  ConfigSource source = isolated(dir.path() / "sub" / "..");
  source.explicit_path = "conf/./site.toml";
  Result<Config> config = load_config(source);
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->source, dir.path() / "conf/site.toml");
  EXPECT_EQ(config->base_dir, dir.path() / "conf");
  EXPECT_EQ(config->plugin_path, std::vector<fs::path>{dir.path() / "plugins"});
}

TEST(LoadConfig, WorkingDirectoryFile) {
  TempDir dir;
  const fs::path local = dir.write("sitecache.toml", file_naming("local"));
  Result<Config> config = load_config(isolated(dir.path()));
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->caches.count("local"), 1u);
  EXPECT_EQ(config->source, local);
  EXPECT_EQ(config->base_dir, dir.path());
}

TEST(LoadConfig, NoFileGivesTheEmbeddedDefault) {
  TempDir dir;
  Result<Config> config = load_config(isolated(dir.path()));
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->source, "");
  EXPECT_EQ(config->base_dir, dir.path());
  ASSERT_EQ(config->caches.size(), 1u);
  EXPECT_EQ(config->caches.at("default").location, ".sitecache/cache.db");
  EXPECT_FALSE(config->disabled);
}

TEST(LoadConfig, EmptyWorkingDirMeansTheProcessDirectory) {
  TempDir dir;
  dir.write("sitecache.toml", file_naming("cwd"));
  const fs::path before = fs::current_path();
  ASSERT_EQ(chdir(dir.path().c_str()), 0);
  ConfigSource source;
  source.use_environment = false;
  Result<Config> config = load_config(source);
  ASSERT_EQ(chdir(before.c_str()), 0);
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->caches.count("cwd"), 1u);
  EXPECT_EQ(config->base_dir, dir.path());
}

TEST(LoadConfig, MissingExplicitFileIsAnError) {
  TempDir dir;
  dir.write("sitecache.toml", file_naming("local"));  // not a fallback for a named file
  ConfigSource source = isolated(dir.path());
  source.explicit_path = dir.path() / "missing.toml";
  Result<Config> config = load_config(source);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().code(), StatusCode::config);
  EXPECT_EQ(config.status().message(), "config file \"" + (dir.path() / "missing.toml").string() +
                                           "\" (explicit path) does not exist");
}

TEST(LoadConfig, DirectoryIsNotAConfigFile) {
  TempDir dir;
  fs::create_directories(dir.path() / "sitecache.toml");
  Result<Config> config = load_config(isolated(dir.path()));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().code(), StatusCode::config);
  EXPECT_EQ(config.status().message(),
            "config file \"" + (dir.path() / "sitecache.toml").string() +
                "\" (found in the working directory) is not a regular file");
}

TEST(LoadConfig, ErrorsInTheFileNameItsAbsolutePath) {
  TempDir dir;
  dir.write("sitecache.toml", "[cache.default]\nversion = \"two\"\n");
  Result<Config> config = load_config(isolated(dir.path()));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().code(), StatusCode::config);
  EXPECT_EQ(config.status().message(),
            (dir.path() / "sitecache.toml").string() +
                ":2:11: cache.default.version must be an integer, not a string");
}

TEST(LoadConfig, SyntaxErrorInTheWorkingDirectoryFileIsNotIgnored) {
  TempDir dir;
  dir.write("sitecache.toml", "[cache.default\n");
  Result<Config> config = load_config(isolated(dir.path()));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().message(),
            (dir.path() / "sitecache.toml").string() +
                ":1:15: Error while parsing table header: expected ']', saw '\\n'");
}

TEST(LoadConfig, EnvironmentIsIgnoredWhenTurnedOff) {
  TempDir dir;
  dir.write("sitecache.toml", file_naming("local"));
  ScopedEnv config_env("SITECACHE_CONFIG", (dir.path() / "missing.toml").string());
  ScopedEnv disable_env("SITECACHE_DISABLE", "1");
  Result<Config> config = load_config(isolated(dir.path()));
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->caches.count("local"), 1u);
  EXPECT_FALSE(config->disabled);
}

TEST(LoadConfig, EnvironmentConfigComesBetweenExplicitAndWorkingDirectory) {
  TempDir dir;
  const fs::path explicit_file = dir.write("explicit.toml", file_naming("explicit"));
  dir.write("env/env.toml", file_naming("env"));
  dir.write("sitecache.toml", file_naming("local"));
  ScopedEnv disable_env("SITECACHE_DISABLE", std::nullopt);
  ConfigSource source;
  source.working_dir = dir.path();
  {
    ScopedEnv config_env("SITECACHE_CONFIG", "env/env.toml");  // relative to working_dir
    EXPECT_EQ(loaded(source), "env");
    Result<Config> config = load_config(source);
    ASSERT_TRUE(config);
    EXPECT_EQ(config->base_dir, dir.path() / "env");
    source.explicit_path = explicit_file;
    EXPECT_EQ(loaded(source), "explicit");
    source.explicit_path.reset();
  }
  {
    ScopedEnv config_env("SITECACHE_CONFIG", "");  // empty counts as unset
    EXPECT_EQ(loaded(source), "local");
  }
  {
    ScopedEnv config_env("SITECACHE_CONFIG", std::nullopt);
    EXPECT_EQ(loaded(source), "local");
  }
}

TEST(LoadConfig, MissingEnvironmentConfigIsAnError) {
  TempDir dir;
  dir.write("sitecache.toml", file_naming("local"));
  ScopedEnv config_env("SITECACHE_CONFIG", (dir.path() / "gone.toml").string());
  ConfigSource source;
  source.working_dir = dir.path();
  Result<Config> config = load_config(source);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().code(), StatusCode::config);
  EXPECT_EQ(config.status().message(), "config file \"" + (dir.path() / "gone.toml").string() +
                                           "\" (named by $SITECACHE_CONFIG) does not exist");
}

TEST(LoadConfig, DisableFlagValues) {
  TempDir dir;
  dir.write("sitecache.toml", file_naming("local"));
  ScopedEnv config_env("SITECACHE_CONFIG", std::nullopt);
  ConfigSource source;
  source.working_dir = dir.path();
  auto disabled_with = [&](std::optional<std::string> value) {
    ScopedEnv disable_env("SITECACHE_DISABLE", std::move(value));
    Result<Config> config = load_config(source);
    EXPECT_TRUE(config) << config.status().to_string();
    return config && config->disabled;
  };
  EXPECT_FALSE(disabled_with(std::nullopt));
  EXPECT_FALSE(disabled_with(""));
  EXPECT_FALSE(disabled_with("0"));
  EXPECT_TRUE(disabled_with("1"));
  EXPECT_TRUE(disabled_with("yes"));
  EXPECT_TRUE(disabled_with("false"));  // anything but "" and "0"
  EXPECT_TRUE(disabled_with("00"));
}

TEST(LoadConfig, DisableAppliesToTheEmbeddedDefaultToo) {
  TempDir dir;
  ScopedEnv config_env("SITECACHE_CONFIG", std::nullopt);
  ScopedEnv disable_env("SITECACHE_DISABLE", "1");
  ConfigSource source;
  source.working_dir = dir.path();
  Result<Config> config = load_config(source);
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_TRUE(config->disabled);
  EXPECT_EQ(config->caches.count("default"), 1u);
}

TEST(TestSupport, ScopedEnvRestoresTheVariable) {
  {
    ScopedEnv outer("SITECACHE_TEST_VARIABLE", "outer");
    {
      ScopedEnv inner("SITECACHE_TEST_VARIABLE", std::nullopt);
      EXPECT_EQ(std::getenv("SITECACHE_TEST_VARIABLE"), nullptr);
    }
    ASSERT_NE(std::getenv("SITECACHE_TEST_VARIABLE"), nullptr);
    EXPECT_STREQ(std::getenv("SITECACHE_TEST_VARIABLE"), "outer");
  }
  EXPECT_EQ(std::getenv("SITECACHE_TEST_VARIABLE"), nullptr);
}

}  // namespace
}  // namespace sitecache
