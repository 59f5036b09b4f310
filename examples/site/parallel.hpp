// A minimal parallel loop for independent work items.
#ifndef SITEGEN_PARALLEL_HPP
#define SITEGEN_PARALLEL_HPP

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace sitegen {

// Calls fn(i) for every i in [0, count) on up to `jobs` threads (the caller's included).
// If calls throw, no new items start and the exception of the lowest failing index is
// rethrown after every thread has stopped, so the reported error does not depend on
// scheduling among the items that ran.
template <class Fn>
void parallel_for(size_t count, unsigned jobs, Fn&& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr error;
  size_t error_index = count;
  auto worker = [&] {
    for (size_t i; !failed.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < count;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (i < error_index) {
          error_index = i;
          error = std::current_exception();
        }
        failed = true;
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(1u, jobs), count);
  std::vector<std::jthread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins
  if (error) std::rethrow_exception(error);
}

}  // namespace sitegen

#endif  // SITEGEN_PARALLEL_HPP
