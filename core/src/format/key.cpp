#include "sitecache/key.hpp"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3 through the widest SIMD variant this CPU runs
#endif

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <memory>
#include <vector>

#include "format/entry_format.hpp"
#include "format/plain_key.hpp"

namespace sitecache {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr size_t kReadChunk = 1 << 16;

void put_u64le(uint8_t* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

Digest from_hash(XXH128_hash_t hash) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  Digest digest;
  std::memcpy(digest.bytes.data(), canonical.digest, 16);
  return digest;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Digest::hex() const {
  std::string out;
  append_hex(out);
  return out;
}

void Digest::append_hex(std::string& out) const {
  const size_t at = out.size();
  out.resize(at + 32);
  for (size_t i = 0; i < 16; ++i) {
    out[at + 2 * i] = kHexDigits[bytes[i] >> 4];
    out[at + 2 * i + 1] = kHexDigits[bytes[i] & 0xF];
  }
}

Result<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != 32) {
    return Status(StatusCode::invalid_argument,
                  "a digest is 32 hex digits, got " + std::to_string(hex.size()) + " characters");
  }
  Digest digest;
  for (size_t i = 0; i < 16; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status(StatusCode::invalid_argument, "not a hex digest: '" + std::string(hex) + "'");
    }
    digest.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return digest;
}

Digest hash_bytes(std::span<const uint8_t> data) {
  return from_hash(XXH3_128bits(data.data(), data.size()));
}

Digest hash_bytes(std::string_view data) {
  return from_hash(XXH3_128bits(data.data(), data.size()));
}

Result<Digest> hash_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Status(err == ENOENT ? StatusCode::not_found : StatusCode::io,
                  "cannot read " + path.string() + ": " + std::strerror(err));
  }
  // A reused per-thread buffer: allocating and zeroing one per file dominated hashing
  // small files.
  thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  while (true) {
    ssize_t n = ::read(fd, buffer.get(), kReadChunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status(StatusCode::io, "cannot read " + path.string() + ": " + std::strerror(err));
    }
    XXH3_128bits_update(&state, buffer.get(), static_cast<size_t>(n));
  }
  ::close(fd);
  return from_hash(XXH3_128bits_digest(&state));
}

struct KeyBuilder::State {
  XXH3_state_t xxh;
};

KeyBuilder::KeyBuilder(std::string_view step, uint64_t step_version)
    : state_(std::make_unique<State>()) {
  XXH3_128bits_reset(&state_->xxh);
  static constexpr std::string_view kDomain = "sitecache-key";
  XXH3_128bits_update(&state_->xxh, kDomain.data(), kDomain.size());
  uint8_t versions[8];
  for (int i = 0; i < 4; ++i) {
    versions[i] = static_cast<uint8_t>(kKeyFormatVersion >> (8 * i));
    versions[4 + i] = static_cast<uint8_t>(kEntryFormatVersion >> (8 * i));
  }
  XXH3_128bits_update(&state_->xxh, versions, sizeof versions);
  add_field(FieldTag::step, {reinterpret_cast<const uint8_t*>(step.data()), step.size()});
  add_uint(step_version);
}

KeyBuilder::~KeyBuilder() = default;
KeyBuilder::KeyBuilder(KeyBuilder&&) noexcept = default;
KeyBuilder& KeyBuilder::operator=(KeyBuilder&&) noexcept = default;

KeyBuilder::KeyBuilder(const KeyBuilder& other) : state_(std::make_unique<State>()) {
  XXH3_copyState(&state_->xxh, &other.state_->xxh);
}

KeyBuilder& KeyBuilder::operator=(const KeyBuilder& other) {
  if (this != &other) {
    if (!state_) state_ = std::make_unique<State>();
    XXH3_copyState(&state_->xxh, &other.state_->xxh);
  }
  return *this;
}

KeyBuilder& KeyBuilder::add_field(FieldTag tag, std::span<const uint8_t> data) {
  uint8_t header[9];
  header[0] = static_cast<uint8_t>(tag);
  put_u64le(header + 1, data.size());
  XXH3_128bits_update(&state_->xxh, header, sizeof header);
  if (!data.empty()) XXH3_128bits_update(&state_->xxh, data.data(), data.size());
  return *this;
}

