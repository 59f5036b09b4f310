// Steps whose results are files (sitecache/outputs.hpp): skipped when unchanged, restored
// on a hit whatever happened to the files, captured on a miss, stored once by content.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "cache_fixture.hpp"
#include "cache_internals.hpp"
#include "sitecache/maintenance.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using testing::CapturedWarnings;
using testing::internals;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string random_bytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

class FileSteps : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    CacheConfig settings = testing::cache_settings("sqlite");
    settings.location = (dir_ / "cache.db").string();
    cache_ = std::make_unique<Cache>(settings, config_, warnings_.sink());
  }

  // One build that produces `page` from `text`; returns how it was produced.
  FileOutcome::Source build_page(const std::string& text, int& renders) {
    BuildSession build = cache_->begin_build();
    Inputs inputs;
    inputs.text("source", text);
    Result<FileOutcome> out = cache_->produce_file(Step{"page", 1}, inputs, page(), [&] {
      ++renders;
      return "<p>" + text + "</p>";
    });
    EXPECT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_TRUE(build.finish().is_ok());
    return out ? out->source : FileOutcome::Source::rendered;
  }
  fs::path page() const { return dir_ / "public" / "page.html"; }

  size_t blobs() {
    size_t count = 0;
    EXPECT_TRUE(internals(*cache_)
                    .scan_entries([&](const EntryInfo& e) {
                      count += e.kind == EntryInfo::Kind::blob ? 1 : 0;
                      return true;
                    })
                    .is_ok());
    return count;
  }

  Config config_;
  CapturedWarnings warnings_;
  std::unique_ptr<Cache> cache_;
};

TEST_F(FileSteps, UnchangedOutputsAreSkippedWithoutReadingTheCache) {
  int renders = 0;
  EXPECT_EQ(build_page("hello", renders), FileOutcome::Source::rendered);
  EXPECT_EQ(read_all(page()), "<p>hello</p>");
  const CacheCounters before = cache_->counters();
  EXPECT_EQ(build_page("hello", renders), FileOutcome::Source::unchanged);
  EXPECT_EQ(renders, 1);
  // The page's entry was not even read.
  EXPECT_EQ(cache_->counters().hits, before.hits);
  EXPECT_EQ(cache_->counters().misses, before.misses);
  // The new record still says the page was used, with its output.
  std::vector<BuildRecord> records = read_build_records(*cache_, 1).value();
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].uses.size(), 1u);
  EXPECT_TRUE(records[0].uses[0].hit);
  ASSERT_EQ(records[0].uses[0].outputs.size(), 1u);
  EXPECT_EQ(records[0].uses[0].outputs[0].path, page().string());
  EXPECT_EQ(records[0].uses[0].outputs[0].digest, hash_bytes(std::string_view("<p>hello</p>")));
}

TEST_F(FileSteps, EditedOrDeletedOutputsAreRestoredNotRendered) {
  int renders = 0;
  (void)build_page("hello", renders);
  write_all(page(), "edited by hand");
  EXPECT_EQ(build_page("hello", renders), FileOutcome::Source::restored);
  EXPECT_EQ(read_all(page()), "<p>hello</p>");
  fs::remove(page());
  EXPECT_EQ(build_page("hello", renders), FileOutcome::Source::restored);
  EXPECT_EQ(read_all(page()), "<p>hello</p>");
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(build_page("changed", renders), FileOutcome::Source::rendered);
  EXPECT_EQ(read_all(page()), "<p>changed</p>");
  EXPECT_EQ(renders, 2);
}

// Same size, same inode, the mtime put back (what the site test's "tamper" step does):
// only the change time tells, and the recorded signature includes it (build record v4).
TEST_F(FileSteps, AnOutputEditedInPlaceWithItsMtimePutBackIsRestored) {
  int renders = 0;
  (void)build_page("hello", renders);
  struct stat before {};
  ASSERT_EQ(::stat(page().c_str(), &before), 0);
  {
    std::fstream file(page(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(0);
    file.put('X');
  }
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, page().c_str(), times, 0), 0);
  EXPECT_EQ(build_page("hello", renders), FileOutcome::Source::restored);
  EXPECT_EQ(read_all(page()), "<p>hello</p>");
  EXPECT_EQ(renders, 1);
}

