// The generation counters of namespaces (keys.hpp explains the scheme), cached per handle.
//
// Reading: a generation is read from memcached (incr by 0, which creates the counter with
// a random initial value when it is absent, atomically) and then trusted for refresh_ms.
// Staleness bound: after another process clears a namespace, this handle keeps using the
// old generation for at most refresh_ms (+ one round trip): in that window it can still
// read entries the clear removed, and what it writes lands in the old generation and is
// lost at the next refresh. A clear through this handle is seen by it at once.
//
// Why a random initial value rather than 0 or 1: the counter itself can be evicted by
// memcached's LRU. Recreated from a fixed value, it could return to a generation whose
// entries were cleared before, and bring them back; a random 52-bit start makes that
// practically impossible. (An evicted counter does make its namespace's old entries
// unreachable: a spurious clear, which for a cache is only a cost.)
//
// Thread safety: all members may be called concurrently; a mutex guards the cache map
// (never held during I/O). Two threads refreshing the same namespace at once both read it,
// which is harmless.
#ifndef SITECACHE_PLUGINS_MEMCACHED_GENERATIONS_HPP
#define SITECACHE_PLUGINS_MEMCACHED_GENERATIONS_HPP

#include <libmemcached/memcached.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache_memcached {

namespace sp = sitecache::plugin;

class Generations {
 public:
  explicit Generations(int refresh_ms) : refresh_ms_(refresh_ms) {}

  // The current generation of namespace `ns`, from the cache or from memcached through
  // `client`. UNAVAILABLE when the server holding the counter cannot be reached.
  sp::Status current(memcached_st* client, std::string_view ns, uint64_t& out);
  // Starts a new generation of `ns`: incr by 1 (creating the counter when absent).
  sp::Status advance(memcached_st* client, std::string_view ns);

 private:
  struct Cached {
    uint64_t generation = 0;
    int64_t read_at_ms = 0;  // steady clock
  };
  void remember(std::string_view ns, uint64_t generation);
  static int64_t now_ms();

  const int refresh_ms_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;
};

}  // namespace sitecache_memcached

#endif  // SITECACHE_PLUGINS_MEMCACHED_GENERATIONS_HPP
