// The shared state behind a BuildSession: what memoize records while the build runs.
#ifndef SITECACHE_MEMO_BUILD_STATE_HPP
#define SITECACHE_MEMO_BUILD_STATE_HPP

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "sitecache/build.hpp"
#include "sitecache/cache.hpp"

namespace sitecache {

// Hidden: nested in an exported class, it would otherwise inherit its visibility.
struct [[gnu::visibility("hidden")]] BuildSession::State {
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

#endif  // SITECACHE_MEMO_BUILD_STATE_HPP
