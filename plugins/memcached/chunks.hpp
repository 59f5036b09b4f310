// Values larger than one memcached item: split into chunks under chunk keys (keys.hpp),
// found through a small head item stored under the entry's own key.
//
// Why chunk rather than refuse: memcached's default item limit is 1 MiB (-I), and render
// outputs such as images or search indexes exceed it; failing those with
// INVALID_ARGUMENT would make a shared cache silently useless for exactly the most
// expensive steps. Servers started with a larger -I can say so (option item_size_max) and
// chunk less.
//
// Head item (flags = kChunkedFlags; plain values have flags 0, so a value is only ever
// read as a head when it was written as one), little-endian:
//   magic "SCCK" | version u8 (1) | 3 zero bytes | write id u64 | total size u64 |
//   chunk count u32 | chunk size u32 | XXH3-64 of the whole value u64      (40 bytes)
// Chunk i (0-based) holds bytes [i * chunk size, min(total, (i + 1) * chunk size)).
//
// Writing: all chunks first, under keys containing a fresh random write id, then the head.
// So a reader sees the old head (whose chunks are untouched) or the new one, never a mix;
// a writer that dies midway leaves the old value readable and orphans some chunks, which
// carry the entry's TTL and otherwise age out through memcached's LRU. Removing or
// overwriting an entry orphans its chunks the same way, rather than reading the head
// first; namespace clears orphan everything anyway.
// Reading: the head, then every chunk in one multi-get; a missing chunk (evicted), a size
// mismatch or a checksum mismatch makes the entry a miss, and the head is deleted.
#ifndef SITECACHE_PLUGINS_MEMCACHED_CHUNKS_HPP
#define SITECACHE_PLUGINS_MEMCACHED_CHUNKS_HPP

#include <cstdint>
#include <optional>
#include <string>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache_memcached {

namespace sp = sitecache::plugin;

constexpr uint32_t kChunkedFlags = 0x53430001;  // "SC", 1
constexpr size_t kHeadSize = 40;
// Values of more chunks than this are refused with INVALID_ARGUMENT (about 1 GiB at the
// default item size): a cache entry that large belongs on disk, not in memcached.
constexpr uint32_t kMaxChunks = 1024;

struct ChunkHead {
  uint64_t write_id = 0;
  uint64_t total = 0;
  uint32_t count = 0;
  uint32_t chunk_size = 0;
  uint64_t checksum = 0;
};

std::string encode_head(const ChunkHead& head);
// nullopt unless `bytes` is a well-formed head (magic, version, size, count consistent
// with total and chunk size).
std::optional<ChunkHead> decode_head(sp::Bytes bytes);
uint64_t value_checksum(sp::Bytes value);

}  // namespace sitecache_memcached

#endif  // SITECACHE_PLUGINS_MEMCACHED_CHUNKS_HPP
