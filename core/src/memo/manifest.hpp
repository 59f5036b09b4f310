// The value of a file step's entry (outputs.hpp): the step's small result and, per output,
// where its bytes are. The envelope around it has flags bit 1 and lists the blobs it
// references (format/entry_format.hpp), so maintenance finds them without decoding this.
//
// Grammar (integers little-endian):
//
//   manifest := "SCMF" version:u8 value:bytes count:u32 output{count}
//   output   := path:str mode:u32 size:u64 digest:u8[16] storage:u8 [data]
//                 storage 0: inline, data := byte[size] follows
//                 storage 1: blob, stored under KeySpace::blob(digest); no data here
//                 mode: the permission bits (07777) to give the file when written
//   bytes    := length:u64 byte[length]
//   str      := length:u32 byte[length]            a path, at most 4096 bytes
//
// A manifest that fails any check (short, wrong magic or version, a length past the
// end, trailing bytes, an unknown storage, an inline output whose data does not hash to
// its digest) is corruption: the entry is a miss.
//
// Version history:
//   1  first version.
#ifndef SITECACHE_MEMO_MANIFEST_HPP
#define SITECACHE_MEMO_MANIFEST_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/key.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

inline constexpr uint8_t kManifestVersion = 1;
inline constexpr size_t kMaxManifestPath = 4096;

struct ManifestOutput {
  std::string path;
  uint32_t mode = 0644;
  uint64_t size = 0;
  Digest digest;
  enum class Storage : uint8_t { inline_bytes = 0, blob = 1 };
  Storage storage = Storage::inline_bytes;
  std::string data;  // the bytes, when inline
};

struct Manifest {
  std::string value;
  std::vector<ManifestOutput> outputs;

  std::string encode() const;
  static Result<Manifest> decode(std::string_view bytes);
  // The digests of the blob outputs (what the envelope lists as references).
  std::vector<Digest> blobs() const;
};

}  // namespace sitecache

#endif  // SITECACHE_MEMO_MANIFEST_HPP
