// Generations: incr-based namespace counters with a short-lived local cache.
#include "generations.hpp"

#include <chrono>

#include "client.hpp"
#include "keys.hpp"

namespace sitecache_memcached {

namespace {

// Random initial values stay below 2^52 so that incrementing never wraps in practice.
constexpr uint64_t kInitialMask = (uint64_t{1} << 52) - 1;
// Namespaces remembered per handle; the core uses one per cache, so this only bounds
// memory against odd callers.
constexpr size_t kMaxCached = 1024;

uint64_t fresh_initial() {
  return (random_u64() & kInitialMask) | 1;
}

// incr with an initial value. When the counter is absent, memcached creates it with an
// internal add, which fails with NOT_STORED if another client created it at that moment;
// the counter then exists, so one more incr settles it.
memcached_return_t increment(memcached_st* client, const std::string& key, uint64_t offset,
                             uint64_t& value) {
  memcached_return_t rc = MEMCACHED_NOTSTORED;
  for (int attempt = 0; attempt < 3 && rc == MEMCACHED_NOTSTORED; ++attempt) {
    // Expiration 0: the counter never expires (memcached may still evict it, see header).
    rc = memcached_increment_with_initial(client, key.data(), key.size(), offset, fresh_initial(),
                                          0, &value);
  }
  return rc;
}

}  // namespace

int64_t Generations::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Generations::remember(std::string_view ns, uint64_t generation) {
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_[std::string(ns)] = Cached{generation, now_ms()};
}

sp::Status Generations::current(memcached_st* client, std::string_view ns, uint64_t& out) {
  {
    std::lock_guard lock(mutex_);
    auto found = cache_.find(std::string(ns));
    if (found != cache_.end() && now_ms() - found->second.read_at_ms < refresh_ms_) {
      out = found->second.generation;
      return sp::Status::ok();
    }
  }
  const std::string key = generation_key(ns);
  memcached_return_t rc = increment(client, key, 0, out);
  if (rc != MEMCACHED_SUCCESS) return status_of(client, rc, "reading the generation " + key);
  remember(ns, out);
  return sp::Status::ok();
}

sp::Status Generations::advance(memcached_st* client, std::string_view ns) {
  const std::string key = generation_key(ns);
  uint64_t generation = 0;
  memcached_return_t rc = increment(client, key, 1, generation);
  if (rc != MEMCACHED_SUCCESS) return status_of(client, rc, "advancing the generation " + key);
  remember(ns, generation);
  return sp::Status::ok();
}

}  // namespace sitecache_memcached
