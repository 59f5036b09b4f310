// sitecache-flatdir's file names (the comment at the top of flatdir.cpp has the whole
// contract).
//
// Names keep keys readable in `ls`: every byte of the key is kept except '/', '%' and a
// leading '.', which are written as %2F, %25 and %2E. Hex would be simpler but doubles
// the length, and a 250-byte key (SC_MAX_KEY_LENGTH) would exceed NAME_MAX (255). A key
// whose name would still be too long (a 250-byte key with three of those characters) is
// refused with SC_INVALID_ARGUMENT; sitecache's own keys, "prefix:version:digest", are far
// shorter. Names starting with '.' are this backend's temporary files, never entries, and
// any other file in the directory whose name is not a canonical encoding is ignored.
#ifndef FLATDIR_FILE_NAMES_HPP
#define FLATDIR_FILE_NAMES_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flatdir {

// The longest file name the backend creates (NAME_MAX on Linux file systems).
inline constexpr size_t kMaxName = 255;

// The file name of `key`, or nullopt when the key is empty, not printable ASCII, or too
// long once encoded.
inline std::optional<std::string> encode(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string name;
  name.reserve(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (c <= ' ' || c > '~') return std::nullopt;
    if (c == '/' || c == '%' || (i == 0 && c == '.')) {
      name += '%';
      name += kHex[static_cast<unsigned char>(c) >> 4];
      name += kHex[static_cast<unsigned char>(c) & 0xF];
    } else {
      name += c;
    }
  }
  if (name.empty() || name.size() > kMaxName) return std::nullopt;
  return name;
}

// The key a file name stands for, or nullopt when the name is not the canonical encoding
// of a key (a temporary file, or a file someone else put there).
inline std::optional<std::string> decode(std::string_view name) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string key;
  key.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      key += name[i];
      continue;
    }
    if (i + 2 >= name.size()) return std::nullopt;
    const int high = hex(name[i + 1]);
    const int low = hex(name[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    key += static_cast<char>(high * 16 + low);
    i += 2;
  }
  std::optional<std::string> canonical = encode(key);
  if (!canonical || *canonical != name) return std::nullopt;
  return key;
}

inline bool is_temp(std::string_view name) {
  return name.starts_with(".tmp.");
}

// The order in which scan visits keys, and what its cursor holds: a hash (FNV-1a), so the
// order does not change while entries come and go, in this process or another.
inline uint64_t scan_order(std::string_view key) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : key) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace flatdir

#endif  // FLATDIR_FILE_NAMES_HPP
