// memoize: cached output equals direct output, keys move with every input, single-flight
// within a process (across processes: test_single_flight.cpp).
#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cache_fixture.hpp"
#include "cache_internals.hpp"
#include "sitecache/decorators.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using testing::cache_settings;
using testing::CapturedWarnings;

struct Point {
  int x;
  int y;
};
void sitecache_hash(KeyBuilder& key, const Point& p) {
  key.add_int(p.x).add_int(p.y);
}

class MemoizeTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    hasher_ = std::make_unique<FileHasher>(dir_ / "stat-cache");
    cache_ = std::make_unique<Cache>(cache_settings("memory"), config_, warnings_.sink());
  }
  fs::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }

  // Runs `call` on `count` threads at once.
  static void concurrently(size_t count, const std::function<void()>& call) {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < count; ++t) threads.emplace_back(call);
    for (auto& thread : threads) thread.join();
  }
  // Whether `count` callers come to wait for the one rendering `key` (polled; the limit
  // only bounds how long a broken build hangs).
  bool followers_reach(const Digest& key, size_t count) {
    CacheImpl& impl = testing::internals(*cache_);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < give_up) {
      {
        std::lock_guard lock(impl.flights_mutex);
        auto it = impl.flights.find(key);
        if (it != impl.flights.end() && it->second.followers >= count) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a poll
    }
    return false;
  }

  Config config_;
  CapturedWarnings warnings_;
  std::unique_ptr<FileHasher> hasher_;
  std::unique_ptr<Cache> cache_;
};

std::string render_text(const std::string& source, int64_t n) {
  std::string out = "<html>" + std::to_string(n);
  for (char c : source) out += (c == '*') ? std::string("<em>") : std::string(1, c);
  return out + "</html>";
}

TEST_F(MemoizeTest, CachedOutputEqualsDirectOutputForManyInputs) {
  std::mt19937 rng(1234);
  const Step step{"render", 1};
  for (int round = 0; round < 2; ++round) {  // round 0 stores, round 1 must hit
    std::mt19937 inputs_rng(99);
    for (int i = 0; i < 300; ++i) {
      std::string source(inputs_rng() % 2000, '\0');
      for (auto& c : source) c = static_cast<char>(inputs_rng() % 256);
      int64_t n = static_cast<int64_t>(inputs_rng());
      Inputs inputs;
      inputs.text("source", source).integer("n", n);
      int calls = 0;
      Result<std::string> cached = cache_->memoize(step, inputs, [&] {
        ++calls;
        return render_text(source, n);
      });
      ASSERT_TRUE(cached.is_ok());
      EXPECT_EQ(*cached, render_text(source, n)) << "round " << round << " input " << i;
      EXPECT_EQ(calls, round == 0 ? 1 : 0);
    }
  }
  (void)rng;
}

TEST_F(MemoizeTest, EveryInputChangesTheKey) {
  fs::path file = write("page.md", "hello world");
  auto key_with = [&](const std::string& text, int64_t n, uint64_t version, bool swap_order) {
    Inputs inputs;
    if (swap_order) {
      inputs.integer("n", n).text("text", text);
    } else {
      inputs.text("text", text).integer("n", n);
    }
    inputs.file("file", file, *hasher_).value("point", Point{1, 2});
    return step_key(Step{"s", version}, inputs);
  };
  Digest base = key_with("a", 1, 1, false);
  EXPECT_EQ(base, key_with("a", 1, 1, false));
  EXPECT_NE(base, key_with("b", 1, 1, false));
  EXPECT_NE(base, key_with("a", 2, 1, false));
  EXPECT_NE(base, key_with("a", 1, 2, false));
  EXPECT_NE(base, key_with("a", 1, 1, true)) << "argument order is part of the key";
  // One byte of the file, same size, written within the racy window: still noticed.
  write("page.md", "hello worle");
  EXPECT_NE(base, key_with("a", 1, 1, false));
  // Names matter too: the same value under another name is another input.
  Inputs a, b;
  a.text("x", "v");
  b.text("y", "v");
  EXPECT_NE(step_key(Step{"s", 1}, a), step_key(Step{"s", 1}, b));
}

