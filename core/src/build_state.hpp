// The shared state behind a BuildSession: what memoize records while the build runs.
#ifndef SITECACHE_BUILD_STATE_HPP
#define SITECACHE_BUILD_STATE_HPP

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

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
  std::unordered_map<std::string, size_t> use_index;  // backend key -> position in uses
  CacheCounters counters_at_start;
  bool finished = false;

  enum class Use { hit, miss };
  // Thread-safe. `micros` is the render time a hit saved, or a miss spent. A key used
  // several times in one build is recorded once (as a hit if any use was a hit: the entry
  // was available).
  void record_use(Use use, const std::string& key, const std::string& step, const std::string& slot,
                  uint64_t micros, std::vector<RecordedInput> inputs);
};

}  // namespace sitecache

#endif  // SITECACHE_BUILD_STATE_HPP
