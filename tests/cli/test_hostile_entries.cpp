// Entries a writer with access to a shared cache could plant, read back through the real
// `sitecache` binary (issue 17's findings, one test each): a build record nested 200,000
// levels deep, a decompression bomb, and labels and keys carrying terminal escapes. Each
// entry is well formed as far as its envelope goes (the checksum holds), which is what a
// trusted writer's buggy build, or any writer when signing is off, can produce.
#include <vector>

#include "cache_internals.hpp"
#include "cli_support.hpp"
#include "format/entry_format.hpp"
#include "zero_frame.hpp"

namespace sitecache::cli_test {
namespace {

// The caches of the test's sitecache.toml, through the library.
Caches open_caches(const fs::path& dir) {
  ConfigSource source;
  source.explicit_path = dir / "sitecache.toml";
  source.use_environment = false;
  source.working_dir = dir;
  return Caches::load(source).value();
}

class HostileEntries : public CliTest {};

// Finding: `stats`, `clear --stale` and `explain` died of a stack overflow on a version-1
// (JSON) build record nested 200,000 levels deep. The record is skipped as unreadable.
TEST_F(HostileEntries, ADeeplyNestedBuildRecordCrashesNothing) {
  write_file("site/a.md", "alpha");
  build();
  std::string record = R"({"format_version":1,"generation":1,"ended_ms":1,"uses":)";
  record += std::string(200'000, '[');
  {
    Caches caches = open_caches(dir_);
    CacheImpl& impl = testing::internals(caches["default"]);
    EntryMeta meta;
    meta.label = "build";
    ASSERT_TRUE(impl.write_raw(impl.keys.build_record(1),
                               encode_entry(meta, record, PayloadCompression::zstd))
                    .is_ok());
  }
  for (const std::vector<std::string>& args : {std::vector<std::string>{"stats"},
                                               {"stats", "--json"},
                                               {"explain", "a.md"},
                                               {"clear", "--stale", "--dry-run"},
                                               {"ls"}}) {
    Exec run = sitecache(args);
    EXPECT_LT(run.exit_code, 128) << "killed by signal " << run.exit_code - 128 << "\n"
                                  << RUN_INFO(run);
    EXPECT_NE(run.exit_code, 2) << RUN_INFO(run);
  }
  EXPECT_EQ(sitecache({"stats"}).exit_code, 0);
}

// Finding: a 36 KB entry whose frame inflates to 1 GiB made a reader allocate 1 GiB. The
// reader refuses it from its header (max_value_size, 64 MiB by default): a miss.
TEST_F(HostileEntries, ADecompressionBombIsAMissWithoutTheMemory) {
  constexpr uint64_t kClaimed = uint64_t{1} << 30;
  {
    Caches caches = open_caches(dir_);
    Cache& cache = caches["default"];
    CacheImpl& impl = testing::internals(cache);
    const std::string frame = testing::zero_frame(kClaimed);
    EntryMeta meta;
    meta.label = "bomb";
    EntryUnderConstruction entry = reserve_entry(meta, frame.size());
    std::copy(frame.begin(), frame.end(), entry.bytes.begin() + entry.payload_at);
    seal_entry(entry, frame.size(), PayloadCompression::zstd, kClaimed);
    ASSERT_LT(entry.bytes.size(), size_t{64} << 10);
    ASSERT_TRUE(impl.write_raw(testing::backend_key(cache, "bomb"), entry.bytes).is_ok());
  }
  Exec small = sitecache({"get", "absent"});
  ASSERT_EQ(small.exit_code, 3) << RUN_INFO(small);
  Exec get = sitecache({"get", "bomb"});
  EXPECT_EQ(get.exit_code, 3) << RUN_INFO(get);
  EXPECT_EQ(get.out, "");
  EXPECT_LT(get.max_rss_kib - small.max_rss_kib, 32 * 1024)
      << "KiB of peak memory above a plain miss";
  // The entry failed its checks and was removed as corrupt.
  Json listing = json_of(sitecache({"ls", "--json"}));
  EXPECT_EQ(listing["total"], 0) << listing.dump(2);
}

// Finding: `ls` printed labels raw and "not found" echoed the raw key, so a key holding
// "ESC ] 0 ; ... BEL ESC [ 2 J" retitled the terminal and cleared it.
TEST_F(HostileEntries, TerminalEscapesNeverReachTheTerminal) {
  const std::string key = "k\x1b]0;pwned\x07\x1b[2J";
  ASSERT_EQ(sitecache({"put", key, "--slot", "s\x1b[31m", "--tag",
                       "t\x9b"
                       "2J"},
                      "v")
                .exit_code,
            0);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"ls"},
                                               {"stats"},
                                               {"clear", "--tag",
                                                "t\x9b"
                                                "2J",
                                                "--dry-run"},
                                               {"explain", "s\x1b[31m"},
                                               {"get", key + "x"}}) {
    Exec run = sitecache(args);
    for (const std::string* text : {&run.out, &run.err}) {
      EXPECT_EQ(text->find('\x1b'), std::string::npos) << RUN_INFO(run);
      EXPECT_EQ(text->find('\x07'), std::string::npos) << RUN_INFO(run);
      EXPECT_EQ(text->find('\x9b'), std::string::npos) << RUN_INFO(run);
    }
  }
  Exec ls = sitecache({"ls"});
  EXPECT_NE(ls.out.find("k\\x1b]0;pwned\\x07\\x1b[2J"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("s\\x1b[31m"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("t\\x9b2J"), std::string::npos) << ls.out;
  // JSON keeps the exact bytes, escaped by JSON's rules.
  Json listing = json_of(sitecache({"ls", "--json"}));
  ASSERT_EQ(listing["entries"].size(), 1u);
  EXPECT_EQ(listing["entries"][0]["label"], key);
  // The value itself comes back byte for byte.
  EXPECT_EQ(sitecache({"get", key}).out, "v");
}

// Keys beyond what a shell passes: 1 MiB, with NUL bytes, not UTF-8. Any text is a key
// (the backend sees its digest); the label kept for display is cut at 64 KiB.
TEST_F(HostileEntries, AnyTextIsAKey) {
  std::string huge(size_t{1} << 20, 'k');
  huge[1000] = '\0';
  const std::vector<std::string> keys = {huge, std::string("a\0b", 3), "\xff\xfe", ""};
  {
    Caches caches = open_caches(dir_);
    Cache& cache = caches["default"];
    for (size_t i = 0; i < keys.size(); ++i) {
      ASSERT_TRUE(cache.set(keys[i], "value " + std::to_string(i)).is_ok()) << i;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      EXPECT_EQ(cache.get(keys[i]).value(),
                std::optional<std::string>("value " + std::to_string(i)))
          << i;
    }
  }
  Exec ls = sitecache({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << RUN_INFO(ls);
  Json listing = json_of(ls);
  EXPECT_EQ(listing["total"], keys.size());
  EXPECT_EQ(listing["corrupt"], 0);
  // The longest key a command line can carry (one argument is at most 128 KiB).
  const std::string long_key(131000, 'q');
  ASSERT_EQ(sitecache({"put", long_key}, "long").exit_code, 0);
  EXPECT_EQ(sitecache({"get", long_key}).out, "long");
  Exec text = sitecache({"ls"});
  EXPECT_EQ(text.exit_code, 0) << RUN_INFO(text);
  EXPECT_NE(text.out.find("\\xff\\xfe"), std::string::npos);
  EXPECT_NE(text.out.find("a\\x00b"), std::string::npos);
}

}  // namespace
}  // namespace sitecache::cli_test
