// A named cache: Django's low-level cache API over a plugin backend, and memoization.
//
//   sitecache::Caches caches = sitecache::Caches::load().value();
//   sitecache::Cache& cache = caches["default"];
//   cache.set("menu", html);                       // default timeout
//   cache.set("menu", html, Timeout::seconds(60));
//   auto hit = cache.get("menu");                  // Result<optional<string>>
//
// Semantics (as Django's): the default timeout applies when none is given;
// Timeout::never() never expires; Timeout::dont_store() (0) stores nothing and removes any
// stored value. Any text is a valid key (the backend sees a fixed-size digest of it), and
// clear() removes only this cache's key_prefix.
//
// Failures: with on_error = "miss" (the default) a backend failure is counted, warned
// about once per cache through the WarningSink, and the call returns as if the key were
// absent (writes return ok). With on_error = "fail" the failure is returned. A stored
// entry that fails its checks (corrupt, truncated, wrong version) is a miss, is counted
// as corrupt, and is removed. Expiry is checked on every read, whatever the backend.
//
// Inside an open build session (build.hpp), get and set are recorded as uses of the
// steps "get" and "put", so the build's stats count them and `explain` and
// `clear --stale` see them.
//
// read_only = true: get-type calls work; set, set_many, add and get_or_set's store are
// skipped silently (a build must not fail); remove, touch, incr, incr_version and clear
// return StatusCode::read_only.
//
// Thread safety: every method may be called concurrently. The backend plugin is loaded
// and its handle created on first use.
#ifndef SITECACHE_CACHE_HPP
#define SITECACHE_CACHE_HPP

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/build.hpp"
#include "sitecache/config.hpp"
#include "sitecache/export.hpp"
#include "sitecache/key.hpp"
#include "sitecache/memoize.hpp"
#include "sitecache/outputs.hpp"
#include "sitecache/plugin_registry.hpp"
#include "sitecache/status.hpp"
#include "sitecache/timeout.hpp"

namespace sitecache {

struct CacheImpl;
class CacheInternals;

// Receives warnings (one line, no trailing newline). Must be thread-safe.
using WarningSink = std::function<void(std::string_view)>;
// Prints "sitecache: warning: ..." to stderr.
SITECACHE_EXPORT WarningSink stderr_warnings();

// What a stored entry says about itself (from its envelope), as maintenance lists it.
struct EntryInfo {
  // An entry is a stored value (of the plain-key API, memoize, or a file step); a blob is
  // one large output of file steps, stored once by content (outputs.hpp) and kept while
  // an entry references it.
  enum class Kind { entry, blob };
  Kind kind = Kind::entry;
  std::string key;    // the backend key
  std::string label;  // the plain key, or the step name of a memoized render
  std::string slot;
  std::vector<std::string> tags;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;      // 0 = never
  int64_t last_access_ms = 0;  // 0 = unknown
  uint64_t generation = 0;
  uint64_t cost_us = 0;
  uint64_t value_size = 0;   // uncompressed
  int64_t stored_size = -1;  // bytes in the backend, -1 unknown
  bool compressed = false;
  std::vector<std::string> blobs;  // a file step's entry: the backend keys of its blobs
};

// How set() stores a value beyond its timeout: the slot and tags a memoized render would
// carry, so that `clear --slot/--tag`, `explain` and stale clearing reach plain values too.
struct SetOptions {
  Timeout timeout;
  std::string slot;
  std::vector<std::string> tags;
};

// Counters since the cache was opened in this process.
struct CacheCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t sets = 0;
  uint64_t deletes = 0;
  uint64_t errors = 0;   // backend failures (including ones degraded to misses)
  uint64_t corrupt = 0;  // entries that failed their checks
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  // Reads refused by signature checks (docs/security.md); each is also a miss.
  uint64_t rejected = 0;
};

// What the backend reports about itself; -1 where it cannot tell.
struct BackendReport {
  PluginInfo plugin;
  int64_t entries = -1;
  int64_t bytes = -1;
  int64_t max_entries = -1;
  int64_t max_bytes = -1;
  int64_t evictions = -1;
};

class SITECACHE_EXPORT Cache {
 public:
  // Opens a cache from its settings. Nothing is loaded until first use. `config` supplies
  // the plugin search path and base directory.
  Cache(CacheConfig settings, const Config& config, WarningSink warnings = stderr_warnings());
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  const std::string& name() const;
  const CacheConfig& settings() const;

