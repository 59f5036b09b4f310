// On-disk grammar of one entry file of the file backend.
//
//   entry  = header key value
//   header = 40 bytes, integers little-endian:
//     0  magic        "SCF" followed by the format version byte (1)
//     4  key_size     u32, 1..SC_MAX_KEY_LENGTH
//     8  expires_ms   i64, milliseconds since the Unix epoch, 0 = never
//     16 value_size   u64, the file is exactly 40 + key_size + value_size bytes
//     24 value_hash   u64, XXH3-64 of the value bytes
//     32 header_hash  u64, XXH3-64 of bytes 0..31 followed by the key
//   key   = the key exactly as the host passed it (file names are hashes, see layout.hpp)
//   value = the host's opaque bytes
//
// The core checksums its own envelope too, but the plugin checks its own framing so that a
// truncated, zeroed (e.g. after a power loss without fsync) or hand-edited file is
// recognised as garbage and dropped, never returned or trusted for expiry or eviction.
//
// Version history:
//   1  first version.
#ifndef SITECACHE_FILE_ENTRY_FORMAT_HPP
#define SITECACHE_FILE_ENTRY_FORMAT_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sitecache::file {

inline constexpr size_t kHeaderSize = 40;
// Longest prefix of a file that holds the header and any key: what a keys-only read needs.
inline constexpr size_t kMaxHeadSize = kHeaderSize + 250;

struct EntryHeader {
  int64_t expires_ms = 0;  // 0 = never
  uint64_t value_size = 0;
  uint64_t value_hash = 0;
};

// Serialises the header for `key` and a value whose size and hash are in `header`.
std::array<uint8_t, kHeaderSize> encode_header(const EntryHeader& header, std::string_view key);

// XXH3-64 of a value, as stored in value_hash.
uint64_t hash_value(std::span<const uint8_t> value);

// Parses the head of an entry file. `head` is the first min(file_size, kMaxHeadSize) bytes
// (or more). Returns false for anything that is not a well-formed version-1 header whose
// declared sizes match `file_size`; on success `key` points into `head`.
bool decode_header(std::span<const uint8_t> head, uint64_t file_size, EntryHeader& header,
                   std::string_view& key);

// Whether an entry with this expiry is expired at `now_ms`.
inline bool is_expired(int64_t expires_ms, int64_t now_ms) {
  return expires_ms != 0 && expires_ms <= now_ms;
}

}  // namespace sitecache::file

#endif  // SITECACHE_FILE_ENTRY_FORMAT_HPP
