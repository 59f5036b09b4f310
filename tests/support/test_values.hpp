// Test support: values to store. Binary values with every kind of byte in them, and
// self-checking values for tests where several writers race or are killed mid-write.
#ifndef SITECACHE_TESTS_SUPPORT_TEST_VALUES_HPP
#define SITECACHE_TESTS_SUPPORT_TEST_VALUES_HPP

#include <cstdint>
#include <cstring>
#include <string>

namespace sitecache::testing {

// `size` deterministic bytes from `seed`: a NUL every seventh byte, pseudo-random bytes in
// between.
inline std::string binary_value(size_t size, uint64_t seed = 1) {
  std::string value(size, '\0');
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    if (i % 8 == 0) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
    }
    value[i] = i % 7 == 0 ? '\0' : static_cast<char>(state >> (8 * (i % 8)));
  }
  return value;
}

namespace detail {

constexpr size_t kSelfCheckingHeader = 16;

inline uint32_t fnv1a(const char* data, size_t size) {
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < size; ++i) hash = (hash ^ static_cast<unsigned char>(data[i])) * 16777619u;
  return hash;
}
inline void put32(std::string& out, size_t at, uint32_t value) {
  std::memcpy(&out[at], &value, 4);
}
inline uint32_t get32(const std::string& in, size_t at) {
  uint32_t value = 0;
  std::memcpy(&value, &in[at], 4);
  return value;
}

}  // namespace detail

// A value that proves its own origin: a header (writer, sequence, payload length,
// checksum) and a payload derived from (writer, sequence). valid_value accepts exactly
// what encode_value produces, so a torn or mixed write is always detected.
inline std::string encode_value(uint32_t writer, uint32_t sequence, size_t payload_size) {
  std::string value(detail::kSelfCheckingHeader, '\0');
  detail::put32(value, 0, writer);
  detail::put32(value, 4, sequence);
  detail::put32(value, 8, static_cast<uint32_t>(payload_size));
  value += binary_value(payload_size, uint64_t{writer} << 32 | sequence);
  detail::put32(
      value, 12,
      detail::fnv1a(value.data() + detail::kSelfCheckingHeader, payload_size) ^ writer ^ sequence);
  return value;
}

inline bool valid_value(const std::string& value) {
  if (value.size() < detail::kSelfCheckingHeader) return false;
  const uint32_t writer = detail::get32(value, 0);
  const uint32_t sequence = detail::get32(value, 4);
  const uint32_t size = detail::get32(value, 8);
  if (value.size() != detail::kSelfCheckingHeader + size) return false;
  return value == encode_value(writer, sequence, size);
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_SUPPORT_TEST_VALUES_HPP