  // --- Django's low-level API ---------------------------------------------------------
  Result<std::optional<std::string>> get(std::string_view key);
  Status set(std::string_view key, std::string_view value, Timeout timeout = {});
  Status set(std::string_view key, std::string_view value, const SetOptions& options);
  // Stores only if absent; true when stored. Atomic when the backend has add.
  Result<bool> add(std::string_view key, std::string_view value, Timeout timeout = {});
  // The stored value, or make()'s result after storing it (through add, so concurrent
  // callers agree on one value where the backend supports it).
  Result<std::string> get_or_set(std::string_view key, const std::function<std::string()>& make,
                                 Timeout timeout = {});
  // Only the keys found.
  Result<std::map<std::string, std::string>> get_many(std::span<const std::string> keys);
  Status set_many(const std::map<std::string, std::string>& values, Timeout timeout = {});
  // true when something was removed.
  Result<bool> remove(std::string_view key);
  Status remove_many(std::span<const std::string> keys);
  Result<bool> has_key(std::string_view key);
  // New expiry for an existing entry; false when absent.
  Result<bool> touch(std::string_view key, Timeout timeout = {});
  // Adds delta to a stored decimal integer and keeps its expiry. not_found when absent,
  // invalid_argument when the value is not an integer or the result overflows.
  Result<int64_t> incr(std::string_view key, int64_t delta = 1);
  Result<int64_t> decr(std::string_view key, int64_t delta = 1);
  // Moves the value from the configured version to version + delta; returns the new
  // version. not_found when absent.
  Result<int64_t> incr_version(std::string_view key, int64_t delta = 1);
  // Removes every entry of this cache's key_prefix (all versions), nothing else.
  Status clear();

  // --- Memoizing render steps (memoize.hpp explains the contract) ---------------------
  // The stored output of `step` over `inputs`, or render()'s output after storing it.
  // Fails only when an input cannot be read, or with on_error = "fail" on a backend
  // failure. Exceptions from render() propagate to the caller (and to callers waiting on
  // the same key); nothing is stored for them.
  Result<std::string> memoize(const Step& step, const Inputs& inputs,
                              const std::function<std::string()>& render,
                              const MemoOptions& options = {});
  // Starts recording a build (build.hpp). One session per cache at a time: starting a
  // new one while another is open finishes the old one first.
  BuildSession begin_build();

  // Builds that span processes (a Makefile running `sitecache exec` per page):
  //   id = cache.start_shared_build()   once: claims a generation, as begin_build does
  //   cache.join_build(id)              in each process; the session's finish() appends
  //                                     its uses to the build's journal
  //   cache.finish_shared_build(id)     once: merges the journal into the build record
  // The journal is <config base_dir>/.sitecache/builds/<cache>-<id>.journal, append-only
  // with one checksummed record per process, so concurrent processes never lose each
  // other's uses and a torn append (a process killed mid-write) is ignored.
  // join_build and finish_shared_build fail with not_found for an unknown id.
  Result<uint64_t> start_shared_build();
  Result<BuildSession> join_build(uint64_t id);
  Result<BuildRecord> finish_shared_build(uint64_t id);

  // --- Steps whose results are files (outputs.hpp explains the contract) -------------
  // Makes `output` hold render()'s output for `step` over `inputs`: skipped when the
  // previous build left it unchanged, restored from the cache on a hit, rendered and
  // written on a miss. The slot defaults to the output's path.
  Result<FileOutcome> produce_file(const Step& step, const Inputs& inputs,
                                   const std::filesystem::path& output,
                                   const std::function<std::string()>& render,
                                   const MemoOptions& options = {}, Freshen freshen = Freshen::no);
  // Makes the declared `outputs` hold what run() writes there for `step` over `inputs`
  // (the paths are part of the key): restored from the cache on a hit, or run() and
  // stored on a miss when it says it may be. The slot defaults to the first output.
  Result<FileOutcome> memoize_files(const Step& step, const Inputs& inputs,
                                    const std::vector<std::filesystem::path>& outputs,
                                    const std::function<StepRun()>& run,
                                    const MemoOptions& options = {},
                                    Freshen freshen = Freshen::yes);

  // --- Inspection ---------------------------------------------------------------------
  Result<BackendReport> backend_report();
  CacheCounters counters() const;
  // The backend's load/creation failure, if any (forces the lazy load).
  Status check_backend();

 private:
  friend class CacheInternals;  // the core's own seam below this API (core/src/cache)
  std::unique_ptr<CacheImpl> impl_;
};

// The set of named caches of one configuration (Django's `caches`).
class SITECACHE_EXPORT Caches {
 public:
  // Loads the config (see load_config) and opens every cache in it.
  static Result<Caches> load(const ConfigSource& source = {},
                             WarningSink warnings = stderr_warnings());
  explicit Caches(Config config, WarningSink warnings = stderr_warnings());
  Caches(Caches&&) noexcept;
  Caches& operator=(Caches&&) noexcept;
  Caches(const Caches&) = delete;
  Caches& operator=(const Caches&) = delete;
  ~Caches();

  // Precondition: contains(name). Use find() when unsure.
  Cache& operator[](std::string_view name);
  Cache* find(std::string_view name);
  bool contains(std::string_view name) const;
  std::vector<std::string> names() const;
  const Config& config() const;

 private:
  Config config_;
  std::map<std::string, std::unique_ptr<Cache>, std::less<>> caches_;
};

}  // namespace sitecache

#endif  // SITECACHE_CACHE_HPP
