#include "base/clock.hpp"

#include <atomic>
#include <cassert>
#include <limits>

namespace sitecache {
namespace {

constexpr int64_t kNoManualClock = std::numeric_limits<int64_t>::min();
std::atomic<int64_t> g_manual_ms{kNoManualClock};

int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int64_t now_ms() {
  const int64_t manual = g_manual_ms.load(std::memory_order_relaxed);
  return manual == kNoManualClock ? system_ms() : manual;
}

ManualClock::ManualClock() : ManualClock(system_ms()) {}

ManualClock::ManualClock(int64_t start_ms) {
  [[maybe_unused]] const int64_t previous = g_manual_ms.exchange(start_ms);
  assert(previous == kNoManualClock && "only one ManualClock at a time");
}

ManualClock::~ManualClock() {
  g_manual_ms.store(kNoManualClock);
}

int64_t ManualClock::now() const {
  return g_manual_ms.load();
}

void ManualClock::advance(std::chrono::milliseconds by) {
  g_manual_ms.fetch_add(by.count());
}

void ManualClock::set(int64_t ms) {
  g_manual_ms.store(ms);
}

}  // namespace sitecache
