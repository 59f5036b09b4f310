// The stat cache's shard format: grammar and version history in stat_cache_format.hpp.
#include "memo/stat_cache_format.hpp"

#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>
#endif

#include <cstring>

namespace sitecache {
namespace {

constexpr char kMagic[6] = {'S', 'C', 'S', 'T', 'A', 'T'};
constexpr size_t kHeaderSize = sizeof kMagic + 1 + 8;
constexpr size_t kChecksumSize = 8;
constexpr size_t kRecordFixedSize = 4 + 5 * 8 + 16;

void put(std::string& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

bool get(std::string_view& in, uint64_t& v, int width) {
  if (in.size() < static_cast<size_t>(width)) return false;
  v = 0;
  for (int i = 0; i < width; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  }
  in.remove_prefix(static_cast<size_t>(width));
  return true;
}

bool get_record(std::string_view& body, std::string& path, RememberedFile& r) {
  uint64_t path_len = 0;
  if (!get(body, path_len, 4) || body.size() < path_len) return false;
  path.assign(body.substr(0, path_len));
  body.remove_prefix(path_len);
  uint64_t mtime = 0, ctime = 0;
  if (!get(body, r.stamp.size, 8) || !get(body, mtime, 8) || !get(body, ctime, 8) ||
      !get(body, r.stamp.inode, 8) || !get(body, r.stamp.device, 8) || body.size() < 16) {
    return false;
  }
  r.stamp.mtime_ns = static_cast<int64_t>(mtime);
  r.stamp.ctime_ns = static_cast<int64_t>(ctime);
  std::memcpy(r.digest.bytes.data(), body.data(), 16);
  body.remove_prefix(16);
  return true;
}

}  // namespace

size_t stat_shard_of(std::string_view path) {
  return static_cast<size_t>(XXH3_64bits(path.data(), path.size()) % kStatCacheShards);
}

std::string stat_shard_name(size_t shard) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[(shard >> 4) & 0xf], kHex[shard & 0xf]};
}

std::string encode_stat_shard(const StatTable& records) {
  std::string out(kMagic, sizeof kMagic);
  out.push_back(static_cast<char>(kStatCacheVersion));
  put(out, records.size(), 8);
  for (const auto& [path, r] : records) {
    put(out, path.size(), 4);
    out += path;
    put(out, r.stamp.size, 8);
    put(out, static_cast<uint64_t>(r.stamp.mtime_ns), 8);
    put(out, static_cast<uint64_t>(r.stamp.ctime_ns), 8);
    put(out, r.stamp.inode, 8);
    put(out, r.stamp.device, 8);
    out.append(reinterpret_cast<const char*>(r.digest.bytes.data()), 16);
  }
  put(out, XXH3_64bits(out.data(), out.size()), 8);
  return out;
}

std::optional<StatTable> decode_stat_shard(std::string_view bytes, size_t shard) {
  if (bytes.size() < kHeaderSize + kChecksumSize) return std::nullopt;
  std::string_view body = bytes.substr(0, bytes.size() - kChecksumSize);
  std::string_view tail = bytes.substr(bytes.size() - kChecksumSize);
  uint64_t checksum = 0;
  if (!get(tail, checksum, 8) || checksum != XXH3_64bits(body.data(), body.size())) {
    return std::nullopt;
  }
  if (std::memcmp(body.data(), kMagic, sizeof kMagic) != 0 ||
      static_cast<uint8_t>(body[sizeof kMagic]) != kStatCacheVersion) {
    return std::nullopt;
  }
  body.remove_prefix(sizeof kMagic + 1);
  uint64_t count = 0;
  // Every record takes at least kRecordFixedSize bytes: a count that cannot fit is a
  // damaged shard, refused before anything is reserved for it.
  if (!get(body, count, 8) || count > body.size() / kRecordFixedSize) return std::nullopt;
  StatTable table;
  table.reserve(static_cast<size_t>(count));
  std::string path;
  for (uint64_t i = 0; i < count; ++i) {
    RememberedFile r;
    if (!get_record(body, path, r) || stat_shard_of(path) != shard) return std::nullopt;
    table.insert_or_assign(path, r);
  }
  if (!body.empty()) return std::nullopt;
  return table;
}

}  // namespace sitecache
