// The stored form of a build record: a flat binary layout read in place, so that the
// record of a 10,000-page build opens in well under a millisecond (one checksum pass and
// bounds checks, no parsing into objects) and a step can be looked up by (step, slot).
//
// Grammar (integers little-endian, no alignment assumed: fields are read with memcpy):
//
//   record      := header strings steps uses inputs outputs slot_index checksum
//   header      := "SCBR" version:u8 reserved:u8[3]                       (8 bytes)
//                  generation:u64 started_ms:i64 ended_ms:i64 hits:u64 misses:u64
//                  errors:u64 bytes_read:u64 bytes_written:u64 saved_us:u64
//                  render_us:u64 rejected:u64                           (88 bytes)
//                  cache:str string_bytes:u32 string_count:u32 step_count:u32
//                  use_count:u32 input_count:u32 output_count:u32       (28 bytes)
//   strings     := offset:u32[string_count + 1] byte[string_bytes]
//                  string i is bytes[offset[i], offset[i + 1]); offset[0] = 0, the
//                  offsets never decrease, the last one is string_bytes
//   steps       := (name:str hits:u64 misses:u64 saved_us:u64 render_us:u64)[step_count]
//   uses        := (key:str step:str slot:str parent:i32 flags:u32 first_input:u32
//                   input_count:u32 first_output:u32 output_count:u32
//                   cost_us:u64 not_stored:str)[use_count]
//                  parent: -1, or the index of an earlier use; flags bit 0: hit, the
//                  other bits 0; the input and output ranges lie within their tables
//   inputs      := (name:str digest:u8[8])[input_count]
//   outputs     := (path:str mode:u32 digest:u8[16] size:u64 mtime_ns:i64
//                   inode:u64 ctime_ns:i64)[output_count]
//   slot_index  := (hash:u64 use:u32 reserved:u32)[use_count], sorted by (hash, use);
//                  hash = XXH3-64(step "\0" slot) of the use it names
//   checksum    := XXH3-64 of every byte before it, u64
//   str         := u32, an index into strings
//
// A record that fails any check (size, magic, version, checksum, a count or a range that
// does not fit, an unsorted index) is rejected whole: it reads as corruption, never as a
// partial history.
//
// Version history:
//   1  JSON (docs/json.md "build record"), written by sitecache 0.1; still read.
//   2  this binary layout; adds each use's outputs and parent. Still read (rejected: 0).
//   3  adds rejected:u64 after render_us (reads refused by signature checks). Still read
//      (ctime_ns: 0).
//   4  adds ctime_ns:i64 to each output: an output edited by hand and given back its
//      mtime (same size, same inode) no longer passes for unchanged.
#ifndef SITECACHE_FORMAT_BUILD_RECORD_FORMAT_HPP
#define SITECACHE_FORMAT_BUILD_RECORD_FORMAT_HPP

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sitecache/build.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

inline constexpr uint8_t kBuildRecordFormatVersion = 4;

// Encodes a record in the layout above.
std::string encode_build_record(const BuildRecord& record);

// Whether stored bytes are a binary record (they may also be a version-1 JSON record).
bool is_binary_build_record(std::string_view bytes);

// A validated binary record, read in place. The bytes must outlive the view; the view is
// immutable and may be shared between threads.
class BuildRecordView {
 public:
  // Validates everything the grammar requires; corruption otherwise.
  static Result<BuildRecordView> open(std::string_view bytes);

  struct Input {
    std::string_view name;
    uint64_t digest = 0;  // the first 64 bits of the input's typed digest
  };
  struct Use {
    std::string_view key, step, slot;
    int32_t parent = -1;
    bool hit = false;
    uint32_t first_input = 0, input_count = 0, first_output = 0, output_count = 0;
    uint64_t cost_us = 0;
    std::string_view not_stored;
  };

  uint64_t generation() const;
  size_t use_count() const { return use_count_; }
  Use use(size_t index) const;
  Input input(size_t index) const;
  RecordedOutput output(size_t index) const;
  // The use of `step` for `slot`, if the record has one (the first, for duplicates).
  std::optional<size_t> find(std::string_view step, std::string_view slot) const;

  // The whole record as objects (for the CLI and maintenance).
  BuildRecord materialize() const;

 private:
  explicit BuildRecordView(std::string_view bytes) : bytes_(bytes) {}
  std::string_view string(uint32_t index) const;
  Status validate();

  std::string_view bytes_;
  uint32_t string_count_ = 0, step_count_ = 0, use_count_ = 0, input_count_ = 0, output_count_ = 0;
  size_t tables_at_ = 0;    // where the header's table sizes start (by version)
  size_t output_size_ = 0;  // bytes per output row (by version)
  size_t offsets_at_ = 0, string_bytes_at_ = 0, steps_at_ = 0, uses_at_ = 0, inputs_at_ = 0,
         outputs_at_ = 0, index_at_ = 0;
};

// The first 64 bits of a hex digest as recorded (RecordedInput::digest), and back.
uint64_t input_digest_bits(std::string_view hex16);
std::string input_digest_hex(uint64_t bits);

}  // namespace sitecache

#endif  // SITECACHE_FORMAT_BUILD_RECORD_FORMAT_HPP
