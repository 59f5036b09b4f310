// Selecting and removing entries of one cache: what `sitecache ls`, `clear` and `gc` do,
// as a library so that other tools can do the same.
//
//   sitecache::Result<sitecache::ClearPlan> plan =
//       sitecache::plan_clear(cache, sitecache::ClearSelector::stale(3));
//   if (plan) sitecache::Result<sitecache::ClearSummary> done = execute(cache, *plan);
//
// Planning only reads; execute() removes exactly the planned keys, and only keys of the
// cache's own key space ("<key_prefix>:"), so a plan can never touch another cache that
// shares the backend.
//
// Where the entries come from (list_entries):
//   - a backend that can scan lists every entry of the cache (build records and leases
//     are not entries and are never listed);
//   - a backend that cannot scan is asked for every key that the stored build records
//     name (EntrySource::build_records): entries no build recorded are invisible then.
//     Reading an entry this way goes through the verified read path, which drops an
//     entry that is already expired or corrupt, as any read would.
//
// Selection rules (plan_clear):
//   all          every listed entry; execute() then also clears the whole key space
//                (build records and leases included) where the backend can clear.
//   older_than   entries created more than `age` before now.
//   prefix       entries whose label (the plain key of the low-level API, the step name
//                of a memoized render) starts with `text`.
//   tag          entries carrying the tag `text`.
//   slot         entries whose slot is exactly `text`.
//   stale        with R = the newest `keep_builds` build records and A = every stored
//                record, an entry is stale when
//                  expired:    its expiry has passed (it can never be served again);
//                  superseded: another entry of the same step (label) and slot is the
//                              current one. The current entries of a (label, slot) group
//                              are those used by the newest record in A that used any of
//                              the group's entries; when no record used one, the most
//                              recently created entry. So a slot whose input was edited
//                              keeps only its latest render, and a reverted edit keeps the
//                              render the newest build actually used;
//                  unused:     builds know it (it was written by a build session, or a
//                              record in A names it), no record in R used it, and it was
//                              created before the newest record's build started.
//                Entries no build knows (values stored by scripts through the low-level
//                API) are only ever stale when expired or superseded, and an entry
//                created after the newest recorded build started is never "unused"
//                (a build may be running). Without any build record nothing is unused.
//
// Blobs (large outputs of file steps, EntryInfo::Kind::blob) are never selected by a
// rule of their own: every plan also removes the blobs that no entry it keeps references
// (RemovalReason::orphaned), and `all` removes them all.
//
// gc (plan_gc): expired entries always go; then entries in least-recently-used order
// (last_access_ms, or created_ms when the backend does not track access) until the rest
// fits both limits (no limits: expired entries only). Sizes are entry_size(). gc needs a
// backend that can scan.
#ifndef SITECACHE_MAINTENANCE_HPP
#define SITECACHE_MAINTENANCE_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sitecache/cache.hpp"
#include "sitecache/export.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

// How many recent builds `clear --stale` keeps when not told.
inline constexpr uint64_t kDefaultKeepBuilds = 3;

// Reports progress of a long operation: `done` items of `total` (0 = unknown total).
// Called from the calling thread, often; throttle any output.
using MaintenanceProgress = std::function<void(uint64_t done, uint64_t total)>;

enum class EntrySource {
  scan,           // the backend listed its entries
  build_records,  // the backend cannot scan: the entries named by build records
};
// "scan" or "build_records".
SITECACHE_EXPORT std::string_view to_string(EntrySource source);

struct EntryListing {
  EntrySource source = EntrySource::scan;
  std::vector<EntryInfo> entries;  // in the backend's order
  // Stored entries that failed their checks (checksum, format) while listing, and so are
  // not in `entries` (counted in the cache's `corrupt` counter too).
  uint64_t corrupt = 0;
};

// Every entry of the cache (see the header comment for the no-scan fallback).
SITECACHE_EXPORT Result<EntryListing> list_entries(Cache& cache,
                                                   const MaintenanceProgress& progress = {});

