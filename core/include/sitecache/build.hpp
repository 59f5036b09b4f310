// Build sessions and build records.
//
//   sitecache::BuildSession build = cache.begin_build();
//   ... cache.memoize(...) calls, from any thread ...
//   sitecache::Result<sitecache::BuildRecord> record = build.finish();
//
// While a session is open every memoize on that cache is recorded in it: the key used
// (hit or stored), its step and slot, the digests of its named inputs, and the counters.
// finish() writes a build record into the backend itself, numbered by a generation that
// is unique per cache even across processes (claimed with the backend's add). Records are
// plain cache entries under "<key_prefix>:builds:<generation>", so the CLI can read them
// and clear stale entries on every backend, including ones that cannot scan.
#ifndef SITECACHE_BUILD_HPP
#define SITECACHE_BUILD_HPP

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sitecache/export.hpp"
#include "sitecache/key.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

class Cache;
class CacheInternals;

struct StepCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t saved_us = 0;   // sum over hits of the render cost recorded at store time
  uint64_t render_us = 0;  // time spent rendering misses in this build
};

// One named input of a memoized step, as recorded for `sitecache explain`.
struct RecordedInput {
  std::string name;
  std::string digest;  // 16 hex digits: the first 64 bits of the input's typed digest
  friend bool operator==(const RecordedInput&, const RecordedInput&) = default;
};

// One file a step produced, as it was on disk when the step finished: the next build
// skips the step when its key and this signature still hold (outputs.hpp).
struct RecordedOutput {
  std::string path;  // as the step declared it
  Digest digest;     // XXH3-128 of the content
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  // The change time: an edit by hand that puts the mtime back still moves it.
  int64_t ctime_ns = 0;
  uint32_t mode = 0;  // permission bits
  friend bool operator==(const RecordedOutput&, const RecordedOutput&) = default;
};

struct RecordedUse {
  std::string key;  // backend key
  std::string step;
  std::string slot;
  bool hit = false;
  std::vector<RecordedInput> inputs;
  std::vector<RecordedOutput> outputs;
  // The index in `uses` of the step whose render used this one; -1 for a top-level step.
  // A step skipped because its outputs are unchanged carries its nested uses forward.
  int64_t parent = -1;
  uint64_t cost_us = 0;  // the render time the entry was stored with
  // Why a miss was not stored (e.g. "exit status 1"); empty when it was.
  std::string not_stored;
};

struct SITECACHE_EXPORT BuildRecord {
  uint64_t generation = 0;
  std::string cache;
  int64_t started_ms = 0;
  int64_t ended_ms = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t errors = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t saved_us = 0;
  uint64_t render_us = 0;
  uint64_t rejected = 0;  // reads refused by signature checks (also counted as misses)
  std::map<std::string, StepCounters> steps;
  std::vector<RecordedUse> uses;  // one per distinct key, in first-use order

  // JSON (the stable shape documented in docs/json.md).
  std::string to_json() const;
  static Result<BuildRecord> from_json(std::string_view json);
  // The stored form (format/build_record_format.hpp has the grammar). decode() also reads
  // the JSON records of format version 1.
  std::string encode() const;
  static Result<BuildRecord> decode(std::string_view stored);
};

// An open build. Move-only; finishing twice is an error. Destroying an unfinished session
// finishes it (ignoring failures), so an exception in the site generator still leaves a
// record.
class SITECACHE_EXPORT BuildSession {
 public:
  BuildSession(BuildSession&&) noexcept;
  BuildSession& operator=(BuildSession&&) noexcept;
  BuildSession(const BuildSession&) = delete;
  BuildSession& operator=(const BuildSession&) = delete;
  ~BuildSession();

  uint64_t generation() const;
  // Writes the record (failures follow the cache's on_error) and closes the session.
  Result<BuildRecord> finish();
  // What has been recorded so far.
  BuildRecord snapshot() const;

  struct State;  // internal (core/src/memo/build_state.hpp)

 private:
  friend class CacheInternals;
  explicit BuildSession(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

// How many records a cache keeps (older ones are removed when a build finishes).
inline constexpr uint64_t kBuildRecordsKept = 30;

// Reads the newest `limit` build records of a cache, newest first. Missing generations
// (pruned, never finished) are skipped.
SITECACHE_EXPORT Result<std::vector<BuildRecord>> read_build_records(Cache& cache, size_t limit);

}  // namespace sitecache

#endif  // SITECACHE_BUILD_HPP
