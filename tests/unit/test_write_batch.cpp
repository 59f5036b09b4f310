// A build session's stores are batched: visible in the process at once, in the backend
// when a batch fills or the session finishes; operations that need the whole backend see
// them; on_error = "fail" and leased steps store at once (leases: test_single_flight.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cache_fixture.hpp"
#include "cache_internals.hpp"
#include "storage/write_batch.hpp"

namespace sitecache {
namespace {

using testing::cache_settings;

TEST(WriteBatch, SaysWhenALimitIsReachedAndServesEntriesUntilWritten) {
  WriteBatch batch(WriteBatch::Limits{3, 1000, std::chrono::hours(1)});
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.add("a", "1", 0), WriteBatch::Due::no);
  EXPECT_EQ(batch.add("a", "one", 0), WriteBatch::Due::no) << "same key: replaced, not added";
  EXPECT_EQ(batch.add("b", "2", 5), WriteBatch::Due::no);
  EXPECT_EQ(batch.find("a"), "one");
  EXPECT_EQ(batch.add("c", "3", 0), WriteBatch::Due::yes) << "three entries";
  EXPECT_EQ(batch.add("d", std::string(1000, 'x'), 0), WriteBatch::Due::yes) << "bytes";

  std::unique_lock lock = batch.lock_flush();
  EXPECT_FALSE(batch.lock_flush(std::try_to_lock).owns_lock()) << "one flush at a time";
  std::span<const StoreItem> items = batch.begin_flush();
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(batch.find("b"), "2") << "being written: still served";
  EXPECT_EQ(batch.add("b", "two", 0), WriteBatch::Due::no) << "a fresh queue";
  EXPECT_EQ(batch.find("b"), "two") << "the newer value wins";
  batch.finish_flush();
  EXPECT_EQ(batch.find("a"), std::nullopt);
  EXPECT_EQ(batch.find("b"), "two");
  EXPECT_FALSE(batch.empty());
}

TEST(WriteBatch, AnOldBatchIsDue) {
  WriteBatch batch(WriteBatch::Limits{1000, size_t{1} << 30, std::chrono::milliseconds(20)});
  EXPECT_EQ(batch.add("a", "1", 0), WriteBatch::Due::no);
  // The batch's age is measured on steady_clock, which has no seam; sleep_for waits at
  // least this long, so the outcome does not depend on the machine's speed.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(batch.add("b", "2", 0), WriteBatch::Due::yes);
}

class WriteBatchTest : public testing::TempDirTest {
 protected:
  CacheConfig sqlite_settings() const {
    CacheConfig settings = cache_settings("sqlite");
    settings.location = (dir_ / "cache.db").string();
    return settings;
  }

  static Inputs page(int n) {
    Inputs inputs;
    inputs.text("page", "page " + std::to_string(n));
    return inputs;
  }
  static std::string html(int n) { return "<p>page " + std::to_string(n) + "</p>"; }

  // Memoizes page n on `cache`, counting renders.
  std::string render(Cache& cache, int n) {
    Result<std::string> out = cache.memoize(Step{"page", 1}, page(n), [&] {
      ++renders_;
      return html(n);
    });
    return out ? *out : "error: " + out.status().to_string();
  }

  // Whether a separate Cache (its own backend handle) finds page n in the backend.
  bool stored(int n) {
    Config config;
    Cache other(sqlite_settings(), config);
    Result<std::optional<StoredValue>> found =
        testing::fetch(other, step_key(Step{"page", 1}, page(n)));
    return found.is_ok() && found->has_value() && (*found)->value == html(n);
  }

  // How many memoized pages a separate Cache finds in the backend.
  size_t stored_count() {
    Config config;
    Cache other(sqlite_settings(), config);
    size_t count = 0;
    Status status = testing::internals(other).scan_entries([&](const EntryInfo& info) {
      if (info.label == "page") ++count;
      return true;
    });
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return count;
  }