// The bytes an entry occupies: stored_size when the backend reports it, else value_size.
SITECACHE_EXPORT uint64_t entry_size(const EntryInfo& entry);
// Whether the entry's expiry has passed at `now_ms`.
SITECACHE_EXPORT bool entry_expired(const EntryInfo& entry, int64_t now_ms);

struct ClearSelector {
  enum class Kind { all, stale, older_than, prefix, tag, slot };
  Kind kind = Kind::stale;
  uint64_t keep_builds = kDefaultKeepBuilds;  // stale: >= 1
  std::chrono::milliseconds age{0};           // older_than: >= 0
  std::string text;                           // prefix, tag, slot: not empty

  static ClearSelector all() { return make(Kind::all); }
  static ClearSelector stale(uint64_t keep_builds = kDefaultKeepBuilds) {
    ClearSelector s = make(Kind::stale);
    s.keep_builds = keep_builds;
    return s;
  }
  static ClearSelector older_than(std::chrono::milliseconds age) {
    ClearSelector s = make(Kind::older_than);
    s.age = age;
    return s;
  }
  static ClearSelector prefix(std::string text) { return make(Kind::prefix, std::move(text)); }
  static ClearSelector tag(std::string text) { return make(Kind::tag, std::move(text)); }
  static ClearSelector slot(std::string text) { return make(Kind::slot, std::move(text)); }

 private:
  static ClearSelector make(Kind kind, std::string text = {}) {
    ClearSelector s;
    s.kind = kind;
    s.text = std::move(text);
    return s;
  }
};

enum class RemovalReason {
  all,
  expired,
  superseded,
  unused,
  older_than,
  prefix,
  tag,
  slot,
  over_limit,  // gc
  orphaned,    // a blob no remaining entry references
};
// Stable lowercase name, e.g. "superseded".
SITECACHE_EXPORT std::string_view to_string(RemovalReason reason);

struct PlannedRemoval {
  EntryInfo entry;
  RemovalReason reason = RemovalReason::all;
};

struct SITECACHE_EXPORT ClearPlan {
  std::string cache;      // the cache's name
  std::string key_space;  // "<key_prefix>:"
  EntrySource source = EntrySource::scan;
  uint64_t examined = 0;  // entries looked at
  std::vector<PlannedRemoval> removals;
  // execute() also clears the key space when the backend can (ClearSelector::all).
  bool sweep_key_space = false;
  // stale: the build records the plan was based on (R's size and all of them).
  uint64_t builds_kept = 0;
  uint64_t builds_read = 0;

  // Sum of entry_size() over the removals.
  uint64_t bytes() const;
};

// Never changes the cache. invalid_argument for a selector out of range.
SITECACHE_EXPORT Result<ClearPlan> plan_clear(Cache& cache, const ClearSelector& selector,
                                              const MaintenanceProgress& progress = {});

struct GcLimits {
  std::optional<uint64_t> max_bytes;
  std::optional<uint64_t> max_entries;
};

// Limits not given fall back to the cache's configured max_size / max_entries; with
// neither, gc removes only expired entries. unsupported when the backend cannot scan.
SITECACHE_EXPORT Result<ClearPlan> plan_gc(Cache& cache, const GcLimits& limits,
                                           const MaintenanceProgress& progress = {});

struct ClearSummary {
  uint64_t removed = 0;       // entries removed
  uint64_t bytes = 0;         // their entry_size() total
  uint64_t already_gone = 0;  // planned entries that were no longer there
  uint64_t failed = 0;        // removals the backend refused or failed
  std::string first_error;    // the first failure's message, when failed > 0
};

// Removes the planned keys, continuing past individual failures (counted in `failed`).
// Fails without removing anything when the cache is read_only or when the plan names a
// key outside the cache's key space.
SITECACHE_EXPORT Result<ClearSummary> execute(Cache& cache, const ClearPlan& plan,
                                              const MaintenanceProgress& progress = {});

}  // namespace sitecache

#endif  // SITECACHE_MAINTENANCE_HPP
