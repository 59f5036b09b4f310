// One progress line on a terminal, shared by the `sitecache` command and the example site
// generator (examples/site). Not part of the library: a small static helper for programs.
//
// Contract:
//   - nothing is ever written unless the line was constructed enabled; callers enable it
//     only when stderr is a terminal and no --json or --quiet was asked for
//     (progress_display), so piped and captured output never contains progress;
//   - the line is first drawn once the work has run for `delay` (one second unless
//     $SITECACHE_PROGRESS_DELAY_MS says otherwise), so short work shows nothing;
//   - it is redrawn at most once per `interval` (a tenth of a second), in place ("\r" and
//     erase-to-end-of-line), cut to the terminal's width so that it never wraps;
//   - finish() (or the destructor) erases it, leaving the cursor where the line began.
//   - update() may be called from any thread and as often as the work likes: a call that
//     finds another thread drawing returns at once (a worker never waits on the terminal).
#ifndef SITECACHE_PROGRESS_PROGRESS_LINE_HPP
#define SITECACHE_PROGRESS_PROGRESS_LINE_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace sitecache::progress {

using Clock = std::chrono::steady_clock;

// Whether a line is drawn at all.
enum class Display { off, on };
// What the user asked of a program's output: text for people, or machine output (--json)
// or silence (--quiet), which never carry progress.
enum class OutputMode { human, json_or_quiet };

// Display::on when stderr is a terminal and `mode` is OutputMode::human.
Display progress_display(OutputMode mode);

// "label: 1200/5000 24%, 980 hits, ETA 3s": `total` 0 means unknown (then only the count),
// `detail` is appended when not empty, and the ETA (from the rate so far) appears once
// some items are done. Cut to `width` columns.
std::string progress_text(std::string_view label, uint64_t done, uint64_t total,
                          std::string_view detail, Clock::duration elapsed, size_t width);

struct ProgressSettings {
  Clock::duration delay = std::chrono::seconds(1);
  Clock::duration interval = std::chrono::milliseconds(100);
  // Where the line goes and what time it is (unset: stderr, unbuffered, and the steady
  // clock): seams for tests.
  std::function<void(std::string_view)> write;
  std::function<Clock::time_point()> now;
  size_t width = 0;  // 0: the terminal's width (80 when it cannot be asked)
};

// The settings of a real terminal: stderr, the steady clock, the delay from
// $SITECACHE_PROGRESS_DELAY_MS when set.
ProgressSettings terminal_settings();

class ProgressLine {
 public:
  ProgressLine(std::string label, Display display, ProgressSettings settings = terminal_settings());
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Work in phases: from now on the line is labelled `label`, and the ETA is measured
  // from this moment (the first-draw delay still counts from construction).
  void begin_phase(std::string label);
  // Whether update() would draw now: lets a caller skip building an expensive detail.
  bool due() const;
  void update(uint64_t done, uint64_t total, std::string_view detail = {});
  // Erases the line if it was drawn. Later updates are ignored.
  void finish();

 private:
  bool due_at(Clock::time_point now) const;

  const bool enabled_;
  const ProgressSettings settings_;
  const Clock::time_point start_;
  std::mutex draw_mutex_;  // one writer at a time; guards the terminal and the phase
  std::string label_;
  Clock::time_point phase_start_;
  // Read without the mutex by due(); written under it.
  std::atomic<Clock::rep> last_draw_{0};  // since start_; valid once drawn_
  std::atomic<bool> drawn_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace sitecache::progress

#endif  // SITECACHE_PROGRESS_PROGRESS_LINE_HPP
