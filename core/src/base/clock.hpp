// Wall-clock time for everything the core stamps or compares: entry creation and expiry,
// build records, maintenance ages. One seam, so that tests move time instead of sleeping.
//
// Durations the core measures (render cost, lease waits, batch age) use
// std::chrono::steady_clock directly and are not affected by the seam.
#ifndef SITECACHE_BASE_CLOCK_HPP
#define SITECACHE_BASE_CLOCK_HPP

#include <chrono>
#include <cstdint>

namespace sitecache {

// Milliseconds since the Unix epoch: the system clock, or a ManualClock's time while one
// is installed. Thread-safe and lock-free.
int64_t now_ms();

// Test seam: while an instance lives, now_ms() returns its time in every thread. At most
// one instance at a time (asserted); not for production code.
class ManualClock {
 public:
  // Starts at the current system time, or at `start_ms`.
  ManualClock();
  explicit ManualClock(int64_t start_ms);
  ~ManualClock();
  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  int64_t now() const;
  void advance(std::chrono::milliseconds by);
  void set(int64_t ms);
};

}  // namespace sitecache

#endif  // SITECACHE_BASE_CLOCK_HPP