TEST_F(MemoizeTest, RenderThatThrowsStoresNothing) {
  Inputs inputs;
  inputs.text("t", "x");
  EXPECT_THROW((void)cache_->memoize(Step{"s", 1}, inputs,
                                     []() -> std::string { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_FALSE(testing::fetch(*cache_, step_key(Step{"s", 1}, inputs)).value().has_value());
  int calls = 0;
  auto again = cache_->memoize(Step{"s", 1}, inputs, [&] {
    ++calls;
    return std::string();
  });
  EXPECT_EQ(*again, "");
  EXPECT_EQ(calls, 1);
  // An empty output is a value: the next call hits.
  (void)cache_->memoize(Step{"s", 1}, inputs, [&] {
    ++calls;
    return std::string("not this");
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(MemoizeTest, UnreadableFileInputFailsWithoutRendering) {
  Inputs inputs;
  inputs.file("source", dir_ / "missing.md", *hasher_);
  bool rendered = false;
  Result<std::string> out = cache_->memoize(Step{"s", 1}, inputs, [&] {
    rendered = true;
    return std::string();
  });
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::not_found);
  EXPECT_NE(out.status().message().find("missing.md"), std::string::npos);
  EXPECT_FALSE(rendered);
}

// The single-flight tests' renders last until every other caller waits for them, so the
// outcome does not depend on how the threads are scheduled.
TEST_F(MemoizeTest, SingleFlightRendersOnceForConcurrentCallers) {
  constexpr size_t kCallers = 16;
  std::atomic<int> renders{0};
  std::atomic<int> wrong{0};
  Inputs inputs;
  inputs.text("page", "same");
  const Digest key = step_key(Step{"slow", 1}, inputs);
  concurrently(kCallers, [&] {
    Result<std::string> out = cache_->memoize(Step{"slow", 1}, inputs, [&] {
      renders++;
      EXPECT_TRUE(followers_reach(key, kCallers - 1));
      return std::string("rendered");
    });
    if (!out || *out != "rendered") wrong++;
  });
  EXPECT_EQ(renders.load(), 1);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(MemoizeTest, FollowersSeeTheLeadersException) {
  constexpr size_t kCallers = 6;
  std::atomic<int> renders{0};
  std::atomic<int> thrown{0};
  Inputs inputs;
  inputs.text("page", "bad");
  const Digest key = step_key(Step{"slow", 1}, inputs);
  concurrently(kCallers, [&] {
    try {
      (void)cache_->memoize(Step{"slow", 1}, inputs, [&]() -> std::string {
        renders++;
        EXPECT_TRUE(followers_reach(key, kCallers - 1));
        throw std::runtime_error("template error");
      });
    } catch (const std::runtime_error&) {
      thrown++;
    }
  });
  EXPECT_EQ(thrown.load(), 6);
  EXPECT_EQ(renders.load(), 1);
  EXPECT_FALSE(testing::fetch(*cache_, step_key(Step{"slow", 1}, inputs)).value().has_value());
}

TEST_F(MemoizeTest, CachePageWrapsAFunction) {
  int calls = 0;
  auto page = cache_page(*cache_, Step{"page", 1}, Timeout::never(),
                         [&](const std::string& title, int year) {
                           ++calls;
                           return "<h1>" + title + "</h1>" + std::to_string(year);
                         });
  EXPECT_EQ(page("Hello", 2026), "<h1>Hello</h1>2026");
  EXPECT_EQ(page("Hello", 2026), "<h1>Hello</h1>2026");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(page("Hello", 2027), "<h1>Hello</h1>2027");
  EXPECT_EQ(calls, 2);
}

TEST_F(MemoizeTest, DecoratedCallsHaveReadableDistinctSlots) {
  auto page = cache_page(*cache_, Step{"page", 1}, Timeout::never(),
                         [](const std::string& title, int year, double weight) {
                           return title + std::to_string(year) + std::to_string(weight);
                         });
  (void)page("Hello", 2026, 0.5);
  (void)page("Hello", 2026, 0.5000001);  // to_string shows both as 0.500000
  (void)fragment(
      *cache_, "nav", [] { return std::string("nav"); }, std::string("en"), true);
  std::vector<std::string> slots;
  ASSERT_TRUE(testing::internals(*cache_)
                  .scan_entries([&](const EntryInfo& info) {
                    slots.push_back(info.slot);
                    return true;
                  })
                  .is_ok());
  std::sort(slots.begin(), slots.end());
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[0], "fragment:nav(\"en\", true)");
  // A lossy description carries the digest of the arguments, so the two stay apart.
  EXPECT_TRUE(slots[1].starts_with("page(\"Hello\", 2026, 0.500000)#")) << slots[1];
  EXPECT_TRUE(slots[2].starts_with("page(\"Hello\", 2026, 0.500000)#")) << slots[2];
  EXPECT_NE(slots[1], slots[2]);
}

TEST_F(MemoizeTest, FragmentsVaryWithoutAmbiguity) {
  int calls = 0;
  auto render = [&] {
    ++calls;
    return std::to_string(calls);
  };
  // Django's {% cache %} joined vary-on values with ':' so ("a:b","c") == ("a","b:c").
  std::string one = fragment(*cache_, "sidebar", render, std::string("a:b"), std::string("c"));
  std::string two = fragment(*cache_, "sidebar", render, std::string("a"), std::string("b:c"));
  EXPECT_NE(one, two);
  EXPECT_EQ(fragment(*cache_, "sidebar", render, std::string("a:b"), std::string("c")), one);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace sitecache
