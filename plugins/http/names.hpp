// Where a key lives on the server: its file name, its subdirectory and its URL.
//
// File name: the key itself, except that '%' becomes "%25", '/' becomes "%2F" and a
// leading '.' becomes "%2E". So a name is never a path ('/'), never "." or "..", never a
// hidden file (WebDAV servers such as nginx's dav-ext leave dot files out of listings),
// and the mapping is reversed by percent-decoding. Ordinary keys
// ("blog:1:0123...abcdef") are their own file name. A name longer than kMaxNameLength
// bytes (NAME_MAX of the usual server file systems) is refused: only keys with many '%'
// or '/' get there.
//
// URL: the base URL (ending in '/'), then in the subdirs layout the key's subdirectory
// and '/', then the file name percent-encoded as a path segment (everything but
// ALPHA / DIGIT / "-._~:" is encoded, so the server decodes it back to the file name).
//
// Subdirectory (layout = subdirs): two lowercase hex digits, the low byte of the 32-bit
// FNV-1a hash of the key. Hashing the key, not taking its first characters, spreads keys
// that share a prefix ("blog:1:") over all 256 subdirectories, as ccache's HTTP storage
// does with its own hashes.
//
// Pure functions, thread-safe.
#ifndef SITECACHE_PLUGINS_HTTP_NAMES_HPP
#define SITECACHE_PLUGINS_HTTP_NAMES_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sitecache_http {

constexpr size_t kMaxNameLength = 255;
constexpr unsigned kSubdirCount = 256;

enum class Layout { flat, subdirs };

uint32_t fnv1a_32(std::string_view data);
uint64_t fnv1a_64(std::string_view data);

// The file name of `key` (see above); may be longer than kMaxNameLength.
std::string file_name(std::string_view key);
// The key stored under `name`, or nullopt when `name` is not a name file_name() produces
// (a foreign file): a malformed escape, or one file_name() would not have written.
std::optional<std::string> key_of_file_name(std::string_view name);

// Percent-decodes `text`; nullopt on a malformed escape ('%' not followed by two hex
// digits). '+' is kept: it means a space only in query strings.
std::optional<std::string> percent_decode(std::string_view text);
// Appends `segment` percent-encoded as one URL path segment (see above).
void append_path_segment(std::string& url, std::string_view segment);

// 0..255: the subdirectory of `key` in the subdirs layout.
unsigned subdir_index(std::string_view key);
// "00".."ff".
std::string subdir_name(unsigned index);

// URLs of one base location and layout. Immutable after construction.
class Naming {
 public:
  // `base_url` must end with '/'.
  Naming(std::string base_url, Layout layout) : base_(std::move(base_url)), layout_(layout) {}

  Layout layout() const { return layout_; }
  const std::string& base_url() const { return base_; }
  // Directories a scan walks: 1 in the flat layout (the base), 256 in the subdirs layout.
  unsigned directory_count() const { return layout_ == Layout::flat ? 1 : kSubdirCount; }
  // The directory `key` lives in (0 in the flat layout).
  unsigned directory_of(std::string_view key) const;
  // The collection URL of directory `index`, ending in '/'.
  std::string directory_url(unsigned index) const;
  // The URL of `key`, or nullopt when its file name is too long (see above).
  std::optional<std::string> object_url(std::string_view key) const;

 private:
  std::string base_;
  Layout layout_;
};

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_NAMES_HPP