// A miss writes the rendered bytes themselves: a large output (a blob) is not read back
// from a backend that keeps nothing.
TEST_F(FileSteps, ALargeRenderIsWrittenEvenWhenTheBackendKeepsNothing) {
  Config disabled;
  disabled.disabled = true;
  Cache dummy(testing::cache_settings("memory"), disabled, warnings_.sink());
  const std::string big = random_bytes(kInlineOutputLimit * 3, 7);
  BuildSession build = dummy.begin_build();
  Result<FileOutcome> out =
      dummy.produce_file(Step{"page", 1}, Inputs(), page(), [&] { return big; });
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(out->source, FileOutcome::Source::rendered);
  EXPECT_EQ(out->written, 1u);
  EXPECT_EQ(read_all(page()), big);
  EXPECT_TRUE(build.finish().is_ok());
}

TEST_F(FileSteps, NestedUsesOfASkippedStepAreRecordedAgain) {
  auto build = [&](int& highlights) {
    BuildSession session = cache_->begin_build();
    Inputs inputs;
    inputs.text("source", "page with code");
    Result<FileOutcome> out = cache_->produce_file(Step{"page", 1}, inputs, page(), [&] {
      Inputs code;
      code.text("code", "int main() {}");
      return cache_
          ->memoize(Step{"highlight", 1}, code,
                    [&] {
                      ++highlights;
                      return std::string("<code>int main() {}</code>");
                    })
          .value();
    });
    EXPECT_TRUE(out.is_ok());
    return session.finish().value();
  };
  int highlights = 0;
  BuildRecord first = build(highlights);
  ASSERT_EQ(first.uses.size(), 2u);
  EXPECT_EQ(first.uses[0].step, "page");
  EXPECT_EQ(first.uses[1].step, "highlight");
  EXPECT_EQ(first.uses[1].parent, 0);
  BuildRecord second = build(highlights);
  EXPECT_EQ(highlights, 1);
  ASSERT_EQ(second.uses.size(), 2u) << "the highlight the skipped page used is still used";
  EXPECT_EQ(second.uses[1].key, first.uses[1].key);
  EXPECT_EQ(second.uses[1].parent, 0);
  EXPECT_EQ(second.hits, 2u);
  // So `clear --stale` keeps it.
  Result<ClearPlan> plan = plan_clear(*cache_, ClearSelector::stale(1));
  ASSERT_TRUE(plan.is_ok());
  EXPECT_TRUE(plan->removals.empty());
}

