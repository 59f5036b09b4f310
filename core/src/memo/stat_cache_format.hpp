// The stat cache on disk: a directory of 256 shard files, each a table of
// path -> (size, mtime, ctime, inode, device, digest).
//
// Layout: <state>/<xx>, where xx is the lowercase hex of the low byte of XXH3-64(path).
// A process reads only the shards of the paths it looks up and writes only the shards it
// changed, so a short-lived process (`sitecache exec` under make) costs O(its own files)
// rather than O(every file the site has), and concurrent writers rarely touch one shard.
//
// Shard grammar (integers little-endian):
//   shard    := magic "SCSTAT" version:u8 count:u64 record{count} checksum
//   record   := path_len:u32 path size:u64 mtime_ns:i64 ctime_ns:i64 inode:u64 device:u64
//               digest:16
//   checksum := XXH3-64 of every byte before it, u64
// A shard that fails any check (checksum, magic, version, a record running past the end,
// trailing bytes, a record that belongs to another shard) decodes to nothing: it is
// ignored and rewritten on the next save, never trusted.
//
// Version history:
//   1  one file holding every record (the whole table read and written by each process)
//   2  256 shard files in a directory, same record layout; a version 1 file at the
//      state path is replaced by the directory on the first save.
#ifndef SITECACHE_MEMO_STAT_CACHE_FORMAT_HPP
#define SITECACHE_MEMO_STAT_CACHE_FORMAT_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sitecache/key.hpp"

namespace sitecache {

inline constexpr uint8_t kStatCacheVersion = 2;
inline constexpr size_t kStatCacheShards = 256;

// What identifies a file's content without reading it.
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  bool operator==(const FileStamp&) const = default;
};

struct RememberedFile {
  FileStamp stamp;
  Digest digest;
  bool operator==(const RememberedFile&) const = default;
};

using StatTable = std::unordered_map<std::string, RememberedFile>;

// The shard a path's record lives in.
size_t stat_shard_of(std::string_view path);
// The shard's file name: two lowercase hex digits.
std::string stat_shard_name(size_t shard);

std::string encode_stat_shard(const StatTable& records);
// nullopt when the bytes are not a valid shard number `shard` (see the grammar).
std::optional<StatTable> decode_stat_shard(std::string_view bytes, size_t shard);

}  // namespace sitecache

#endif  // SITECACHE_MEMO_STAT_CACHE_FORMAT_HPP
