// The shared state behind a BuildSession: what memoize and the file steps record while the
// build runs, and the previous build's record they compare with.
#ifndef SITECACHE_MEMO_BUILD_STATE_HPP
#define SITECACHE_MEMO_BUILD_STATE_HPP

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "format/build_record_format.hpp"
#include "sitecache/build.hpp"
#include "sitecache/cache.hpp"

namespace sitecache {

// Hidden: nested in an exported class, it would otherwise inherit its visibility.
struct [[gnu::visibility("hidden")]] BuildSession::State {
  Cache* cache = nullptr;
  CacheCounters counters_at_start;
  // A session of a build that spans processes (join_build): finish() appends to this
  // journal instead of writing the record.
  std::filesystem::path journal;

  // The newest finished build of this cache before generation `compare_before`, in its
  // stored form, when it is a binary record (version 2): file steps compare with it to
  // skip unchanged outputs. Loaded on first use (previous_record()), then immutable.
  uint64_t compare_before = 0;
  std::string previous_bytes;
  std::optional<BuildRecordView> previous;
  std::vector<std::vector<uint32_t>> previous_children;  // use -> the uses nested in it
  // The previous record, loading it on the first call; null when there is none.
  // Thread-safe.
  const BuildRecordView* previous_record();

  std::mutex mutex;  // guards everything below
  BuildRecord record;
  std::unordered_map<std::string, size_t> use_index;  // backend key -> position in uses
  bool finished = false;

  enum class Use { hit, miss };
  // Adds a use to the record before its render, so that the uses nested in it can name it
  // as parent; returns its index in record.uses (the existing one for a key already
  // recorded), or -1 once the session is finished. Thread-safe.
  int64_t open_use(std::string_view key, std::string_view step, std::string_view slot,
                   std::vector<RecordedInput> inputs, int64_t parent);
  // Completes it: hit or miss, `micros` the render time a hit saved or a miss spent,
  // `cost_us` the render time the entry is stored with. A key used several times in one
  // build is recorded once, as a hit if any use was a hit (the entry was available).
  void close_use(int64_t index, Use use, uint64_t micros, uint64_t cost_us,
                 std::vector<RecordedOutput> outputs = {}, std::string_view not_stored = {});
  // Records the previous build's use `previous_index` and every use nested in it again,
  // as hits: a step skipped because its outputs are unchanged still used them.
  void carry_forward(size_t previous_index, int64_t parent);
  // Reads the cache's newest finished record before generation `current`, if binary.
  void load_previous(CacheImpl & impl, uint64_t current);

 private:
  std::once_flag previous_once_;
  void carry_forward_locked(size_t previous_index, int64_t parent, size_t depth);
};

// Claims the next free build generation with add (0 when the backend failed).
uint64_t claim_generation(CacheImpl& impl);
// A build record or head as the entry stored under its key.
std::string encode_record_entry(std::string_view payload, std::string_view label);
// Writes a finished record under its generation and drops the one kBuildRecordsKept older.
Status store_record(CacheImpl& impl, const BuildRecord& record);
// Appends a process's part of a shared build to its journal (shared_build.cpp).
Status append_to_journal(const std::filesystem::path& journal, const BuildRecord& part);

// What the record keeps of a step's inputs: each name with 64 bits of its typed digest,
// plenty to say *which* input changed.
std::vector<RecordedInput> recorded_inputs(const Inputs& inputs);

// The use whose render is running on this thread (nested memoize calls record it as their
// parent); -1 outside a render. Set by CurrentUse for the duration of a render.
int64_t current_parent(const BuildSession::State* state);
class CurrentUse {
 public:
  CurrentUse(BuildSession::State* state, int64_t index);
  ~CurrentUse();
  CurrentUse(const CurrentUse&) = delete;
  CurrentUse& operator=(const CurrentUse&) = delete;

 private:
  const BuildSession::State* saved_state_;
  int64_t saved_index_;
};

}  // namespace sitecache

#endif  // SITECACHE_MEMO_BUILD_STATE_HPP