  int renders_ = 0;
};

TEST_F(WriteBatchTest, StoresAreServedAtOnceAndLandWhenTheSessionFinishes) {
  Config config;
  Cache cache(sqlite_settings(), config);
  BuildSession build = cache.begin_build();
  EXPECT_EQ(render(cache, 1), html(1));
  EXPECT_FALSE(stored(1)) << "one store is not a batch yet";
  EXPECT_EQ(render(cache, 1), html(1));
  EXPECT_EQ(renders_, 1) << "the queued entry is a hit in this process";
  EXPECT_TRUE(testing::fetch(cache, step_key(Step{"page", 1}, page(1))).value().has_value());

  const CacheCounters before = cache.counters();
  BuildRecord record = build.finish().value();
  EXPECT_TRUE(stored(1));
  EXPECT_EQ(record.misses, 1u);
  EXPECT_EQ(record.hits, 1u);
  EXPECT_EQ(cache.counters().sets, before.sets + 1) << "counted when the batch is written";
  EXPECT_GT(cache.counters().bytes_written, before.bytes_written);
}

TEST_F(WriteBatchTest, AFullBatchIsWrittenDuringTheBuild) {
  Config config;
  Cache cache(sqlite_settings(), config);
  // Only the entry limit may flush: with the default age, a build slower than 500 ms (a
  // sanitizer build, a busy machine) writes part of the first batch early and never
  // fills it.
  WriteBatch::Limits limits;
  limits.age = std::chrono::hours(24);
  testing::internals(cache).batch.set_limits(limits);
  BuildSession build = cache.begin_build();
  const int pages = static_cast<int>(WriteBatch::Limits{}.entries) + 50;  // over one batch
  for (int n = 0; n < pages; ++n) ASSERT_EQ(render(cache, n), html(n));
  EXPECT_GE(stored_count(), WriteBatch::Limits{}.entries)
      << "the first full batch is written before the build ends";
  ASSERT_TRUE(build.finish().is_ok());
  EXPECT_EQ(stored_count(), static_cast<size_t>(pages));
  EXPECT_TRUE(stored(0));
  EXPECT_TRUE(stored(pages - 1));
}

TEST_F(WriteBatchTest, StoresFromManyThreadsAllLand) {
  Config config;
  Cache cache(sqlite_settings(), config);
  BuildSession build = cache.begin_build();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 150;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Overlapping ranges: some pages are rendered by two threads or read back.
        const int n = (t * kPerThread / 2 + i) % (kThreads * kPerThread / 2 + kPerThread / 2);
        Result<std::string> out = cache.memoize(Step{"page", 1}, page(n), [&] { return html(n); });
        if (!out || *out != html(n)) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  ASSERT_TRUE(build.finish().is_ok());
  for (int n = 0; n < kThreads * kPerThread / 2 + kPerThread / 2; ++n) {
    EXPECT_TRUE(stored(n)) << n;
  }
}

TEST_F(WriteBatchTest, DeleteAndClearSeeQueuedStores) {
  Config config;
  Cache cache(sqlite_settings(), config);
  BuildSession build = cache.begin_build();
  render(cache, 1);
  render(cache, 2);
  ASSERT_TRUE(testing::internals(cache)
                  .remove_key(testing::backend_key(cache, step_key(Step{"page", 1}, page(1))))
                  .value());
  render(cache, 1);
  EXPECT_EQ(renders_, 3) << "a deleted entry is rendered again";

  ASSERT_TRUE(cache.clear().is_ok());
  ASSERT_TRUE(build.finish().is_ok());
  EXPECT_FALSE(stored(1));
  EXPECT_FALSE(stored(2)) << "clear removed the queued entry too";
}

TEST_F(WriteBatchTest, OnErrorFailStoresAtOnce) {
  Config config;
  CacheConfig settings = sqlite_settings();
  settings.on_error = OnError::fail;
  Cache cache(settings, config);
  BuildSession build = cache.begin_build();
  render(cache, 1);
  EXPECT_TRUE(stored(1)) << "every store reports its own failure, so none is deferred";
  ASSERT_TRUE(build.finish().is_ok());
}

}  // namespace
}  // namespace sitecache
