// The digest a plain string key of the low-level API (cache.set("menu", ...)) maps to:
// KeyBuilder("sitecache.plain-key", 1).add_string(key).finish(), computed in one XXH3
// call over a stack buffer (it runs for every Cache call). tests/unit/test_key.cpp checks
// that the two agree.
#ifndef SITECACHE_FORMAT_PLAIN_KEY_HPP
#define SITECACHE_FORMAT_PLAIN_KEY_HPP

#include <string_view>

#include "sitecache/key.hpp"

namespace sitecache {

Digest plain_key_digest(std::string_view key);

}  // namespace sitecache

#endif  // SITECACHE_FORMAT_PLAIN_KEY_HPP
