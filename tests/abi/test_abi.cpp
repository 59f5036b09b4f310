// The plugin ABI can grow (plugin_abi.h, "Versioning rules"): a plugin built against the
// frozen 1.0 header loads in this host and is read no further than its struct reaches; a
// plugin of a newer minor loads and what this host does not know is ignored. The
// conformance kit runs both plugins through the whole backend contract (cases abi_1_0 and
// abi_newer_minor); this suite checks the loader's side.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "frozen_layout.h"
#include "sitecache/cache.hpp"
#include "sitecache/plugin_registry.hpp"
#include "storage/plugin_loader.hpp"
#include "temp_dir.hpp"

namespace sitecache {
namespace {

TEST(Abi, EveryFieldOfTheOneZeroLayoutKeepsItsPlace) {
  const size_t current[ABI10_FIELD_COUNT] = ABI10_FIELD_OFFSETS;
  for (size_t i = 0; i < ABI10_FIELD_COUNT; ++i) {
    EXPECT_EQ(current[i], abi10_field_offsets[i]) << "field " << i << " of ABI 1.0 moved";
  }
  EXPECT_EQ(abi10_major, unsigned{SC_ABI_MAJOR});
  EXPECT_EQ(abi10_minor, 0u);
  EXPECT_EQ(kMinimumDescriptorSize, abi10_descriptor_size);
  EXPECT_EQ(SC_PLUGIN_SIZE_1_0, abi10_descriptor_size);
  EXPECT_GT(sizeof(sc_plugin), abi10_descriptor_size) << "this host is a later minor than 1.0";
}

// copy_descriptor on a 1.0-sized descriptor that ends where readable memory ends: any
// read beyond its struct_size faults.
TEST(Abi, CopyingADescriptorReadsNothingBeyondItsSize) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  auto* pages = static_cast<unsigned char*>(
      ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(pages, MAP_FAILED);
  unsigned char* start = pages + page - abi10_descriptor_size;
  std::memset(start, 0xAB, abi10_descriptor_size);
  sc_plugin header{};
  header.struct_size = static_cast<uint32_t>(abi10_descriptor_size);
  header.abi_major = SC_ABI_MAJOR;
  std::memcpy(start, &header, offsetof(sc_plugin, name));
  ASSERT_EQ(::mprotect(pages + page, page, PROT_NONE), 0);

  const sc_plugin copy = copy_descriptor(*reinterpret_cast<const sc_plugin*>(start));
  EXPECT_EQ(copy.struct_size, abi10_descriptor_size);
  EXPECT_EQ(std::memcmp(&copy, start, abi10_descriptor_size), 0) << "the 1.0 part is copied";
  EXPECT_EQ(copy.validate, nullptr) << "a field of a later minor reads as absent";
  ::munmap(pages, 2 * page);
}

TEST(Abi, APluginBuiltAgainstTheOneZeroHeaderLoads) {
  Result<std::shared_ptr<LoadedPlugin>> loaded = load_plugin(ABI10_PLUGIN);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const PluginInfo& info = (*loaded)->info();
  EXPECT_EQ(info.abi_major, 1);
  EXPECT_EQ(info.abi_minor, 0);
  EXPECT_EQ((*loaded)->api().struct_size, abi10_descriptor_size);
  EXPECT_EQ((*loaded)->api().validate, nullptr);
  EXPECT_EQ(info.capabilities & SC_CAP_VALIDATE, 0u);
}

TEST(Abi, AOneZeroPluginStoresAndSaysItCannotValidate) {
  testing::TempDir dir;
  CacheConfig settings;
  settings.name = "old";
  settings.backend = ABI10_PLUGIN;
  Config config;
  config.base_dir = dir.path();
  Cache cache(settings, config);
  ASSERT_TRUE(cache.set("page", "<p>from a 1.0 plugin</p>").is_ok());
  EXPECT_EQ(cache.get("page").value(), std::optional<std::string>("<p>from a 1.0 plugin</p>"));
  const Status checked = validate_backend(settings, config);
  EXPECT_EQ(checked.code(), StatusCode::unsupported);
  EXPECT_NE(checked.message().find("(plugin ABI 1.0) cannot check its options"), std::string::npos)
      << checked.message();
}

TEST(Abi, APluginOfANewerMinorLoadsAndItsUnknownFieldsAreIgnored) {
  Result<std::shared_ptr<LoadedPlugin>> loaded = load_plugin(NEWER_MINOR_PLUGIN);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const PluginInfo& info = (*loaded)->info();
  EXPECT_EQ(info.abi_minor, SC_ABI_MINOR + 1);
  EXPECT_EQ((*loaded)->api().struct_size, sizeof(sc_plugin) + 3 * sizeof(void*))
      << "the host keeps the plugin's own size";
  EXPECT_NE(info.capabilities & (uint64_t{1} << 40), 0u);
  for (const std::string& name : info.capability_names()) EXPECT_NE(name, "");

  testing::TempDir dir;
  CacheConfig settings;
  settings.name = "new";
  settings.backend = NEWER_MINOR_PLUGIN;
  Config config;
  config.base_dir = dir.path();
  Cache cache(settings, config);
  ASSERT_TRUE(cache.set("page", "<p>from the future</p>").is_ok());
  EXPECT_EQ(cache.get("page").value(), std::optional<std::string>("<p>from the future</p>"));
  Result<bool> removed = cache.remove("page");
  ASSERT_TRUE(removed.is_ok());
  EXPECT_TRUE(*removed);
}

}  // namespace
}  // namespace sitecache
