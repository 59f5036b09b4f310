// Planning `clear` and `gc` (maintenance.hpp has the rules). Planning only reads.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "base/clock.hpp"
#include "cache/cache_impl.hpp"
#include "maintenance/listing.hpp"
#include "maintenance/stale.hpp"

namespace sitecache {
namespace {

ClearPlan empty_plan(Cache& cache, const EntryListing& listing) {
  ClearPlan plan;
  plan.cache = cache.name();
  plan.key_space = CacheInternals::of(cache).keys.prefix();
  plan.source = listing.source;
  plan.examined = listing.entries.size();
  return plan;
}

bool is_blob(const EntryInfo& e) {
  return e.kind == EntryInfo::Kind::blob;
}

// Blobs that no surviving entry references go with the plan ("orphaned"). Selectors never
// pick a blob themselves: it is kept exactly as long as some entry needs it.
void add_orphans(const std::vector<EntryInfo>& listed, ClearPlan& plan) {
  std::set<std::string> removed;
  for (const PlannedRemoval& r : plan.removals) removed.insert(r.entry.key);
  std::set<std::string> referenced;
  for (const EntryInfo& e : listed) {
    if (!is_blob(e) && !removed.contains(e.key)) {
      referenced.insert(e.blobs.begin(), e.blobs.end());
    }
  }
  for (const EntryInfo& e : listed) {
    if (is_blob(e) && !removed.contains(e.key) && !referenced.contains(e.key)) {
      plan.removals.push_back({e, RemovalReason::orphaned});
    }
  }
}

std::optional<RemovalReason> select_simple(const ClearSelector& s, const EntryInfo& e,
                                           int64_t now) {
  if (is_blob(e) && s.kind != ClearSelector::Kind::all) return std::nullopt;
  switch (s.kind) {
    case ClearSelector::Kind::all:
      return RemovalReason::all;
    case ClearSelector::Kind::older_than:
      if (e.created_ms < now - s.age.count()) return RemovalReason::older_than;
      return std::nullopt;
    case ClearSelector::Kind::prefix:
      if (e.label.starts_with(s.text)) return RemovalReason::prefix;
      return std::nullopt;
    case ClearSelector::Kind::tag:
      if (std::find(e.tags.begin(), e.tags.end(), s.text) != e.tags.end()) {
        return RemovalReason::tag;
      }
      return std::nullopt;
    case ClearSelector::Kind::slot:
      if (e.slot == s.text) return RemovalReason::slot;
      return std::nullopt;
    case ClearSelector::Kind::stale:
      break;
  }
  return std::nullopt;
}

Status check_selector(const ClearSelector& s) {
  using Kind = ClearSelector::Kind;
  if (s.kind == Kind::stale && s.keep_builds < 1) {
    return Status(StatusCode::invalid_argument, "keep_builds must be at least 1");
  }
  if (s.kind == Kind::older_than && s.age.count() < 0) {
    return Status(StatusCode::invalid_argument, "the age must not be negative");
  }
  if ((s.kind == Kind::prefix || s.kind == Kind::tag || s.kind == Kind::slot) && s.text.empty()) {
    return Status(StatusCode::invalid_argument, "the prefix, tag or slot must not be empty");
  }
  return Status::ok();
}

// Least recently used first; the key breaks ties so plans are deterministic.
bool less_recently_used(const EntryInfo& a, const EntryInfo& b) {
  int64_t ua = a.last_access_ms > 0 ? a.last_access_ms : a.created_ms;
  int64_t ub = b.last_access_ms > 0 ? b.last_access_ms : b.created_ms;
  return std::tie(ua, a.key) < std::tie(ub, b.key);
}

}  // namespace

std::string_view to_string(RemovalReason reason) {
  switch (reason) {
    case RemovalReason::all:
      return "all";
    case RemovalReason::expired:
      return "expired";
    case RemovalReason::superseded:
      return "superseded";
    case RemovalReason::unused:
      return "unused";
    case RemovalReason::older_than:
      return "older_than";
    case RemovalReason::prefix:
      return "prefix";
    case RemovalReason::tag:
      return "tag";
    case RemovalReason::slot:
      return "slot";
    case RemovalReason::over_limit:
      return "over_limit";
    case RemovalReason::orphaned:
      return "orphaned";
  }
  return "unknown";
}

uint64_t ClearPlan::bytes() const {
  uint64_t total = 0;
  for (const PlannedRemoval& r : removals) total += entry_size(r.entry);
  return total;
}

Result<ClearPlan> plan_clear(Cache& cache, const ClearSelector& selector,
                             const MaintenanceProgress& progress) {
  if (Status s = check_selector(selector); !s) return s;
  Result<EntryListing> listing = list_entries(cache, progress);
  if (!listing) return listing.status();
  ClearPlan plan = empty_plan(cache, *listing);
  const int64_t now = now_ms();
  if (selector.kind == ClearSelector::Kind::stale) {
    Result<std::vector<BuildRecord>> records = read_build_records(cache, kBuildRecordsKept);
    if (!records) return records.status();
    plan.builds_read = records->size();
    plan.builds_kept = std::min<uint64_t>(selector.keep_builds, records->size());
    std::vector<EntryInfo> entries;
    for (const EntryInfo& e : listing->entries) {
      if (!is_blob(e)) entries.push_back(e);
    }
    plan.removals = select_stale(entries, *records, selector.keep_builds, now);
    add_orphans(listing->entries, plan);
    return plan;
  }
  plan.sweep_key_space = selector.kind == ClearSelector::Kind::all;
  for (const EntryInfo& e : listing->entries) {
    if (std::optional<RemovalReason> reason = select_simple(selector, e, now)) {
      plan.removals.push_back({e, *reason});
    }
  }
  add_orphans(listing->entries, plan);
  return plan;
}

Result<ClearPlan> plan_gc(Cache& cache, const GcLimits& limits,
                          const MaintenanceProgress& progress) {
  GcLimits effective = limits;
  if (!effective.max_bytes && !effective.max_entries) {
    effective.max_bytes = cache.settings().max_size;
    effective.max_entries = cache.settings().max_entries;
  }
  Result<EntryListing> listing = list_by_scan(cache, progress);
  if (!listing) {
    if (listing.status().code() != StatusCode::unsupported) return listing.status();
    return Status(StatusCode::unsupported,
                  "gc needs a backend that can list its entries; the backend of cache '" +
                      cache.name() + "' cannot scan (its own limits still apply)");
  }
  ClearPlan plan = empty_plan(cache, *listing);
  // Every blob counts towards the limits while some live entry references it; removing
  // the last such entry removes the blob too (add_orphans).
  std::map<std::string, std::pair<uint64_t, size_t>> blobs;  // key -> size, references
  for (const EntryInfo& e : listing->entries) {
    if (is_blob(e)) blobs[e.key].first = entry_size(e);
  }
  std::vector<EntryInfo> live;
  uint64_t bytes = 0;
  const int64_t now = now_ms();
  for (const EntryInfo& e : listing->entries) {
    if (is_blob(e)) continue;
    if (entry_expired(e, now)) {
      plan.removals.push_back({e, RemovalReason::expired});
      continue;
    }
    bytes += entry_size(e);
    for (const std::string& blob : e.blobs) {
      auto it = blobs.find(blob);
      if (it != blobs.end() && it->second.second++ == 0) bytes += it->second.first;
    }
    live.push_back(e);
  }
  std::sort(live.begin(), live.end(), less_recently_used);
  uint64_t count = live.size();
  for (EntryInfo& e : live) {
    bool over = (effective.max_entries && count > *effective.max_entries) ||
                (effective.max_bytes && bytes > *effective.max_bytes);
    if (!over) break;
    count -= 1;
    bytes -= entry_size(e);
    for (const std::string& blob : e.blobs) {
      auto it = blobs.find(blob);
      if (it != blobs.end() && --it->second.second == 0) bytes -= it->second.first;
    }
    plan.removals.push_back({std::move(e), RemovalReason::over_limit});
  }
  add_orphans(listing->entries, plan);
  return plan;
}

}  // namespace sitecache
