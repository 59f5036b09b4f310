// The entry envelope: how every value is stored, whatever the backend.
//
// Grammar (all integers little-endian):
//
//   entry     := magic version header metadata payload checksum
//   magic     := "SCE"                               3 bytes
//   version   := u8                                  kEntryFormatVersion
//   header    := flags:u8 created_ms:i64 expires_ms:i64 generation:u64 cost_us:u64
//                raw_size:u64
//                  flags bit 0: payload is one zstd frame
//                  flags bit 1: the value is a file manifest (memo/manifest.hpp) and the
//                               metadata ends with the blobs it references
//                  other bits must be 0
//                  expires_ms 0 = never expires
//                  raw_size = size of the value after decompression
//   metadata  := label:str slot:str tag_count:u16 tag:str{tag_count} [references]
//   references:= count:u16 digest:u8[16]{count}       only with flags bit 1
//   str       := length:u32 bytes[length]            each at most kMaxMetaString bytes
//   payload   := length:u64 bytes[length]
//   checksum  := XXH3-64 over every byte before it, u64
//
// Decoding rejects (as StatusCode::corruption): short input, wrong magic, another version,
// unknown flag bits, any length running past the end, trailing bytes, a checksum
// mismatch, a zstd frame that fails or decodes to other than raw_size bytes, a raw
// payload whose length differs from raw_size, or a raw_size over the reader's limit
// (max_value_size), which is checked before the value is copied or inflated. A rejected
// entry is never returned.
//
// Version history:
//   1    first version.
//   1.1  flags bit 1 (file manifests and their blob references). The version byte stays
//        1: a 1.0 reader refuses the unknown flag, so it treats such an entry as corrupt
//        (a miss) and never misreads it, while keys, and so every stored entry, stay
//        valid across the upgrade.
#ifndef SITECACHE_FORMAT_ENTRY_FORMAT_HPP
#define SITECACHE_FORMAT_ENTRY_FORMAT_HPP

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/key.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

inline constexpr uint32_t kEntryFormatVersion = 1;
inline constexpr size_t kMaxMetaString = 64 * 1024;
inline constexpr size_t kMaxTags = 1024;
// The format's limit on a value (raw_size); a reader's own limit (a cache's
// max_value_size, config.hpp) is usually far lower and is checked before anything is
// allocated for the value.
inline constexpr uint64_t kMaxValueSize = uint64_t{1} << 31;

struct EntryMeta {
  int64_t created_ms = 0;
  int64_t expires_ms = 0;   // 0 = never
  uint64_t generation = 0;  // build generation that stored it (0 = outside a build)
  uint64_t cost_us = 0;     // how long the render took
  uint64_t raw_size = 0;    // filled by encode/decode
  bool compressed = false;  // filled by encode/decode
  std::string label;        // original plain key, or step name for memoized renders
  std::string slot;         // logical identity (e.g. source path); may be empty
  std::vector<std::string> tags;
  // The value is a file manifest; `references` are the blobs it names (flags bit 1).
  bool files = false;
  std::vector<Digest> references;
};

struct DecodedEntry {
  EntryMeta meta;
  std::string value;
};

enum class PayloadCompression { none, zstd };

// Encodes an entry. With PayloadCompression::zstd the payload is compressed only when
// that is worthwhile (value of at least kMinCompressSize bytes and the frame saves at
// least 1/16). Metadata strings longer than kMaxMetaString are truncated.
std::string encode_entry(const EntryMeta& meta, std::string_view value,
                         PayloadCompression compression);

inline constexpr size_t kMinCompressSize = 256;

// Full decode and verification: take_entry() then finish_entry(). An entry whose value
// is larger than `max_value_size` is refused as corruption before its value is copied or
// inflated.
Result<DecodedEntry> decode_entry(std::span<const uint8_t> bytes,
                                  uint64_t max_value_size = kMaxValueSize);
Result<DecodedEntry> decode_entry(std::string_view bytes, uint64_t max_value_size = kMaxValueSize);

// Decoding in two steps, for bytes that are only readable during a backend call.
// take_entry() verifies the entry where the backend holds it (checksum over the
// backend's bytes, which the payload copy then reads from cache) and copies the payload
// once, into the string the value is returned in; finish_entry() decompresses after the
// backend call.
struct VerifiedEntry {
  EntryMeta meta;
  std::string payload;  // as stored: the value, or its zstd frame
};
// Every check decode_entry makes except the zstd frame's, with the same messages.
// `bytes` need not outlive the call.
Result<VerifiedEntry> take_entry(std::span<const uint8_t> bytes,
                                 uint64_t max_value_size = kMaxValueSize);
// The value: the moved payload when stored uncompressed, else the inflated frame
// (corruption when it does not inflate to exactly raw_size bytes). A frame is inflated
// in steps of at most 1 MiB, and the value grows only as the frame yields bytes: a
// frame that claims more than it holds costs what it holds, not what it claims.
Result<DecodedEntry> finish_entry(VerifiedEntry&& entry);

// Verifies the checksum and parses the header and metadata without decompressing.
Result<EntryMeta> decode_entry_meta(std::span<const uint8_t> bytes);

// A verified entry read in place: the payload as stored (raw, or one zstd frame) points
// into `bytes`, for callers that stream it somewhere (a file) without copying it first.
struct EntryView {
  EntryMeta meta;
  std::span<const uint8_t> payload;
};
Result<EntryView> view_entry(std::span<const uint8_t> bytes,
                             uint64_t max_value_size = kMaxValueSize);

// Building an entry around a large payload without copying it: reserve() returns the
// entry with `capacity` payload bytes to fill at payload_at; seal() records how many were
// filled (and whether they are a zstd frame of raw_size bytes), drops the rest and
// appends the checksum.
struct EntryUnderConstruction {
  std::string bytes;
  size_t payload_at = 0;
};
EntryUnderConstruction reserve_entry(const EntryMeta& meta, size_t capacity);
// A sealed entry holding `raw` as one zstd frame, or nullopt when compressing does not pay:
// `raw` is below kMinCompressSize, or its first 64 KiB do not shrink by 1/16 (already
// compressed images, archives). A large incompressible output is thus read only once.
std::optional<std::string> encode_compressed_entry(const EntryMeta& meta,
                                                   std::span<const uint8_t> raw);
void seal_entry(EntryUnderConstruction& entry, size_t payload_size, PayloadCompression stored_as,
                uint64_t raw_size);

}  // namespace sitecache

#endif  // SITECACHE_FORMAT_ENTRY_FORMAT_HPP
