// plugin.hpp: exceptions never cross the ABI; they become SC_INTERNAL with their text.
#include <gtest/gtest.h>

#include "sitecache/plugin_adapter.hpp"
#include "storage/plugin_loader.hpp"
#include "storage/plugin_store.hpp"

namespace sitecache {
namespace {

TEST(PluginHpp, ExceptionsBecomeInternalErrors) {
  Result<std::shared_ptr<LoadedPlugin>> plugin = load_plugin(THROWING_PLUGIN);
  ASSERT_TRUE(plugin.is_ok()) << plugin.status().to_string();
  EXPECT_EQ((*plugin)->info().capabilities, 0u);  // no optional functions, no flags

  Result<std::unique_ptr<PluginStore>> failed =
      PluginStore::create(*plugin, {{"throw_on_create", "1"}});
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().code(), StatusCode::internal);
  EXPECT_NE(failed.status().message().find("create exploded"), std::string::npos);

  Result<std::unique_ptr<PluginStore>> backend = PluginStore::create(*plugin, {});
  ASSERT_TRUE(backend.is_ok());
  Result<std::optional<std::string>> got = (*backend)->get("k");
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), StatusCode::internal);
  EXPECT_NE(got.status().message().find("get exploded"), std::string::npos);
  Status set = (*backend)->set("k", "v", 0);
  EXPECT_EQ(set.code(), StatusCode::internal);
  EXPECT_NE(set.message().find("set exploded"), std::string::npos);
  Result<bool> removed = (*backend)->remove("k");
  ASSERT_FALSE(removed.is_ok());
  EXPECT_NE(removed.status().message().find("unknown exception"), std::string::npos);
}

TEST(PluginHppOptions, RangeCheckedIntegersReportTheFirstProblem) {
  plugin::Options options;
  options.add("pool_size", "16");
  options.add("too_big", "5000");
  options.add("word", "many");
  plugin::Status status;
  EXPECT_EQ(options.get_int("pool_size", 8, 1, 1024, status), 16);
  EXPECT_EQ(options.get_int("absent", 8, 1, 1024, status), 8);
  EXPECT_TRUE(status.is_ok());

  EXPECT_EQ(options.get_int("too_big", 8, 1, 1024, status), 8);
  EXPECT_EQ(status.code(), plugin::Code::invalid_argument);
  EXPECT_EQ(status.message(), "option 'too_big' must be from 1 to 1024, got 5000");
  EXPECT_EQ(options.get_int("word", 8, 1, 1024, status), 8);
  EXPECT_EQ(status.message(), "option 'too_big' must be from 1 to 1024, got 5000")
      << "a later problem does not hide the first";

  plugin::Status other;
  EXPECT_EQ(options.get_int("word", 8, 1, 1024, other), 8);
  EXPECT_EQ(other.message(), "option 'word' must be an integer, got 'many'");
}

}  // namespace
}  // namespace sitecache
