// The key scheme of keys.hpp.
#include "keys.hpp"

#include <xxhash.h>

#include <atomic>
#include <random>

namespace sitecache_memcached {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex64(std::string& out, uint64_t value) {
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
}

std::string hex128(std::string_view text) {
  XXH128_hash_t hash = XXH3_128bits(text.data(), text.size());
  std::string out;
  out.reserve(32);
  append_hex64(out, hash.high64);
  append_hex64(out, hash.low64);
  return out;
}

// splitmix64's finaliser: a bijection, so distinct counters give distinct outputs.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string_view namespace_of(std::string_view key) {
  size_t colon = key.find(':');
  return colon == std::string_view::npos ? std::string_view() : key.substr(0, colon + 1);
}

std::string generation_key(std::string_view ns) {
  if (3 + ns.size() <= kMaxKeyLength) return "ns:" + std::string(ns);
  return "ns#" + hex128(ns);
}

std::string entry_key(uint64_t generation, std::string_view key) {
  std::string out = std::to_string(generation);
  if (out.size() + 1 + key.size() <= kMaxKeyLength) {
    out += ':';
    out.append(key);
  } else {
    out += '#';
    out += hex128(key);
  }
  return out;
}

std::string chunk_key(uint64_t write_id, uint32_t index) {
  std::string out = "ck:";
  append_hex64(out, write_id);
  out += ':';
  out += std::to_string(index);
  return out;
}

uint64_t random_u64() {
  static const uint64_t seed = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  static std::atomic<uint64_t> counter{0};
  return mix(seed + counter.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed));
}

}  // namespace sitecache_memcached
