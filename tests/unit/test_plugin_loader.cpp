// Every loader failure is distinct and clear; a working plugin loads and is shared.
#include <gtest/gtest.h>

#include <filesystem>

#include "sitecache/plugin_registry.hpp"
#include "storage/plugin_loader.hpp"
#include "storage/plugin_store.hpp"
#include "temp_dir.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;

std::string load_error(const fs::path& file) {
  Result<std::shared_ptr<LoadedPlugin>> loaded = load_plugin(file);
  EXPECT_FALSE(loaded.is_ok()) << file;
  if (loaded) return {};
  EXPECT_EQ(loaded.status().code(), StatusCode::plugin);
  return loaded.status().message();
}

TEST(PluginLoader, MissingFile) {
  std::string message = load_error("/nonexistent/sitecache-nothing.so");
  EXPECT_NE(message.find("plugin file not found"), std::string::npos) << message;
}

TEST(PluginLoader, RelativePathIsRefused) {
  EXPECT_NE(load_error("sitecache-memory.so").find("must be absolute"), std::string::npos);
}

TEST(PluginLoader, NotASharedLibrary) {
  testing::TempDir dir;
  const fs::path file = dir.write("sc-not-a-lib.so", "this is text, not ELF\n");
  std::string message = load_error(file);
  EXPECT_NE(message.find("not a loadable shared library"), std::string::npos) << message;
}

TEST(PluginLoader, NoEntrySymbol) {
  std::string message = load_error(BROKEN_NO_ENTRY);
  EXPECT_NE(message.find("no entry symbol 'sitecache_plugin_entry'"), std::string::npos) << message;
}

TEST(PluginLoader, WrongAbiMajorNamesBothVersions) {
  std::string message = load_error(BROKEN_WRONG_ABI);
  const std::string minor = std::to_string(SC_ABI_MINOR);
  EXPECT_NE(message.find("plugin ABI 99." + minor), std::string::npos) << message;
  EXPECT_NE(message.find("speaks ABI 1." + minor), std::string::npos) << message;
}

TEST(PluginLoader, DescriptorTooSmall) {
  std::string message = load_error(BROKEN_SMALL_STRUCT);
  EXPECT_NE(message.find("descriptor is 16 bytes"), std::string::npos) << message;
}

TEST(PluginLoader, MissingRequiredFunction) {
  std::string message = load_error(BROKEN_MISSING_GET);
  EXPECT_NE(message.find("required function 'get' is missing"), std::string::npos) << message;
}

TEST(PluginLoader, CapabilityWithoutFunction) {
  std::string message = load_error(BROKEN_CAPABILITY_WITHOUT_FUNCTION);
  EXPECT_NE(message.find("declares capability 'scan' but its function is missing"),
            std::string::npos)
      << message;
}

TEST(PluginLoader, WorkingPluginLoadsOnceAndStaysAliveWithItsHandles) {
  Result<std::shared_ptr<LoadedPlugin>> first = load_plugin(BROKEN_WORKING);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  Result<std::shared_ptr<LoadedPlugin>> second = load_plugin(BROKEN_WORKING);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ((*first)->info().name, "broken");

  // A backend keeps its library: drop every other reference and use it.
  Result<std::unique_ptr<PluginStore>> backend = PluginStore::create(first.value(), {});
  ASSERT_TRUE(backend.is_ok());
  std::weak_ptr<LoadedPlugin> weak = first.value();
  first = Status(StatusCode::internal, "released");
  second = Status(StatusCode::internal, "released");
  EXPECT_FALSE(weak.expired());
  EXPECT_TRUE((*backend)->set("k", "v", 0).is_ok());
  backend = Status(StatusCode::internal, "released");
  EXPECT_TRUE(weak.expired());
}

TEST(PluginLoader, CreateFailureCarriesThePluginsMessage) {
  Result<std::shared_ptr<LoadedPlugin>> plugin = load_plugin(BROKEN_WORKING);
  ASSERT_TRUE(plugin.is_ok());
  Result<std::unique_ptr<PluginStore>> backend = PluginStore::create(*plugin, {{"fail", "1"}});
  ASSERT_FALSE(backend.is_ok());
  EXPECT_EQ(backend.status().code(), StatusCode::invalid_argument);
  EXPECT_NE(backend.status().message().find("refusing to start"), std::string::npos);
}

TEST(PluginSearch, UnknownBackendListsWhatExists) {
  Config config;
  Result<fs::path> found = find_plugin("nosuchbackend", config);
  ASSERT_FALSE(found.is_ok());
  std::string message = found.status().message();
  EXPECT_NE(message.find("unknown backend 'nosuchbackend'"), std::string::npos) << message;
  EXPECT_NE(message.find("memory"), std::string::npos) << message;
  EXPECT_NE(message.find("dummy"), std::string::npos) << message;
}

TEST(PluginSearch, ByNameAndByPath) {
  Config config;
  Result<fs::path> by_name = find_plugin("memory", config);
  ASSERT_TRUE(by_name.is_ok()) << by_name.status().to_string();
  EXPECT_TRUE(by_name->is_absolute());
  EXPECT_EQ(by_name->filename(), "sitecache-memory.so");
  Result<fs::path> by_path = find_plugin(by_name->string(), config);
  ASSERT_TRUE(by_path.is_ok());
  EXPECT_EQ(*by_path, *by_name);
  // A relative path resolves against the config's directory, not the working directory.
  config.base_dir = by_name->parent_path().parent_path();
  Result<fs::path> relative = find_plugin("memory/sitecache-memory.so", config);
  ASSERT_TRUE(relative.is_ok()) << relative.status().to_string();
  EXPECT_EQ(*relative, *by_name);
  EXPECT_FALSE(find_plugin("./nothing-here.so", config).is_ok());
}

TEST(PluginSearch, ListingValidatesEachPlugin) {
  Config config;
  config.plugin_path.push_back(fs::path(BROKEN_WRONG_ABI).parent_path());
  PluginListing listing = list_plugins(config);
  bool memory_listed = false;
  for (const auto& info : listing.plugins) memory_listed |= info.name == "memory";
  EXPECT_TRUE(memory_listed);
  Result<PluginInfo> info = inspect_plugin(find_plugin("memory", config).value());
  ASSERT_TRUE(info.is_ok());
  auto caps = info->capability_names();
  EXPECT_NE(std::find(caps.begin(), caps.end(), "thread_safe"), caps.end());
}

}  // namespace
}  // namespace sitecache
