// Memoizing render steps: the reason sitecache exists.
//
//   sitecache::Inputs inputs;
//   inputs.file("source", page.path).text("layout", layout).integer("year", 2026);
//   sitecache::Result<std::string> html = cache.memoize(
//       {"render-page", 3}, inputs, [&] { return render(page); }, {.slot = page.path});
//
// The key is a content hash of the step (name and version) and every named input, in
// order; file inputs contribute their content digest (through a stat cache, so unchanged
// files are not read again). A hit returns the stored output; a miss calls render(),
// stores its output (with how long it took) and returns it. A render that throws stores
// nothing and the exception reaches the caller. An empty output is a valid value.
//
// Within one process, concurrent callers of one key render once (single-flight). Across
// processes sharing a backend with `add`, a lease keeps two builds from rendering the
// same step at the same moment: the second waits (bounded) for the first one's output,
// then renders anyway, so there is never a deadlock.
//
// Customization point for your own input types: provide, in your type's namespace,
//   void sitecache_hash(sitecache::KeyBuilder& key, const MyType& value);
// It is found by argument-dependent lookup by Inputs::value and by cache_page.
#ifndef SITECACHE_MEMOIZE_HPP
#define SITECACHE_MEMOIZE_HPP

#include <chrono>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sitecache/export.hpp"
#include "sitecache/key.hpp"
#include "sitecache/status.hpp"
#include "sitecache/timeout.hpp"

namespace sitecache {

// A render step: its name and its own version (bump it when the renderer's code changes
// and every entry of the step is invalidated).
struct Step {
  std::string name;
  uint64_t version = 1;
};

struct MemoOptions {
  Timeout timeout;                // the cache's default when unset
  std::string slot;               // logical identity, e.g. the page's source path
  std::vector<std::string> tags;  // for `sitecache clear --tag`
};

// Typed hashing of one value into a key; overloads for the common types. Extend with
// sitecache_hash(KeyBuilder&, const T&) in T's namespace.
inline void sitecache_hash(KeyBuilder& key, std::string_view value) {
  key.add_string(value);
}
inline void sitecache_hash(KeyBuilder& key, const std::string& value) {
  key.add_string(value);
}
inline void sitecache_hash(KeyBuilder& key, const char* value) {
  key.add_string(value);
}
inline void sitecache_hash(KeyBuilder& key, const Digest& value) {
  key.add_digest(value);
}
inline void sitecache_hash(KeyBuilder& key, bool value) {
  key.add_bool(value);
}
template <std::signed_integral T>
void sitecache_hash(KeyBuilder& key, T value) {
  key.add_int(static_cast<int64_t>(value));
}
template <std::unsigned_integral T>
requires(!std::same_as<T, bool>) void sitecache_hash(KeyBuilder& key, T value) {
  key.add_uint(static_cast<uint64_t>(value));
}
template <std::floating_point T>
void sitecache_hash(KeyBuilder& key, T value) {
  key.add_double(static_cast<double>(value));
}
template <class T>
void sitecache_hash(KeyBuilder& key, const std::vector<T>& values) {
  key.begin_list(values.size());
  for (const auto& v : values) sitecache_hash(key, v);
  key.end_list();
}
template <class T>
void sitecache_hash(KeyBuilder& key, const std::optional<T>& value) {
  key.begin_list(value ? 1 : 0);
  if (value) sitecache_hash(key, *value);
  key.end_list();
}
template <class A, class B>
void sitecache_hash(KeyBuilder& key, const std::pair<A, B>& value) {
  key.begin_list(2);
  sitecache_hash(key, value.first);
  sitecache_hash(key, value.second);
  key.end_list();
}

template <class T>
concept Hashable = requires(KeyBuilder& key, const T& value) {
  sitecache_hash(key, value);
};

// Maps a file to its content digest, remembering (path, size, mtime, ctime, inode) ->
// digest so that a warm build does not read unchanged files. A file modified within the
// last `kRacyWindow` of being hashed is hashed but not remembered: its timestamp cannot
// yet tell a later same-size edit apart (the race ccache documents).
// Thread-safe. The table persists in the directory `state_dir`, split into shard files
// that are read on first use of a path in them and rewritten when they changed, so a
// process pays for the files it looks at, not for every file the cache knows (a damaged
// or foreign shard is ignored and rewritten; an older single-file table is replaced).
class SITECACHE_EXPORT FileHasher {
 public:
  static constexpr std::chrono::seconds kRacyWindow{2};

  // `racy_window` is for tests; lowering it reintroduces the race.
  explicit FileHasher(std::filesystem::path state_dir,
                      std::chrono::milliseconds racy_window = kRacyWindow);
  ~FileHasher();
  FileHasher(const FileHasher&) = delete;
  FileHasher& operator=(const FileHasher&) = delete;

  Result<Digest> digest(const std::filesystem::path& path);
  // Records that `path` holds content `digest` as it is now, for a file the caller has
  // just written itself (an output restored from the cache): no other writer can have
  // changed it within the racy window, so it is remembered at once.
  void remember(const std::filesystem::path& path, const Digest& digest);
  // Writes the shards that changed, each merged with what other processes wrote to it
  // meanwhile (atomically: temp file + rename).
  Status save();

  struct Counters {
    uint64_t lookups = 0;
    uint64_t hashed = 0;  // files actually read
  };
  Counters counters() const;

  // The process-wide hasher: state in $SITECACHE_STAT_CACHE, or
  // .sitecache/stat-cache in the working directory at first use.
  static FileHasher& shared();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The named inputs of one step. Each input is reduced to a typed digest at once, so an
// Inputs object is small and can be reused; a file that cannot be read makes status()
// fail, and memoize then returns that failure without rendering.
class SITECACHE_EXPORT Inputs {
 public:
  Inputs() = default;

  Inputs& text(std::string_view name, std::string_view value);
  Inputs& bytes(std::string_view name, std::span<const uint8_t> value);
  Inputs& integer(std::string_view name, int64_t value);
  Inputs& digest(std::string_view name, const Digest& value);
  // The file's content (not its path), through `hasher`.
  Inputs& file(std::string_view name, const std::filesystem::path& path,
               FileHasher& hasher = FileHasher::shared());
  template <Hashable T>
  Inputs& value(std::string_view name, const T& v) {
    KeyBuilder key("sitecache.input", 1);
    sitecache_hash(key, v);
    return add(name, key.finish());
  }

  struct Named {
    std::string name;
    Digest digest;
  };
  const std::vector<Named>& entries() const { return entries_; }
  const Status& status() const { return status_; }

  // Records an already computed typed digest.
  Inputs& add(std::string_view name, const Digest& typed_digest);

 private:
  std::vector<Named> entries_;
  Status status_;
};

// The key of a step over its inputs (what memoize uses).
SITECACHE_EXPORT Digest step_key(const Step& step, const Inputs& inputs);

}  // namespace sitecache

#endif  // SITECACHE_MEMOIZE_HPP
