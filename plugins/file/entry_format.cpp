#include "entry_format.hpp"

#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3_64bits: the widest SIMD variant this CPU runs
#endif

#include <cstring>

#include "sitecache/plugin_abi.h"

namespace sitecache::file {
namespace {

constexpr uint8_t kMagic[4] = {'S', 'C', 'F', 1};
constexpr size_t kHashedHeaderBytes = 32;  // everything before header_hash

void put_u32(uint8_t* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_u64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}
uint64_t get_u64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

// Callers guarantee key.size() <= SC_MAX_KEY_LENGTH.
uint64_t hash_head(const uint8_t* header, std::string_view key) {
  uint8_t buffer[kHashedHeaderBytes + SC_MAX_KEY_LENGTH];
  std::memcpy(buffer, header, kHashedHeaderBytes);
  std::memcpy(buffer + kHashedHeaderBytes, key.data(), key.size());
  return XXH3_64bits(buffer, kHashedHeaderBytes + key.size());
}

}  // namespace

std::array<uint8_t, kHeaderSize> encode_header(const EntryHeader& header, std::string_view key) {
  std::array<uint8_t, kHeaderSize> out{};
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  put_u32(out.data() + 4, static_cast<uint32_t>(key.size()));
  put_u64(out.data() + 8, static_cast<uint64_t>(header.expires_ms));
  put_u64(out.data() + 16, header.value_size);
  put_u64(out.data() + 24, header.value_hash);
  put_u64(out.data() + 32, hash_head(out.data(), key));
  return out;
}

uint64_t hash_value(std::span<const uint8_t> value) {
  return XXH3_64bits(value.data(), value.size());
}

bool decode_header(std::span<const uint8_t> head, uint64_t file_size, EntryHeader& header,
                   std::string_view& key) {
  if (head.size() < kHeaderSize) return false;
  const uint8_t* h = head.data();
  if (std::memcmp(h, kMagic, sizeof(kMagic)) != 0) return false;
  uint32_t key_size = get_u32(h + 4);
  if (key_size == 0 || key_size > SC_MAX_KEY_LENGTH) return false;
  if (head.size() < kHeaderSize + key_size) return false;
  key = std::string_view(reinterpret_cast<const char*>(h + kHeaderSize), key_size);
  if (get_u64(h + 32) != hash_head(h, key)) return false;
  header.expires_ms = static_cast<int64_t>(get_u64(h + 8));
  header.value_size = get_u64(h + 16);
  header.value_hash = get_u64(h + 24);
  if (header.expires_ms < 0) return false;
  // Written as a subtraction so that a huge declared value_size cannot overflow.
  uint64_t head_size = kHeaderSize + key_size;
  return file_size >= head_size && file_size - head_size == header.value_size;
}

}  // namespace sitecache::file
