// Content-hash keys: a 128-bit XXH3 digest of everything a render step reads.
//
// Inputs are fed as tagged, length-prefixed fields, so ("ab","c") and ("a","bc") never
// collide and a string never collides with the same bytes fed as a file digest. The key
// format is fixed by the golden-value test in tests/unit/test_key.cpp:
//
//   key      := XXH3-128( header field* )
//   header   := "sitecache-key" kKeyFormatVersion:u32le kEntryFormatVersion:u32le
//               field(step, name) field(u64, step_version)
//   field    := tag:u8 length:u64le bytes[length]
//   tag      := 1 bytes | 2 string | 3 i64 | 4 u64 | 5 digest | 6 file content digest
//             | 7 bool | 8 double (IEEE-754 bits) | 9 step name | 10 list begin | 11 list end
//   integers := little-endian two's complement, 8 bytes
//
// Version history of the key format:
//   1  first version.
#ifndef SITECACHE_KEY_HPP
#define SITECACHE_KEY_HPP

#include <array>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "sitecache/export.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

inline constexpr uint32_t kKeyFormatVersion = 1;

// A 128-bit digest in XXH128's canonical (big-endian) byte order.
struct SITECACHE_EXPORT Digest {
  std::array<uint8_t, 16> bytes{};

  // 32 lowercase hex digits.
  std::string hex() const;
  // The same digits appended to `out` (no temporary string).
  void append_hex(std::string& out) const;
  static Result<Digest> from_hex(std::string_view hex);
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

// XXH3-128 of raw bytes (no field framing): what a file's content contributes.
SITECACHE_EXPORT Digest hash_bytes(std::span<const uint8_t> data);
SITECACHE_EXPORT Digest hash_bytes(std::string_view data);
// XXH3-128 of a file's content, streamed. Fails with io / not_found naming the path.
SITECACHE_EXPORT Result<Digest> hash_file(const std::filesystem::path& path);

enum class FieldTag : uint8_t {
  bytes = 1,
  string = 2,
  i64 = 3,
  u64 = 4,
  digest = 5,
  file = 6,
  boolean = 7,
  real = 8,
  step = 9,
  list_begin = 10,
  list_end = 11,
};

// Builds one key. Copyable (copies the hash state), so a common prefix can be fed once and
// extended; not thread-safe.
class SITECACHE_EXPORT KeyBuilder {
 public:
  // Salts the key with the step name, the step's own version and the format versions:
  // bumping step_version invalidates every key of that step.
  KeyBuilder(std::string_view step, uint64_t step_version);
  ~KeyBuilder();
  KeyBuilder(const KeyBuilder& other);
  KeyBuilder& operator=(const KeyBuilder& other);
  KeyBuilder(KeyBuilder&&) noexcept;
  KeyBuilder& operator=(KeyBuilder&&) noexcept;

  KeyBuilder& add_bytes(std::span<const uint8_t> data);
  KeyBuilder& add_string(std::string_view text);
  KeyBuilder& add_int(int64_t value);
  KeyBuilder& add_uint(uint64_t value);
  KeyBuilder& add_bool(bool value);
  KeyBuilder& add_double(double value);
  KeyBuilder& add_digest(const Digest& digest);
  // A file's content digest (as hash_file computes it, or as a stat cache remembers it).
  KeyBuilder& add_file_digest(const Digest& content_digest);
  // Reads and hashes the file. On failure the builder is unchanged and the error returned.
  Status add_file(const std::filesystem::path& path);
  // Brackets a variable-length group so (["a","b"],["c"]) != (["a"],["b","c"]).
  KeyBuilder& begin_list(uint64_t count);
  KeyBuilder& end_list();

  Digest finish() const;

 private:
  // Raw field: tag + length + bytes (every add_* above is one).
  KeyBuilder& add_field(FieldTag tag, std::span<const uint8_t> data);

  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sitecache

#endif  // SITECACHE_KEY_HPP
