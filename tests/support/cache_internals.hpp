// Test access to a Cache's internals through the core's own seam (CacheInternals):
// backend keys, raw reads and adds that bypass the public API's on_error policy.
#ifndef SITECACHE_TESTS_SUPPORT_CACHE_INTERNALS_HPP
#define SITECACHE_TESTS_SUPPORT_CACHE_INTERNALS_HPP

#include <optional>
#include <string>
#include <string_view>

#include "cache/cache_impl.hpp"
#include "format/plain_key.hpp"

namespace sitecache::testing {

inline CacheImpl& internals(Cache& cache) {
  return CacheInternals::of(cache);
}

// The backend key of a plain key, and of a digest (memoize's step_key).
inline std::string backend_key(Cache& cache, std::string_view plain_key) {
  return internals(cache).keys.entry(plain_key_digest(plain_key));
}
inline std::string backend_key(Cache& cache, const Digest& digest) {
  return internals(cache).keys.entry(digest);
}

// The verified entry stored under a digest, if any.
inline Result<std::optional<StoredValue>> fetch(Cache& cache, const Digest& digest) {
  return internals(cache).read(backend_key(cache, digest));
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_SUPPORT_CACHE_INTERNALS_HPP
