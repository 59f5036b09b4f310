// The shared state behind a BuildSession: what memoize records while the build runs.
#ifndef SITECACHE_BUILD_STATE_HPP
#define SITECACHE_BUILD_STATE_HPP

#include <map>
#include <mutex>
#include <string>

#include "sitecache/build.hpp"
#include "sitecache/cache.hpp"

namespace sitecache {

// Keys of a cache's build records.
std::string build_head_key(const Cache& cache);
std::string build_record_key(const Cache& cache, uint64_t generation);

struct BuildSession::State {
  Cache* cache = nullptr;
  std::mutex mutex;  // guards everything below
  BuildRecord record;
  std::map<std::string, size_t> use_index;  // backend key -> position in record.uses
  CacheCounters counters_at_start;
  bool finished = false;

  // Thread-safe. A key used several times in one build is recorded once (as a hit if
  // any use was a hit: the entry was available).
  void record_use(const std::string& key, const std::string& step, const std::string& slot,
                  bool hit, uint64_t saved_us, uint64_t render_us,
                  const std::vector<RecordedInput>& inputs);
};

}  // namespace sitecache

#endif  // SITECACHE_BUILD_STATE_HPP
