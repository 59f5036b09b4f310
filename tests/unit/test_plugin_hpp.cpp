// plugin.hpp: exceptions never cross the ABI; they become SC_INTERNAL with their text.
#include <gtest/gtest.h>

#include "backend.hpp"
#include "plugin_loader.hpp"

namespace sitecache {
namespace {

TEST(PluginHpp, ExceptionsBecomeInternalErrors) {
  Result<std::shared_ptr<LoadedPlugin>> plugin = load_plugin(THROWING_PLUGIN);
  ASSERT_TRUE(plugin.is_ok()) << plugin.status().to_string();
  EXPECT_EQ((*plugin)->info().capabilities, 0u);  // no optional functions, no flags

  Result<std::unique_ptr<Backend>> failed = Backend::create(*plugin, {{"throw_on_create", "1"}});
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().code(), StatusCode::internal);
  EXPECT_NE(failed.status().message().find("create exploded"), std::string::npos);

  Result<std::unique_ptr<Backend>> backend = Backend::create(*plugin, {});
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

}  // namespace
}  // namespace sitecache
