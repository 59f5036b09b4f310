#include "names.hpp"

namespace sitecache_http {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved_in_segment(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == ':';
}

void append_escape(std::string& out, char c) {
  const auto byte = static_cast<unsigned char>(c);
  out += '%';
  out += kHexUpper[byte >> 4];
  out += kHexUpper[byte & 0xf];
}

}  // namespace

uint32_t fnv1a_32(std::string_view data) {
  uint32_t hash = 2166136261u;
  for (char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash;
}

uint64_t fnv1a_64(std::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string file_name(std::string_view key) {
  std::string name;
  name.reserve(key.size() + 8);
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (c == '%' || c == '/' || (c == '.' && i == 0)) {
      append_escape(name, c);
    } else {
      name += c;
    }
  }
  return name;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (text.size() - i < 3) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::optional<std::string> key_of_file_name(std::string_view name) {
  std::optional<std::string> key = percent_decode(name);
  if (!key || key->empty() || file_name(*key) != name) return std::nullopt;
  return key;
}

void append_path_segment(std::string& url, std::string_view segment) {
  for (char c : segment) {
    if (unreserved_in_segment(c)) {
      url += c;
    } else {
      append_escape(url, c);
    }
  }
}

unsigned subdir_index(std::string_view key) {
  return fnv1a_32(key) & 0xffu;
}

std::string subdir_name(unsigned index) {
  return std::string{kHex[(index >> 4) & 0xf], kHex[index & 0xf]};
}

unsigned Naming::directory_of(std::string_view key) const {
  return layout_ == Layout::flat ? 0 : subdir_index(key);
}

std::string Naming::directory_url(unsigned index) const {
  if (layout_ == Layout::flat) return base_;
  return base_ + subdir_name(index) + '/';
}

std::optional<std::string> Naming::object_url(std::string_view key) const {
  const std::string name = file_name(key);
  if (name.size() > kMaxNameLength) return std::nullopt;
  std::string url;
  url.reserve(base_.size() + 3 + name.size() * 3);
  url += base_;
  if (layout_ == Layout::subdirs) {
    url += subdir_name(subdir_index(key));
    url += '/';
  }
  append_path_segment(url, name);
  return url;
}

}  // namespace sitecache_http
