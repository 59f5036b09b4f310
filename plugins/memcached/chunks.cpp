// Head encoding of chunks.hpp.
#include "chunks.hpp"

#include <xxhash.h>

namespace sitecache_memcached {

namespace {

constexpr char kMagic[4] = {'S', 'C', 'C', 'K'};
constexpr uint8_t kVersion = 1;

void put(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

uint64_t take(const uint8_t* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(in[i]) << (8 * i);
  return value;
}

}  // namespace

std::string encode_head(const ChunkHead& head) {
  std::string out(kMagic, sizeof(kMagic));
  out += static_cast<char>(kVersion);
  out.append(3, '\0');
  put(out, head.write_id, 8);
  put(out, head.total, 8);
  put(out, head.count, 4);
  put(out, head.chunk_size, 4);
  put(out, head.checksum, 8);
  return out;
}

std::optional<ChunkHead> decode_head(sp::Bytes bytes) {
  if (bytes.size() != kHeadSize) return std::nullopt;
  const uint8_t* p = bytes.data();
  for (size_t i = 0; i < sizeof(kMagic); ++i) {
    if (p[i] != static_cast<uint8_t>(kMagic[i])) return std::nullopt;
  }
  if (p[4] != kVersion) return std::nullopt;
  ChunkHead head;
  head.write_id = take(p + 8, 8);
  head.total = take(p + 16, 8);
  head.count = static_cast<uint32_t>(take(p + 24, 4));
  head.chunk_size = static_cast<uint32_t>(take(p + 28, 4));
  head.checksum = take(p + 32, 8);
  if (head.chunk_size == 0 || head.count == 0 || head.count > kMaxChunks) return std::nullopt;
  if ((head.total + head.chunk_size - 1) / head.chunk_size != head.count) return std::nullopt;
  return head;
}

uint64_t value_checksum(sp::Bytes value) {
  return XXH3_64bits(value.data(), value.size());
}

}  // namespace sitecache_memcached
