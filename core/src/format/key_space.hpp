// The backend-key namespace of one cache: the only place that builds or parses the keys
// a backend sees. Every key of a cache starts with its key prefix, so caches sharing a
// backend never touch each other's keys, and clear() can remove one prefix.
//
// Grammar (printable ASCII, at most SC_MAX_KEY_LENGTH = 250 bytes in all):
//
//   backend_key  := key_prefix ":" tail
//   key_prefix   := 1*64 ( printable ASCII except ":" and " " )   (config.cpp checks it)
//   tail         := entry | lease | blob | build_head | build_record
//   entry        := version ":" digest            a stored value (any version)
//   lease        := "lease:" digest               a cross-process render lease
//   blob         := "blob:" digest                a file step's output, by content
//   build_head   := "builds:head"                 the newest claimed build generation
//   build_record := "builds:" generation          one build's record
//   version      := 1*19 DIGIT                    a non-negative int64, no sign
//   generation   := 10*20 DIGIT                   zero-padded to 10 digits, sorts by age
//   digest       := 32 ( DIGIT | "a"-"f" )        the XXH3-128 key, canonical hex
//
// Anything else under the prefix, or outside it, parses as KeyKind::foreign and is never
// listed, cleared by selectors, or served as an entry.
//
// Version history:
//   1  first version (the layout of sitecache 0.1).
//   2  blob keys (outputs.hpp). Older versions treat them as foreign.
#ifndef SITECACHE_FORMAT_KEY_SPACE_HPP
#define SITECACHE_FORMAT_KEY_SPACE_HPP

#include <cstdint>
#include <string>
#include <string_view>

#include "sitecache/key.hpp"

namespace sitecache {

enum class KeyKind { entry, lease, blob, build_head, build_record, foreign };

struct ParsedKey {
  KeyKind kind = KeyKind::foreign;
  int64_t version = 0;      // entry
  Digest digest;            // entry, lease, blob
  uint64_t generation = 0;  // build_record
};

// Immutable after construction; safe to share between threads.
class KeySpace {
 public:
  KeySpace(std::string key_prefix, int64_t version);

  // "<key_prefix>:": what every key of this cache starts with.
  const std::string& prefix() const { return prefix_; }
  int64_t version() const { return version_; }

  std::string entry(const Digest& digest) const { return entry(digest, version_); }
  std::string entry(const Digest& digest, int64_t version) const;
  std::string lease(const Digest& digest) const;
  std::string blob(const Digest& content) const;
  std::string build_head() const;
  std::string build_record(uint64_t generation) const;

  ParsedKey parse(std::string_view backend_key) const;
  bool is_entry(std::string_view backend_key) const {
    return parse(backend_key).kind == KeyKind::entry;
  }

 private:
  std::string prefix_;
  int64_t version_;
};

}  // namespace sitecache

#endif  // SITECACHE_FORMAT_KEY_SPACE_HPP
