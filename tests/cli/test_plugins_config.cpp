// plugins list / info / check and config show / check.
#include "cli_support.hpp"

namespace sitecache::cli_test {
namespace {

TEST_F(CliTest, PluginsList) {
  Exec run = sitecache({"plugins", "list", "--json"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  Json json = json_of(run);
  EXPECT_EQ(json["command"], "plugins list");
  std::set<std::string> names;
  for (const Json& p : json["plugins"]) {
    names.insert(p["name"].get<std::string>());
    EXPECT_TRUE(p["abi"].get<std::string>().starts_with("1.")) << p;
    EXPECT_TRUE(p["capabilities"].is_array());
    EXPECT_TRUE(fs::exists(p["file"].get<std::string>()));
  }
  for (const char* expected : {"sqlite", "file", "memory", "dummy"}) {
    EXPECT_TRUE(names.contains(expected)) << expected;
  }
  Exec text = sitecache({"plugins"});  // list is the default
  ASSERT_EQ(text.exit_code, 0) << RUN_INFO(text);
  EXPECT_TRUE(text.out.starts_with("name")) << text.out;
  EXPECT_NE(text.out.find("sitecache-sqlite.so"), std::string::npos) << text.out;
}

TEST_F(CliTest, PluginsInfo) {
  Exec run = sitecache({"plugins", "info", "sqlite"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_NE(run.out.find("name          sqlite"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("scan"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("used by       default, other"), std::string::npos) << run.out;
  Json json = json_of(sitecache({"plugins", "info", NOSCAN_PLUGIN, "--json"}));
  EXPECT_EQ(json["plugin"]["name"], "noscan");
  EXPECT_EQ(json["plugin"]["capabilities"],
            Json::array({"add", "validate", "persistent", "shared"}));
  EXPECT_EQ(json["used_by"], Json::array());
  Exec unknown = sitecache({"plugins", "info", "nonesuch"});
  EXPECT_EQ(unknown.exit_code, 1) << RUN_INFO(unknown);
  EXPECT_NE(unknown.err.find("unknown backend 'nonesuch'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("sqlite"), std::string::npos) << unknown.err;
}

TEST_F(CliTest, PluginsCheckPassesForTheRealBackends) {
  for (const char* plugin : {SQLITE_PLUGIN, FILE_PLUGIN, MEMORY_PLUGIN, NOSCAN_PLUGIN}) {
    Exec run = sitecache({"plugins", "check", plugin});
    EXPECT_EQ(run.exit_code, 0) << plugin << "\n" << RUN_INFO(run);
    EXPECT_NE(run.out.find("PASS  set and get binary bytes"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("FAIL"), std::string::npos) << run.out;
  }
  Json json = json_of(sitecache({"plugins", "check", NOSCAN_PLUGIN, "--json"}));
  EXPECT_TRUE(json["ok"].get<bool>());
  bool scan_skipped = false;
  for (const Json& step : json["steps"]) {
    if (step["name"] == "scan") scan_skipped = step["outcome"] == "skip";
  }
  EXPECT_TRUE(scan_skipped) << json.dump(2);
}

TEST_F(CliTest, PluginsCheckFailures) {
  Exec set_fails = sitecache({"plugins", "check", BROKEN_SET_FAILS});
  EXPECT_EQ(set_fails.exit_code, 1) << RUN_INFO(set_fails);
  EXPECT_NE(set_fails.out.find("FAIL  set and get binary bytes"), std::string::npos)
      << set_fails.out;
  EXPECT_NE(set_fails.err.find("check(s) failed"), std::string::npos) << set_fails.err;

  Exec wrong_abi = sitecache({"plugins", "check", BROKEN_WRONG_ABI, "--json"});
  EXPECT_EQ(wrong_abi.exit_code, 1) << RUN_INFO(wrong_abi);
  Json json = json_of(wrong_abi);
  EXPECT_FALSE(json["ok"].get<bool>());
  EXPECT_EQ(json["steps"][0]["name"], "load");
  EXPECT_EQ(json["steps"][0]["outcome"], "fail");

  Exec missing = sitecache({"plugins", "check", "no-such.so"});
  EXPECT_EQ(missing.exit_code, 1) << RUN_INFO(missing);
  EXPECT_NE(missing.err.find("no such plugin file"), std::string::npos) << missing.err;
}

TEST_F(CliTest, ConfigShowNamesWhereEachValueCameFrom) {
  write_config(
      "# caches\n[cache.default]\nbackend = \"sqlite\"\n  location = \"cache.db\"\n"
      "[cache.default.options]\nbusy_timeout_ms = 250\n");
  Exec run = sitecache({"config", "show"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_NE(run.out.find("[cache.default]"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("sitecache.toml:3:1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("sitecache.toml:4:3"), std::string::npos) << run.out;
  Json json = json_of(sitecache({"config", "--json"}));  // show is the default
  EXPECT_EQ(json["command"], "config show");
  EXPECT_TRUE(json["source"].get<std::string>().ends_with("sitecache.toml"));
  ASSERT_EQ(json["caches"].size(), 1u);
  const Json& settings = json["caches"][0]["settings"];
  EXPECT_EQ(settings["backend"]["value"], "sqlite");
  EXPECT_TRUE(settings["backend"]["origin"].get<std::string>().ends_with("sitecache.toml:3:1"));
  EXPECT_EQ(settings["location"]["value"], "cache.db");
  EXPECT_EQ(settings["timeout"]["value"], "7d");
  EXPECT_EQ(settings["timeout"]["origin"], "default");
  EXPECT_TRUE(settings["max_size"]["value"].is_null());
  EXPECT_EQ(settings["options.busy_timeout_ms"]["value"], "250");
  EXPECT_TRUE(json["caches"][0]["plugin_file"].get<std::string>().ends_with("sitecache-sqlite.so"));
  EXPECT_TRUE(json["plugin_path"].is_array());
}

TEST_F(CliTest, ConfigShowWithoutAFile) {
  fs::remove(dir_ / "sitecache.toml");
  Exec run = sitecache({"config", "show"});
  ASSERT_EQ(run.exit_code, 0) << RUN_INFO(run);
  EXPECT_NE(run.out.find("embedded default"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(".sitecache/cache.db"), std::string::npos) << run.out;
}

TEST_F(CliTest, ConfigCheck) {
  Exec ok = sitecache({"config", "check"});
  EXPECT_EQ(ok.exit_code, 0) << RUN_INFO(ok);
  EXPECT_NE(ok.out.find(": OK (2 caches: default, other)"), std::string::npos) << ok.out;

  write_config("[cache.default]\nbackend = \"sqlite\"\ntimeout = \"soon\"\nsize = 3\n");
  Exec bad = sitecache({"config", "check"});
  EXPECT_EQ(bad.exit_code, 1) << RUN_INFO(bad);
  EXPECT_TRUE(bad.err.find("sitecache.toml:3:") != std::string::npos) << bad.err;
  EXPECT_TRUE(bad.err.find("sitecache.toml:4:1: unknown key \"size\"") != std::string::npos)
      << bad.err;

  write_config("[cache.default]\n\nbackend = \"nonesuch\"\n");
  Exec plugin = sitecache({"config", "check"});
  EXPECT_EQ(plugin.exit_code, 1) << RUN_INFO(plugin);
  EXPECT_NE(plugin.err.find("sitecache.toml:3:1: cache 'default': unknown backend 'nonesuch'"),
            std::string::npos)
      << plugin.err;

  write_config("[cache.default\n");
  Exec syntax = sitecache({"config", "check"});
  EXPECT_EQ(syntax.exit_code, 1) << RUN_INFO(syntax);
  EXPECT_NE(syntax.err.find("sitecache.toml:1:"), std::string::npos) << syntax.err;

  fs::create_directories(dir_ / "elsewhere");
  write_file("elsewhere/custom.toml", "[cache.pages]\nbackend = \"file\"\n");
  Exec custom = sitecache({"--config", "elsewhere/custom.toml", "config", "check"});
  EXPECT_EQ(custom.exit_code, 0) << RUN_INFO(custom);
  EXPECT_NE(custom.out.find("(1 cache: pages)"), std::string::npos) << custom.out;
}

}  // namespace
}  // namespace sitecache::cli_test
