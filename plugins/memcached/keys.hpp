// Every memcached key the plugin uses, defined in one place.
//
// memcached cannot list or delete keys by prefix, so clear(prefix) works by namespace
// generations: each namespace has a counter, and an entry's real key contains the
// counter's value at the time it was written. Bumping the counter makes every entry of
// the namespace unreachable at once; memcached's LRU (or the entries' TTL) reclaims them.
//
//   namespace      of a host key: its text up to and including the first ':' ("blog:" for
//                  "blog:1:0123..."); "" for a key without ':'. The core's keys are
//                  "<key_prefix>:<version>:<hex>" and it clears "<key_prefix>:", exactly
//                  one namespace.
//   generation key "ns:" + namespace; "ns#" + 32 hex digits of XXH3-128(namespace) when
//                  that would exceed 250 bytes. Holds the counter as decimal text (what
//                  memcached's incr works on), stored without expiry.
//   entry key      decimal(generation) + ":" + host key; decimal(generation) + "#" + 32
//                  hex digits of XXH3-128(host key) when that would exceed 250 bytes.
//   chunk key      "ck:" + 16 hex digits of the write id + ":" + decimal(chunk index).
// The forms cannot collide: entry keys start with a digit, generation keys with "ns",
// chunk keys with "ck"; the character after the generation's digits tells a verbatim key
// (':') from a hashed one ('#'). Every key is printable ASCII without spaces, <= 250 bytes.
#ifndef SITECACHE_PLUGINS_MEMCACHED_KEYS_HPP
#define SITECACHE_PLUGINS_MEMCACHED_KEYS_HPP

#include <cstdint>
#include <string>
#include <string_view>

namespace sitecache_memcached {

constexpr size_t kMaxKeyLength = 250;

std::string_view namespace_of(std::string_view key);
std::string generation_key(std::string_view ns);
std::string entry_key(uint64_t generation, std::string_view key);
std::string chunk_key(uint64_t write_id, uint32_t index);

// A random 64-bit number, different on every call within a process (a counter through a
// bijective mixer, seeded once from std::random_device). Thread-safe.
uint64_t random_u64();

}  // namespace sitecache_memcached

#endif  // SITECACHE_PLUGINS_MEMCACHED_KEYS_HPP
