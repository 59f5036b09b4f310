// The progress line through its seams (a fake clock and a captured terminal): when it is
// drawn, how often, what it says, and that it is erased. tty_progress.py runs the real
// programs on a pseudo-terminal.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "progress_line.hpp"

namespace sitecache::progress {
namespace {

using namespace std::chrono_literals;

struct FakeTerminal {
  Clock::time_point now{};
  std::vector<std::string> writes;

  ProgressSettings settings() {
    ProgressSettings s;
    s.write = [this](std::string_view text) { writes.emplace_back(text); };
    s.now = [this] { return now; };
    s.width = 60;
    return s;
  }
};

TEST(ProgressText, CountPercentDetailAndEta) {
  EXPECT_EQ(progress_text("ls", 1200, 0, "", 2s, 80), "ls: 1200");
  EXPECT_EQ(progress_text("gc", 0, 10, "", 2s, 80), "gc: 0/10 0%");
  // 250 done in 5 s: 750 more take 15 s.
  EXPECT_EQ(progress_text("sitegen", 250, 1000, "7 cache hits", 5s, 80),
            "sitegen: 250/1000 25%, 7 cache hits, ETA 15s");
  EXPECT_EQ(progress_text("x", 1, 100, "", 2s, 80), "x: 1/100 1%, ETA 3m18s");
  EXPECT_EQ(progress_text("x", 1, 10000, "", 2s, 80), "x: 1/10000 0%, ETA 5h33m");
  EXPECT_EQ(progress_text("x", 10, 10, "", 2s, 80), "x: 10/10 100%") << "no ETA when done";
}

TEST(ProgressText, CutToWidthWithoutSplittingCharacters) {
  EXPECT_EQ(progress_text("listing caché", 5, 0, "", 1s, 12), "listing cach");
  EXPECT_EQ(progress_text("listing caché", 5, 0, "", 1s, 13), "listing caché");
}

TEST(ProgressLine, DisabledWritesNothing) {
  FakeTerminal terminal;
  {
    ProgressLine line("ls", Display::off, terminal.settings());
    terminal.now += 5s;
    EXPECT_FALSE(line.due());
    line.update(1, 2);
  }
  EXPECT_TRUE(terminal.writes.empty());
}

TEST(ProgressLine, ShortWorkShowsNothing) {
  FakeTerminal terminal;
  {
    ProgressLine line("ls", Display::on, terminal.settings());
    terminal.now += 999ms;
    line.update(1, 2);
  }
  EXPECT_TRUE(terminal.writes.empty()) << "not drawn before the delay, so nothing to erase";
}

TEST(ProgressLine, DrawnAfterTheDelayAtMostTenTimesASecondThenErased) {
  FakeTerminal terminal;
  ProgressLine line("gc", Display::on, terminal.settings());
  terminal.now += 1s;
  for (int ms = 0; ms < 1000; ++ms) {  // an update every millisecond for a second
    line.update(static_cast<uint64_t>(ms), 1000);
    terminal.now += 1ms;
  }
  EXPECT_EQ(terminal.writes.size(), 10u);
  EXPECT_EQ(terminal.writes.front(), "\r\033[Kgc: 0/1000 0%");
  line.finish();
  EXPECT_EQ(terminal.writes.back(), "\r\033[K");
  line.update(999, 1000);
  line.finish();
  EXPECT_EQ(terminal.writes.size(), 11u) << "nothing after finish";
}

TEST(ProgressLine, PhasesRelabelAndRestartTheEta) {
  FakeTerminal terminal;
  ProgressLine line("sitegen", Display::on, terminal.settings());
  terminal.now += 10s;
  line.begin_phase("sitegen: rendering");
  terminal.now += 2s;
  line.update(50, 100);
  ASSERT_EQ(terminal.writes.size(), 1u);
  EXPECT_EQ(terminal.writes[0], "\r\033[Ksitegen: rendering: 50/100 50%, ETA 2s");
}

TEST(ProgressLine, ConcurrentUpdatersNeverInterleaveALine) {
  ProgressSettings settings;
  std::vector<std::string> writes;
  settings.write = [&](std::string_view text) { writes.emplace_back(text); };
  settings.delay = 0ms;
  settings.interval = 0ms;
  settings.width = 80;
  ProgressLine line("work", Display::on, settings);
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) line.update(static_cast<uint64_t>(i), 2000);
    });
  }
  threads.clear();
  line.finish();
  ASSERT_GE(writes.size(), 2u);
  for (size_t i = 0; i + 1 < writes.size(); ++i) {
    EXPECT_TRUE(writes[i].starts_with("\r\033[Kwork: ")) << writes[i];
  }
  EXPECT_EQ(writes.back(), "\r\033[K");
}

}  // namespace
}  // namespace sitecache::progress