TEST_F(FileSteps, CommandOutputsAreCapturedAndRestoredWithTheirModes) {
  const fs::path small = dir_ / "out" / "page.html";
  const fs::path large = dir_ / "out" / "image.bin";
  const std::string image = random_bytes(3 << 20, 7);  // incompressible, stored as a blob
  int runs = 0;
  auto run = [&] {
    ++runs;
    write_all(small, "<h1>page</h1>");
    write_all(large, image);
    ::chmod(large.c_str(), 0755);
    return StepRun{"stdout and status", StepRun::Store::yes, {}};
  };
  Inputs inputs;
  inputs.text("argv", "convert in.png out.bin");
  Result<FileOutcome> first =
      cache_->memoize_files(Step{"convert", 1}, inputs, {small, large}, run);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(first->source, FileOutcome::Source::rendered);
  EXPECT_EQ(first->value, "stdout and status");
  EXPECT_EQ(blobs(), 1u);

  fs::remove_all(dir_ / "out");
  Result<FileOutcome> second =
      cache_->memoize_files(Step{"convert", 1}, inputs, {small, large}, run);
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_EQ(second->source, FileOutcome::Source::restored);
  EXPECT_EQ(second->value, "stdout and status");
  EXPECT_EQ(second->written, 2u);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(read_all(small), "<h1>page</h1>");
  EXPECT_TRUE(read_all(large) == image);
  struct stat st {};
  ASSERT_EQ(::stat(large.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST_F(FileSteps, EqualLargeOutputsOfTwoStepsAreStoredOnce) {
  const std::string page_text(200 * 1024, 'x');  // compressible, above the inline limit
  for (const char* step : {"first", "second"}) {
    const fs::path out = dir_ / step / "out.html";
    Inputs inputs;
    inputs.text("step", step);
    Result<FileOutcome> done = cache_->memoize_files(Step{step, 1}, inputs, {out}, [&] {
      write_all(out, page_text);
      return StepRun{};
    });
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
  }
  EXPECT_EQ(blobs(), 1u);
  // Removing one step's entry keeps the blob the other still references ...
  Result<ClearPlan> one = plan_clear(*cache_, ClearSelector::prefix("first"));
  ASSERT_TRUE(one.is_ok());
  ASSERT_EQ(one->removals.size(), 1u);
  ASSERT_TRUE(execute(*cache_, *one).is_ok());
  EXPECT_EQ(blobs(), 1u);
  // ... and removing the other orphans it, so it goes too.
  Result<ClearPlan> two = plan_clear(*cache_, ClearSelector::prefix("second"));
  ASSERT_TRUE(two.is_ok());
  ASSERT_EQ(two->removals.size(), 2u);
  EXPECT_EQ(two->removals[1].reason, RemovalReason::orphaned);
  ASSERT_TRUE(execute(*cache_, *two).is_ok());
  EXPECT_EQ(blobs(), 0u);
}

TEST_F(FileSteps, AMissingDeclaredOutputIsAnErrorNamingItAndStoresNothing) {
  const fs::path declared = dir_ / "never-written.html";
  Inputs inputs;
  inputs.text("x", "1");
  Result<FileOutcome> out =
      cache_->memoize_files(Step{"cmd", 1}, inputs, {declared}, [] { return StepRun{}; });
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::not_found);
  EXPECT_NE(out.status().message().find(declared.string()), std::string::npos);
  int runs = 0;
  (void)cache_->memoize_files(Step{"cmd", 1}, inputs, {declared}, [&] {
    ++runs;
    return StepRun{};
  });
  EXPECT_EQ(runs, 1) << "the failed run must not have been stored";
}

TEST_F(FileSteps, ARunThatMayNotBeStoredRunsAgain) {
  const fs::path out = dir_ / "out.txt";
  Inputs inputs;
  inputs.text("x", "1");
  int runs = 0;
  auto failing = [&] {
    ++runs;
    write_all(out, "partial");
    return StepRun{"exit 1", StepRun::Store::no, "exit status 1"};
  };
  for (int i = 0; i < 2; ++i) {
    Result<FileOutcome> done = cache_->memoize_files(Step{"cmd", 1}, inputs, {out}, failing);
    ASSERT_TRUE(done.is_ok());
    EXPECT_EQ(done->value, "exit 1");
  }
  EXPECT_EQ(runs, 2);
}

TEST_F(FileSteps, ADamagedBlobIsAMissNeverAWrongFile) {
  const fs::path out = dir_ / "big.bin";
  const std::string bytes = random_bytes(256 * 1024, 3);
  Inputs inputs;
  inputs.text("x", "1");
  int runs = 0;
  auto run = [&] {
    ++runs;
    write_all(out, bytes);
    return StepRun{};
  };
  ASSERT_TRUE(cache_->memoize_files(Step{"cmd", 1}, inputs, {out}, run).is_ok());
  // Replace the blob with a valid entry holding other bytes: the digest check catches it.
  std::string blob_key;
  ASSERT_TRUE(internals(*cache_)
                  .scan_entries([&](const EntryInfo& e) {
                    if (e.kind == EntryInfo::Kind::blob) blob_key = e.key;
                    return true;
                  })
                  .is_ok());
  ASSERT_FALSE(blob_key.empty());
  EntryMeta meta;
  meta.label = "blob";
  ASSERT_TRUE(internals(*cache_)
                  .write_raw(blob_key, encode_entry(meta, random_bytes(256 * 1024, 4),
                                                    PayloadCompression::none))
                  .is_ok());
  fs::remove(out);
  Result<FileOutcome> again = cache_->memoize_files(Step{"cmd", 1}, inputs, {out}, run);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->source, FileOutcome::Source::rendered);
  EXPECT_EQ(runs, 2);
  EXPECT_TRUE(read_all(out) == bytes);
}

TEST_F(FileSteps, ADirectoryWhereAFileWasDeclaredIsRefused) {
  const fs::path out = dir_ / "dir";
  fs::create_directories(out);
  Inputs inputs;
  inputs.text("x", "1");
  Result<FileOutcome> done =
      cache_->memoize_files(Step{"cmd", 1}, inputs, {out}, [] { return StepRun{}; });
  ASSERT_FALSE(done.is_ok());
  EXPECT_EQ(done.status().code(), StatusCode::invalid_argument);
  EXPECT_NE(done.status().message().find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace sitecache
