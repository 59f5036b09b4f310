// The plugin contract of plugin.h, checked for every case in conformance_cases.cpp.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "conformance.hpp"
#include "storage/plugin_loader.hpp"
#include "storage/plugin_store.hpp"

namespace sitecache::testing {

extern const std::vector<PluginCase> kConformanceCases;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

class Conformance : public ::testing::TestWithParam<PluginCase> {
 protected:
  void SetUp() override {
    const PluginCase& pc = GetParam();
    if (pc.skip_reason) {
      std::string reason = pc.skip_reason();
      if (!reason.empty()) GTEST_SKIP() << reason;
    }
    static std::atomic<int> counter{0};
    tmp_ = fs::temp_directory_path() /
           ("sc-conf-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(tmp_);
    Result<std::shared_ptr<LoadedPlugin>> loaded = load_plugin(pc.so_path);
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    plugin_ = loaded.value();
    backend_ = make_backend();
    ASSERT_NE(backend_, nullptr);
  }
  void TearDown() override {
    backend_.reset();
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

  // A handle with the case's options plus `extra`; "{tmp}" becomes tmp_/`subdir`, so
  // handles with different subdirs have stores of their own.
  std::unique_ptr<PluginStore> make_backend(
      const std::vector<std::pair<std::string, std::string>>& extra = {},
      const std::string& subdir = {}) {
    Result<std::unique_ptr<PluginStore>> created =
        PluginStore::create(plugin_, case_options(extra, subdir));
    EXPECT_TRUE(created.is_ok()) << created.status().to_string();
    return created ? std::move(created.value()) : nullptr;
  }

  // The case's options as make_backend() hands them to create.
  std::vector<std::pair<std::string, std::string>> case_options(
      const std::vector<std::pair<std::string, std::string>>& extra, const std::string& subdir) {
    std::vector<std::pair<std::string, std::string>> options = extra;
    const fs::path dir = subdir.empty() ? tmp_ : tmp_ / subdir;
    for (auto [key, value] : GetParam().options) {
      if (auto at = value.find("{tmp}"); at != std::string::npos) {
        value.replace(at, 5, dir.string());
      }
      // "{env:NAME}" becomes $NAME: a network backend's address is only known at run time.
      for (size_t at; (at = value.find("{env:")) != std::string::npos;) {
        size_t end = value.find('}', at);
        if (end == std::string::npos) break;
        const char* set = std::getenv(value.substr(at + 5, end - at - 5).c_str());
        value.replace(at, end - at + 1, set ? set : "");
      }
      options.emplace_back(key, value);
    }
    options.emplace_back("cache_name", "conformance");
    options.emplace_back("base_dir", tmp_.string());
    return options;
  }

  bool stores() const { return GetParam().stores == Stores::everything; }
  bool has(Capability cap) const { return backend_->has(cap); }

  // Asserts the value read back is `expected` (or a miss, for a backend storing nothing).
  void expect_value(const std::string& key, const std::string& expected) {
    Result<std::optional<std::string>> got = backend_->get(key);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    if (!stores()) {
      EXPECT_FALSE(got->has_value());
      return;
    }
    ASSERT_TRUE(got->has_value()) << key;
    EXPECT_EQ(got->value().size(), expected.size());
    EXPECT_TRUE(got->value() == expected) << key;
  }
  void expect_missing(const std::string& key) {
    Result<std::optional<std::string>> got = backend_->get(key);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_FALSE(got->has_value()) << key;
  }
  std::set<std::string> scan_keys(const std::string& prefix) {
    std::set<std::string> keys;
    Status status = backend_->scan(prefix, ScanValues::no, [&](const StoreScanItem& item) {
      EXPECT_TRUE(std::string_view(item.key).starts_with(prefix)) << item.key;
      keys.emplace(item.key);
      return true;
    });
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return keys;
  }

  fs::path tmp_;
  std::shared_ptr<LoadedPlugin> plugin_;
  std::unique_ptr<PluginStore> backend_;
};

TEST_P(Conformance, RoundTripsEmptySmallAndLargeBinaryValues) {
  const std::string values[] = {std::string(), std::string("v"), std::string("nul\0inside\xff", 11),
                                random_bytes(3 << 20, 1)};
  int i = 0;
  for (const auto& value : values) {
    std::string key = "t:1:value-" + std::to_string(i++);
    ASSERT_TRUE(backend_->set(key, value, 0).is_ok());
    expect_value(key, value);
  }
}

TEST_P(Conformance, MissingKeyIsNotFoundNotAnError) {
  expect_missing("t:1:never-set");
}

TEST_P(Conformance, OverwriteReplaces) {
  ASSERT_TRUE(backend_->set("t:1:k", "first", 0).is_ok());
  ASSERT_TRUE(backend_->set("t:1:k", "second value", 0).is_ok());
  expect_value("t:1:k", "second value");
}

TEST_P(Conformance, RemoveReportsWhetherSomethingWasThere) {
  ASSERT_TRUE(backend_->set("t:1:k", "v", 0).is_ok());
  Result<bool> removed = backend_->remove("t:1:k");
  ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
  EXPECT_EQ(*removed, stores());
  expect_missing("t:1:k");
  EXPECT_FALSE(backend_->remove("t:1:k").value());
}

TEST_P(Conformance, LongestAndOddKeys) {
  std::string longest(SC_MAX_KEY_LENGTH, 'k');
  std::string printable;
  for (char c = '!'; c <= '~'; ++c) printable += c;
  for (const auto& key : {longest, printable, std::string("t:1:../../etc/passwd")}) {
    ASSERT_TRUE(backend_->set(key, "v:" + key, 0).is_ok()) << key;
    expect_value(key, "v:" + key);
  }
}

TEST_P(Conformance, NativeTtlExpires) {
  if (!has(Capability::native_ttl)) GTEST_SKIP() << "no native TTL: the core enforces expiry";
  ASSERT_TRUE(backend_->set("t:1:short", "v", 1000).is_ok());
  ASSERT_TRUE(backend_->set("t:1:long", "v", 60000).is_ok());
  expect_value("t:1:short", "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(GetParam().expiry_wait_ms));
  expect_missing("t:1:short");
  expect_value("t:1:long", "v");
}

TEST_P(Conformance, TouchGivesANewLifetime) {
  Result<bool> absent = backend_->touch("t:1:absent", 1000);
  if (!has(Capability::touch)) {
    EXPECT_EQ(absent.status().code(), StatusCode::unsupported);
    return;
  }
  ASSERT_TRUE(absent.is_ok()) << absent.status().to_string();
  EXPECT_FALSE(*absent);
  ASSERT_TRUE(backend_->set("t:1:k", "v", 1000).is_ok());
  EXPECT_EQ(backend_->touch("t:1:k", 60000).value(), stores());
  if (has(Capability::native_ttl)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(GetParam().expiry_wait_ms));
  }
  expect_value("t:1:k", "v");
}

TEST_P(Conformance, GetManyAndSetMany) {
  std::vector<StoreItem> items;
  for (int i = 0; i < 40; ++i) {
    items.push_back({"t:1:m" + std::to_string(i), "value " + std::to_string(i), 0});
  }
  ASSERT_TRUE(backend_->set_many(items).is_ok());
  std::vector<std::string> keys = {"t:1:m3", "t:1:absent", "t:1:m39", "t:1:m0"};
  std::vector<std::optional<std::string>> values;
  ASSERT_TRUE(backend_->get_many(keys, values).is_ok());
  ASSERT_EQ(values.size(), 4u);
  if (!stores()) {
    for (const auto& v : values) EXPECT_FALSE(v.has_value());
    return;
  }
  EXPECT_EQ(values[0], "value 3");
  EXPECT_FALSE(values[1].has_value());
  EXPECT_EQ(values[2], "value 39");
  EXPECT_EQ(values[3], "value 0");
}

// plugin_abi.h: the sink is "called once per found key", also when a request names a key
// twice (each position once).
TEST_P(Conformance, GetManyDeliversEachPositionOnce) {
  ASSERT_TRUE(backend_->set("t:1:twice", "v", 0).is_ok());
  const std::vector<std::string> keys = {"t:1:twice", "t:1:absent", "t:1:twice"};
  std::map<size_t, int> deliveries;
  ASSERT_TRUE(
      backend_
          ->get_many_into(keys,
                          [&](size_t index, std::span<const uint8_t> bytes) {
                            ++deliveries[index];
                            EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                       bytes.size()),
                                      "v");
                          })
          .is_ok());
  if (!stores()) {
    EXPECT_TRUE(deliveries.empty());
    return;
  }
  EXPECT_EQ(deliveries, (std::map<size_t, int>{{0, 1}, {2, 1}}));
}

TEST_P(Conformance, AddStoresOnlyWhenAbsent) {
  (void)backend_->remove("t:1:lease");  // a shared server may keep an earlier run's key
  AddMode mode;
  Result<bool> first = backend_->add("t:1:lease", "one", 0, &mode);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(mode, has(Capability::add) ? AddMode::atomic : AddMode::emulated);
  EXPECT_TRUE(*first);
  if (!stores()) return;
  EXPECT_FALSE(backend_->add("t:1:lease", "two", 0).value());
  expect_value("t:1:lease", "one");
  ASSERT_TRUE(backend_->remove("t:1:lease").value());
  EXPECT_TRUE(backend_->add("t:1:lease", "three", 0).value());
  expect_value("t:1:lease", "three");
}

TEST_P(Conformance, AddRacesHaveOneWinner) {
  if (!has(Capability::add) || !stores()) GTEST_SKIP() << "no atomic add";
  (void)backend_->remove("t:1:race");
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Result<bool> stored = backend_->add("t:1:race", "w" + std::to_string(t), 0);
      if (stored && *stored) winners++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(Conformance, ScanVisitsEveryKeyUnderThePrefixAcrossBatches) {
  std::vector<StoreItem> items;
  for (int i = 0; i < 1200; ++i) items.push_back({"a:1:" + std::to_string(i), "v", 0});
  items.push_back({"ab:1:other", "v", 0});
  items.push_back({"b:1:other", "v", 0});
  ASSERT_TRUE(backend_->set_many(items).is_ok());
  if (!has(Capability::scan)) {
    Status status = backend_->scan("a:", ScanValues::no, [](const StoreScanItem&) { return true; });
    EXPECT_EQ(status.code(), StatusCode::unsupported);
    return;
  }
  std::set<std::string> keys = scan_keys("a:");
  EXPECT_EQ(keys.size(), stores() ? 1200u : 0u);
  if (!stores()) return;
  EXPECT_EQ(keys.count("a:1:0"), 1u);
  EXPECT_EQ(keys.count("a:1:1199"), 1u);
  EXPECT_EQ(keys.count("ab:1:other"), 0u);
  // Values come with the keys when asked for, and stopping early is honoured.
  int visited = 0;
  ASSERT_TRUE(backend_
                  ->scan("b:", ScanValues::yes,
                         [&](const StoreScanItem& item) {
                           ++visited;
                           EXPECT_EQ(item.value.value_or("<none>"), "v");
                           return true;
                         })
                  .is_ok());
  EXPECT_EQ(visited, 1);
  visited = 0;
  ASSERT_TRUE(
      backend_->scan("a:", ScanValues::no, [&](const StoreScanItem&) { return ++visited < 10; })
          .is_ok());
  EXPECT_EQ(visited, 10);
}

TEST_P(Conformance, ScanToleratesRemovalFromTheVisitorsBatch) {
  if (!has(Capability::scan) || !stores()) GTEST_SKIP() << "no scan";
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(backend_->set("s:1:" + std::to_string(i), "v", 0).is_ok());
  // Removing between batches (as clear's fallback does) must not lose stable entries.
  std::set<std::string> keys = scan_keys("s:");
  EXPECT_EQ(keys.size(), 50u);
  ASSERT_TRUE(backend_->clear("s:").is_ok());
  EXPECT_TRUE(scan_keys("s:").empty());
}

TEST_P(Conformance, ClearRemovesOnlyItsPrefix) {
  ASSERT_TRUE(backend_->set("blog:1:a", "v", 0).is_ok());
  ASSERT_TRUE(backend_->set("blog:2:b", "v", 0).is_ok());
  ASSERT_TRUE(backend_->set("blog2:1:a", "keep", 0).is_ok());
  ASSERT_TRUE(backend_->set("other:1:a", "keep", 0).is_ok());
  Status status = backend_->clear("blog:");
  if (!has(Capability::clear) && !has(Capability::scan)) {
    EXPECT_EQ(status.code(), StatusCode::unsupported);
    return;
  }
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  expect_missing("blog:1:a");
  expect_missing("blog:2:b");
  expect_value("blog2:1:a", "keep");
  expect_value("other:1:a", "keep");
}

TEST_P(Conformance, StatsCountEntries) {
  Result<StoreStats> before = backend_->stats();
  if (!has(Capability::stats)) {
    EXPECT_EQ(before.status().code(), StatusCode::unsupported);
    return;
  }
  ASSERT_TRUE(before.is_ok()) << before.status().to_string();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(backend_->set("st:1:" + std::to_string(i), std::string(100, 'x'), 0).is_ok());
  }
  StoreStats after = backend_->stats().value();
  if (after.entries >= 0) {
    EXPECT_EQ(after.entries, stores() ? 10 : 0);
  }
  if (after.bytes >= 0 && stores()) {
    EXPECT_GE(after.bytes, 1000);
  }
}

TEST_P(Conformance, CapabilityBitsMatchFunctions) {
  const sc_plugin& api = plugin_->api();
  const std::pair<uint64_t, bool> pairs[] = {
      {SC_CAP_GET_MANY, api.get_many != nullptr}, {SC_CAP_SET_MANY, api.set_many != nullptr},
      {SC_CAP_TOUCH, api.touch != nullptr},       {SC_CAP_CLEAR, api.clear != nullptr},
      {SC_CAP_SCAN, api.scan != nullptr},         {SC_CAP_STATS, api.stats != nullptr},
      {SC_CAP_ADD, api.add != nullptr},           {SC_CAP_VALIDATE, api.validate != nullptr},
  };
  for (const auto& [bit, present] : pairs) EXPECT_EQ((api.capabilities & bit) != 0, present);
  EXPECT_EQ(api.abi_major, SC_ABI_MAJOR);
  // Any minor of ABI 1 (plugin_abi.h, "Versioning rules"): at least the 1.0 layout.
  EXPECT_GE(api.struct_size, SC_PLUGIN_SIZE_1_0);
  EXPECT_STRNE(api.version, "");
  EXPECT_STRNE(api.description, "");
}

TEST_P(Conformance, UnknownOptionIsRejectedWithItsName) {
  std::vector<std::pair<std::string, std::string>> options = {{"no_such_option", "1"}};
  Result<std::unique_ptr<PluginStore>> created = PluginStore::create(plugin_, options);
  ASSERT_FALSE(created.is_ok());
  EXPECT_EQ(created.status().code(), StatusCode::invalid_argument);
  EXPECT_NE(created.status().message().find("no_such_option"), std::string::npos)
      << created.status().message();
}

// ABI 1.1 validate: the same verdict on options as create, and nothing touched: the
// store's directory does not come into being.
TEST_P(Conformance, ValidateChecksTheOptionsAndTouchesNothing) {
  if (plugin_->api().validate == nullptr) GTEST_SKIP() << "no validate (ABI 1.0 plugin)";
  const std::string fresh = "never-created";
  Status valid = PluginStore::validate(*plugin_, case_options({}, fresh));
  EXPECT_TRUE(valid.is_ok()) << valid.to_string();
  EXPECT_FALSE(fs::exists(tmp_ / fresh)) << "validate created the store";
  Status unknown = PluginStore::validate(*plugin_, case_options({{"no_such_option", "1"}}, fresh));
  EXPECT_EQ(unknown.code(), StatusCode::invalid_argument);
  EXPECT_NE(unknown.message().find("no_such_option"), std::string::npos) << unknown.message();
  if (GetParam().limits == Limits::enforced) {
    Status negative = PluginStore::validate(*plugin_, case_options({{"max_entries", "-1"}}, fresh));
    EXPECT_EQ(negative.code(), StatusCode::invalid_argument) << negative.to_string();
    EXPECT_FALSE(
        PluginStore::create(plugin_, case_options({{"max_entries", "-1"}}, fresh)).is_ok());
  }
  EXPECT_FALSE(fs::exists(tmp_ / fresh));
}

// Thread-safe plugins are used concurrently as they are; the others through the host's
// serialisation. Either way no operation may fail and every value read must be one that
// some writer wrote for that key.
TEST_P(Conformance, ConcurrentUseNeverFailsOrMixesValues) {
  std::atomic<int> failures{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 250; ++i) {
        std::string key = "c:1:" + std::to_string(rng() % 20);
        switch (rng() % 4) {
          case 0:
          case 1: {
            auto got = backend_->get(key);
            if (!got)
              failures++;
            else if (got->has_value() && !(*got)->starts_with(key + "#"))
              wrong++;
            break;
          }
          case 2:
            if (!backend_
                     ->set(key, key + "#" + std::to_string(t) + std::string(rng() % 3000, 'p'), 0)
                     .is_ok()) {
              failures++;
            }
            break;
          default:
            if (!backend_->remove(key).is_ok()) failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}

// plugin_abi.h's cull: the 11th key of a store limited to 10 entries first removes
// max(1, floor(10 / N)) of the others (every other one for N = 0), never the new one.
TEST_P(Conformance, CullFrequencyMeansWhatPluginAbiSays) {
  if (GetParam().limits != Limits::enforced) GTEST_SKIP() << "this backend does not enforce limits";
  for (auto [frequency, expected] : {std::pair{0, 1}, {1, 1}, {2, 6}, {3, 8}}) {
    const std::string n = std::to_string(frequency);
    std::unique_ptr<PluginStore> store =
        make_backend({{"max_entries", "10"}, {"cull_frequency", n}}, "cull" + n);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(store->set("t:1:cull-" + std::to_string(i), "value", 0).is_ok());
    }
    size_t count = 0;
    auto count_keys = [&](const StoreScanItem&) { return ++count, true; };
    ASSERT_TRUE(store->scan("t:1:cull-", ScanValues::no, count_keys).is_ok());
    EXPECT_EQ(count, 10u) << "N = " << n << ": nothing is culled within the limit";
    ASSERT_TRUE(store->set("t:1:cull-new", "value", 0).is_ok());
    count = 0;
    ASSERT_TRUE(store->scan("t:1:cull-", ScanValues::no, count_keys).is_ok());
    EXPECT_EQ(count, static_cast<size_t>(expected)) << "N = " << n;
    Result<std::optional<std::string>> written = store->get("t:1:cull-new");
    ASSERT_TRUE(written.is_ok());
    EXPECT_TRUE(written->has_value()) << "N = " << n << ": the entry being written was culled";
    // Rewriting a present key never culls for max_entries.
    const size_t before = count;
    ASSERT_TRUE(store->set("t:1:cull-new", "other value", 0).is_ok());
    count = 0;
    ASSERT_TRUE(store->scan("t:1:cull-", ScanValues::no, count_keys).is_ok());
    EXPECT_EQ(count, before) << "N = " << n;
  }
}

// The same cull for max_size: when a write goes over, at least max(1, E / N) of the other
// entries go at once, the written one stays, and the store ends within the limit.
TEST_P(Conformance, MaxSizeCullsAFractionAndKeepsTheWrite) {
  if (GetParam().limits != Limits::enforced) GTEST_SKIP() << "this backend does not enforce limits";
  std::unique_ptr<PluginStore> store =
      make_backend({{"max_size", "40000"}, {"cull_frequency", "2"}}, "size");
  ASSERT_NE(store, nullptr);
  auto count = [&] {
    size_t n = 0;
    EXPECT_TRUE(store->scan("t:1:", ScanValues::no, [&](const StoreScanItem&) { return ++n, true; })
                    .is_ok());
    return n;
  };
  bool culled = false;
  for (int i = 0; i < 80; ++i) {
    const std::string key = "t:1:size-" + std::to_string(i);
    const size_t before = count();
    ASSERT_TRUE(store->set(key, std::string(1000, 'v'), 0).is_ok());
    const size_t after = count();
    Result<std::optional<std::string>> written = store->get(key);
    ASSERT_TRUE(written.is_ok());
    ASSERT_TRUE(written->has_value()) << key << " was culled by its own write";
    if (after <= before) {
      culled = true;
      EXPECT_LE(after, before - std::max<size_t>(1, before / 2) + 1) << "write " << i;
    }
    if (has(Capability::stats)) {
      Result<StoreStats> stats = store->stats();
      ASSERT_TRUE(stats.is_ok());
      if (stats->bytes >= 0) {
        EXPECT_LE(stats->bytes, 40000) << "write " << i;
      }
    }
  }
  EXPECT_TRUE(culled) << "80 KB of values never went over a 40 KB limit";
}

INSTANTIATE_TEST_SUITE_P(Plugins, Conformance, ::testing::ValuesIn(kConformanceCases), case_name);

}  // namespace
}  // namespace sitecache::testing