KeyBuilder& KeyBuilder::add_bytes(std::span<const uint8_t> data) {
  return add_field(FieldTag::bytes, data);
}

KeyBuilder& KeyBuilder::add_string(std::string_view text) {
  return add_field(FieldTag::string, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

KeyBuilder& KeyBuilder::add_int(int64_t value) {
  uint8_t bytes[8];
  put_u64le(bytes, static_cast<uint64_t>(value));
  return add_field(FieldTag::i64, bytes);
}

KeyBuilder& KeyBuilder::add_uint(uint64_t value) {
  uint8_t bytes[8];
  put_u64le(bytes, value);
  return add_field(FieldTag::u64, bytes);
}

KeyBuilder& KeyBuilder::add_bool(bool value) {
  uint8_t byte = value ? 1 : 0;
  return add_field(FieldTag::boolean, {&byte, 1});
}

KeyBuilder& KeyBuilder::add_double(double value) {
  uint8_t bytes[8];
  put_u64le(bytes, std::bit_cast<uint64_t>(value));
  return add_field(FieldTag::real, bytes);
}

KeyBuilder& KeyBuilder::add_digest(const Digest& digest) {
  return add_field(FieldTag::digest, digest.bytes);
}

KeyBuilder& KeyBuilder::add_file_digest(const Digest& content_digest) {
  return add_field(FieldTag::file, content_digest.bytes);
}

Status KeyBuilder::add_file(const std::filesystem::path& path) {
  Result<Digest> digest = hash_file(path);
  if (!digest) return digest.status();
  add_file_digest(*digest);
  return Status::ok();
}

KeyBuilder& KeyBuilder::begin_list(uint64_t count) {
  uint8_t bytes[8];
  put_u64le(bytes, count);
  return add_field(FieldTag::list_begin, bytes);
}

KeyBuilder& KeyBuilder::end_list() {
  return add_field(FieldTag::list_end, {});
}

Digest KeyBuilder::finish() const {
  return from_hash(XXH3_128bits_digest(&state_->xxh));
}

namespace {

// What KeyBuilder("sitecache.plain-key", 1) has hashed before add_string(key): XXH3 of a
// concatenation equals XXH3 streamed over its parts, so plain_key_digest can hash
// prefix + field header + key in one call instead of through a heap-allocated stream
// state (it runs for every Cache call). tests/unit/test_key.cpp checks the two agree.
std::string plain_key_prefix() {
  std::string prefix = "sitecache-key";
  auto put_u32 = [&prefix](uint32_t v) {
    for (int i = 0; i < 4; ++i) prefix.push_back(static_cast<char>(v >> (8 * i)));
  };
  auto put_field = [&prefix](FieldTag tag, std::string_view data) {
    uint8_t header[9];
    header[0] = static_cast<uint8_t>(tag);
    put_u64le(header + 1, data.size());
    prefix.append(reinterpret_cast<const char*>(header), sizeof header).append(data);
  };
  put_u32(kKeyFormatVersion);
  put_u32(kEntryFormatVersion);
  put_field(FieldTag::step, "sitecache.plain-key");
  uint8_t version[8];
  put_u64le(version, 1);
  put_field(FieldTag::u64, std::string_view(reinterpret_cast<const char*>(version), 8));
  return prefix;
}

}  // namespace

Digest plain_key_digest(std::string_view key) {
  static const std::string prefix = plain_key_prefix();
  constexpr size_t kStackBytes = 512;
  const size_t total = prefix.size() + 9 + key.size();
  uint8_t stack[kStackBytes];
  std::unique_ptr<uint8_t[]> heap;
  uint8_t* buffer = stack;
  if (total > kStackBytes) {
    heap = std::make_unique_for_overwrite<uint8_t[]>(total);
    buffer = heap.get();
  }
  std::memcpy(buffer, prefix.data(), prefix.size());
  buffer[prefix.size()] = static_cast<uint8_t>(FieldTag::string);
  put_u64le(buffer + prefix.size() + 1, key.size());
  if (!key.empty()) std::memcpy(buffer + prefix.size() + 9, key.data(), key.size());
  return from_hash(XXH3_128bits(buffer, total));
}

}  // namespace sitecache
