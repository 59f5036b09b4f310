// The dummy backend through its real .so: it accepts writes and never stores anything.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi_client.hpp"

namespace {

using namespace sitecache::testing;

TEST(Dummy, DescriptorIsConsistentAndThreadSafe) {
  AbiClient client(DUMMY_PLUGIN_PATH, {});
  ASSERT_TRUE(client.ok()) << client.last_error();
  const sc_plugin& p = client.plugin();
  expect_consistent_descriptor(p);
  EXPECT_STREQ(p.name, "dummy");
  EXPECT_NE(p.capabilities & SC_CAP_THREAD_SAFE, 0u);
  EXPECT_EQ(p.capabilities & (SC_CAP_PERSISTENT | SC_CAP_SHARED), 0u);
}

TEST(Dummy, AcceptsReservedOptionsAndRejectsUnknownOnes) {
  AbiClient reserved(DUMMY_PLUGIN_PATH, {{"location", "x"},
                                         {"max_entries", "10"},
                                         {"max_size", "100"},
                                         {"cull_frequency", "3"},
                                         {"read_only", "true"},
                                         {"cache_name", "default"},
                                         {"base_dir", "/tmp"}});
  EXPECT_TRUE(reserved.ok()) << reserved.last_error();

  AbiClient unknown(DUMMY_PLUGIN_PATH, {{"colour", "blue"}});
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.last_status(), SC_INVALID_ARGUMENT);
  EXPECT_NE(unknown.last_error().find("colour"), std::string::npos) << unknown.last_error();
}

TEST(Dummy, StoresNothing) {
  AbiClient client(DUMMY_PLUGIN_PATH, {});
  ASSERT_TRUE(client.ok());
  const Calls calls(client);

  EXPECT_EQ(client.set("k", "v"), SC_OK);
  EXPECT_EQ(client.get("k"), std::nullopt);
  EXPECT_EQ(client.last_status(), SC_NOT_FOUND);
  EXPECT_EQ(client.remove("k"), SC_NOT_FOUND);

  bool stored = false;
  EXPECT_EQ(calls.add("k", "v", 0, stored), SC_OK);
  EXPECT_TRUE(stored) << "add wins, like Django's DummyCache.add returning True";
  EXPECT_EQ(client.get("k"), std::nullopt);

  EXPECT_EQ(calls.touch("k", 1000), SC_NOT_FOUND);
  EXPECT_EQ(calls.set_many({{"a", "1"}, {"b", "2", 10}}), SC_OK);
  std::map<size_t, std::string> found;
  EXPECT_EQ(calls.get_many({"a", "b"}, found), SC_OK);
  EXPECT_TRUE(found.empty());
  EXPECT_EQ(calls.clear(""), SC_OK);
  EXPECT_EQ(calls.clear("a"), SC_OK);

  uint64_t cursor = 0;
  std::vector<ScanEntry> batch;
  EXPECT_EQ(calls.scan_once("", cursor, 10, SC_SCAN_VALUES, batch), SC_OK);
  EXPECT_EQ(cursor, 0u);
  EXPECT_TRUE(batch.empty());

  sc_stats stats{};
  EXPECT_EQ(calls.stats(stats), SC_OK);
  EXPECT_EQ(stats.entries, 0);
  EXPECT_EQ(stats.bytes, 0);
  EXPECT_EQ(stats.max_entries, -1);
  EXPECT_EQ(stats.max_bytes, -1);
  EXPECT_EQ(stats.evictions, 0);
}

}  // namespace
