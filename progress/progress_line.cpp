#include "progress_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace sitecache::progress {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// "3s", "1m20s", "2h5m": an estimate needs no more than two units.
std::string eta_text(Clock::duration remaining) {
  const int64_t s = duration_cast<std::chrono::seconds>(remaining).count();
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
}

// Cuts `text` to at most `width` columns without splitting a UTF-8 sequence (every code
// point counts as one column: labels are paths and names, not wide scripts).
void cut_to_width(std::string& text, size_t width) {
  size_t columns = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte
    if (++columns > width) {
      text.resize(i);
      return;
    }
  }
}

size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

void write_stderr(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0) return;  // progress is best effort: a closed terminal loses nothing else
    text.remove_prefix(static_cast<size_t>(n));
  }
}

constexpr std::string_view kEraseLine = "\r\033[K";

// Settings with every seam filled: stderr and the steady clock where none was given.
ProgressSettings completed(ProgressSettings settings) {
  if (!settings.write) settings.write = write_stderr;
  if (!settings.now) settings.now = [] { return Clock::now(); };
  return settings;
}

}  // namespace

Display progress_display(OutputMode mode) {
  return mode == OutputMode::human && isatty(STDERR_FILENO) == 1 ? Display::on : Display::off;
}

std::string progress_text(std::string_view label, uint64_t done, uint64_t total,
                          std::string_view detail, Clock::duration elapsed, size_t width) {
  std::string text = std::string(label) + ": " + std::to_string(done);
  if (total > 0) {
    text += "/" + std::to_string(total) + " " + std::to_string(done * 100 / total) + "%";
  }
  if (!detail.empty()) text += ", " + std::string(detail);
  if (total > done && done > 0 && elapsed.count() > 0) {
    const double per_item = static_cast<double>(elapsed.count()) / static_cast<double>(done);
    const auto remaining =
        Clock::duration(static_cast<Clock::rep>(per_item * static_cast<double>(total - done)));
    text += ", ETA " + eta_text(remaining);
  }
  cut_to_width(text, width);
  return text;
}

ProgressSettings terminal_settings() {
  ProgressSettings settings;
  if (const char* delay = std::getenv("SITECACHE_PROGRESS_DELAY_MS"); delay && *delay) {
    char* end = nullptr;
    const long long ms = std::strtoll(delay, &end, 10);
    if (*end == '\0' && ms >= 0) settings.delay = milliseconds(ms);
  }
  return completed(std::move(settings));
}

ProgressLine::ProgressLine(std::string label, Display display, ProgressSettings settings)
    : enabled_(display == Display::on),
      settings_(completed(std::move(settings))),
      start_(settings_.now()),
      label_(std::move(label)),
      phase_start_(start_) {}

ProgressLine::~ProgressLine() {
  finish();
}

void ProgressLine::begin_phase(std::string label) {
  std::lock_guard lock(draw_mutex_);
  label_ = std::move(label);
  phase_start_ = settings_.now();
}

bool ProgressLine::due_at(Clock::time_point now) const {
  if (!enabled_ || finished_.load()) return false;
  const Clock::duration since_start = now - start_;
  if (since_start < settings_.delay) return false;
  if (!drawn_.load()) return true;
  return since_start - Clock::duration(last_draw_.load()) >= settings_.interval;
}

bool ProgressLine::due() const {
  return enabled_ && due_at(settings_.now());
}

void ProgressLine::update(uint64_t done, uint64_t total, std::string_view detail) {
  if (!enabled_) return;
  const Clock::time_point now = settings_.now();
  if (!due_at(now)) return;
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !due_at(now)) return;
  // One column is left free: writing the last one makes some terminals wrap.
  const size_t width = (settings_.width > 0 ? settings_.width : terminal_width()) - 1;
  settings_.write(std::string(kEraseLine) +
                  progress_text(label_, done, total, detail, now - phase_start_, width));
  last_draw_ = (now - start_).count();
  drawn_ = true;
}

void ProgressLine::finish() {
  if (!enabled_) return;
  std::lock_guard lock(draw_mutex_);
  if (finished_.exchange(true)) return;
  if (drawn_.load()) settings_.write(kEraseLine);
}

}  // namespace sitecache::progress
