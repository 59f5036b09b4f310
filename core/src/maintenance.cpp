// Listing, clear/gc planning and execution over the public Cache API (see maintenance.hpp
// for the rules).
#include "sitecache/maintenance.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "sitecache/build.hpp"
#include "sitecache/plugin.h"

namespace sitecache {
namespace {

int64_t current_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// "<key_space><version digits>:<32 hex digits>": an entry, not a build record or lease.
bool is_entry_key(std::string_view key, std::string_view key_space) {
  if (!key.starts_with(key_space)) return false;
  std::string_view rest = key.substr(key_space.size());
  size_t colon = rest.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  std::string_view version = rest.substr(0, colon);
  std::string_view digest = rest.substr(colon + 1);
  return std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         digest.size() == 32 && std::all_of(digest.begin(), digest.end(), is_hex_digit);
}

void report(const MaintenanceProgress& progress, uint64_t done, uint64_t total) {
  if (progress) progress(done, total);
}

Result<EntryListing> list_by_scan(Cache& cache, const MaintenanceProgress& progress) {
  EntryListing listing;
  const std::string space = cache.key_space();
  Status status = cache.for_each_entry([&](const EntryInfo& info) {
    if (is_entry_key(info.key, space)) listing.entries.push_back(info);
    report(progress, listing.entries.size(), 0);
    return true;
  });
  if (!status) return status;
  return listing;
}

Result<EntryListing> list_by_records(Cache& cache, const MaintenanceProgress& progress) {
  Result<std::vector<BuildRecord>> records = read_build_records(cache, kBuildRecordsKept);
  if (!records) return records.status();
  const std::string space = cache.key_space();
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const BuildRecord& record : *records) {
    for (const RecordedUse& use : record.uses) {
      if (is_entry_key(use.key, space) && seen.insert(use.key).second) keys.push_back(use.key);
    }
  }
  EntryListing listing;
  listing.source = EntrySource::build_records;
  for (size_t i = 0; i < keys.size(); ++i) {
    Result<std::optional<StoredValue>> stored = cache.fetch_backend_key(keys[i]);
    if (!stored) return stored.status();
    if (stored->has_value()) {
      EntryInfo info = std::move((*stored)->info);
      info.key = keys[i];
      listing.entries.push_back(std::move(info));
    }
    report(progress, i + 1, keys.size());
  }
  return listing;
}

// Whether Cache::clear() can work: the plugin clears, or the host scans and removes.
bool can_clear(Cache& cache) {
  return cache.backend_has(SC_CAP_CLEAR) || cache.backend_has(SC_CAP_SCAN);
}

ClearPlan empty_plan(Cache& cache, const EntryListing& listing) {
  ClearPlan plan;
  plan.cache = cache.name();
  plan.key_space = cache.key_space();
  plan.source = listing.source;
  plan.examined = listing.entries.size();
  return plan;
}

// The stale rules of maintenance.hpp over the listed entries.
std::vector<PlannedRemoval> select_stale(const std::vector<EntryInfo>& entries,
                                         const std::vector<BuildRecord>& records,
                                         uint64_t keep_builds, int64_t now) {
  const size_t kept = std::min<size_t>(keep_builds, records.size());
  std::set<std::string> used_recently;
  for (size_t i = 0; i < kept; ++i) {
    for (const RecordedUse& use : records[i].uses) used_recently.insert(use.key);
  }
  // key -> index of the newest record that used it (records are newest first).
  std::map<std::string, size_t> newest_use;
  for (size_t r = 0; r < records.size(); ++r) {
    for (const RecordedUse& use : records[r].uses) newest_use.emplace(use.key, r);
  }
  const bool have_records = !records.empty();
  const int64_t newest_start = have_records ? records.front().started_ms : 0;
  auto in_progress = [&](const EntryInfo& e) {
    return newest_start > 0 && e.created_ms >= newest_start;
  };

  // (label, slot) -> indexes into entries.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].slot.empty()) groups[{entries[i].label, entries[i].slot}].push_back(i);
  }
  std::vector<bool> superseded(entries.size(), false);
  for (const auto& [group, members] : groups) {
    if (members.size() < 2) continue;
    std::set<size_t> current;
    size_t best = records.size();
    for (size_t i : members) {
      if (auto it = newest_use.find(entries[i].key); it != newest_use.end()) {
        best = std::min(best, it->second);
      }
    }
    for (size_t i : members) {
      auto it = newest_use.find(entries[i].key);
      if (it != newest_use.end() && it->second == best) current.insert(i);
    }
    if (current.empty()) {
      int64_t newest = 0;
      for (size_t i : members) newest = std::max(newest, entries[i].created_ms);
      for (size_t i : members) {
        if (entries[i].created_ms == newest) current.insert(i);
      }
    }
    for (size_t i : members) {
      superseded[i] = !current.contains(i) && !in_progress(entries[i]);
    }
  }

  std::vector<PlannedRemoval> removals;
  for (size_t i = 0; i < entries.size(); ++i) {
    const EntryInfo& e = entries[i];
    std::optional<RemovalReason> reason;
    if (entry_expired(e, now)) {
      reason = RemovalReason::expired;
    } else if (superseded[i]) {
      reason = RemovalReason::superseded;
    } else if (have_records && (e.generation > 0 || newest_use.contains(e.key)) &&
               !used_recently.contains(e.key) && !in_progress(e)) {
      reason = RemovalReason::unused;
    }
    if (reason) removals.push_back({e, *reason});
  }
  return removals;
}

std::optional<RemovalReason> select_simple(const ClearSelector& s, const EntryInfo& e,
                                           int64_t now) {
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

std::string_view to_string(EntrySource source) {
  return source == EntrySource::scan ? "scan" : "build_records";
}

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
  }
  return "unknown";
}

uint64_t entry_size(const EntryInfo& entry) {
  return entry.stored_size >= 0 ? static_cast<uint64_t>(entry.stored_size) : entry.value_size;
}

bool entry_expired(const EntryInfo& entry, int64_t now_ms) {
  return entry.expires_ms != 0 && entry.expires_ms <= now_ms;
}

uint64_t ClearPlan::bytes() const {
  uint64_t total = 0;
  for (const PlannedRemoval& r : removals) total += entry_size(r.entry);
  return total;
}

Result<EntryListing> list_entries(Cache& cache, const MaintenanceProgress& progress) {
  Result<EntryListing> scanned = list_by_scan(cache, progress);
  if (scanned || scanned.status().code() != StatusCode::unsupported) return scanned;
  return list_by_records(cache, progress);
}

Result<ClearPlan> plan_clear(Cache& cache, const ClearSelector& selector,
                             const MaintenanceProgress& progress) {
  if (Status s = check_selector(selector); !s) return s;
  Result<EntryListing> listing = list_entries(cache, progress);
  if (!listing) return listing.status();
  ClearPlan plan = empty_plan(cache, *listing);
  const int64_t now = current_ms();
  if (selector.kind == ClearSelector::Kind::stale) {
    Result<std::vector<BuildRecord>> records = read_build_records(cache, kBuildRecordsKept);
    if (!records) return records.status();
    plan.builds_read = records->size();
    plan.builds_kept = std::min<uint64_t>(selector.keep_builds, records->size());
    plan.removals = select_stale(listing->entries, *records, selector.keep_builds, now);
    return plan;
  }
  plan.sweep_key_space = selector.kind == ClearSelector::Kind::all;
  for (const EntryInfo& e : listing->entries) {
    if (std::optional<RemovalReason> reason = select_simple(selector, e, now)) {
      plan.removals.push_back({e, *reason});
    }
  }
  return plan;
}

Result<ClearPlan> plan_gc(Cache& cache, const GcLimits& limits,
                          const MaintenanceProgress& progress) {
  GcLimits effective = limits;
  if (!effective.max_bytes && !effective.max_entries) {
    effective.max_bytes = cache.settings().max_size;
    effective.max_entries = cache.settings().max_entries;
  }
  if (!effective.max_bytes && !effective.max_entries) {
    return Status(StatusCode::invalid_argument,
                  "no limit given and cache '" + cache.name() +
                      "' configures neither max_size nor max_entries");
  }
  Result<EntryListing> listing = list_by_scan(cache, progress);
  if (!listing) {
    if (listing.status().code() != StatusCode::unsupported) return listing.status();
    return Status(StatusCode::unsupported,
                  "gc needs a backend that can list its entries; the backend of cache '" +
                      cache.name() + "' cannot scan (its own limits still apply)");
  }
  ClearPlan plan = empty_plan(cache, *listing);
  std::vector<EntryInfo> live;
  uint64_t bytes = 0;
  const int64_t now = current_ms();
  for (EntryInfo& e : listing->entries) {
    if (entry_expired(e, now)) {
      plan.removals.push_back({std::move(e), RemovalReason::expired});
    } else {
      bytes += entry_size(e);
      live.push_back(std::move(e));
    }
  }
  std::sort(live.begin(), live.end(), less_recently_used);
  uint64_t count = live.size();
  for (EntryInfo& e : live) {
    bool over = (effective.max_entries && count > *effective.max_entries) ||
                (effective.max_bytes && bytes > *effective.max_bytes);
    if (!over) break;
    count -= 1;
    bytes -= entry_size(e);
    plan.removals.push_back({std::move(e), RemovalReason::over_limit});
  }
  return plan;
}

Result<ClearSummary> execute(Cache& cache, const ClearPlan& plan,
                             const MaintenanceProgress& progress) {
  if (cache.settings().read_only) {
    return Status(StatusCode::read_only, "cache '" + cache.name() + "' is read_only");
  }
  const std::string space = cache.key_space();
  for (const PlannedRemoval& r : plan.removals) {
    if (!is_entry_key(r.entry.key, space)) {
      return Status(StatusCode::invalid_argument, "refusing to remove '" + r.entry.key +
                                                      "': not an entry of cache '" + cache.name() +
                                                      "' (key space '" + space + "')");
    }
  }
  ClearSummary summary;
  const uint64_t total = plan.removals.size();
  // With on_error = "miss" a failed removal looks like an absent key; the error counter
  // tells the two apart.
  auto failure_since = [&cache](uint64_t errors_before) {
    return cache.counters().errors != errors_before;
  };
  if (plan.sweep_key_space && can_clear(cache)) {
    const uint64_t before = cache.counters().errors;
    Status status = cache.clear();
    if (status && !failure_since(before)) {
      summary.removed = total;
      summary.bytes = plan.bytes();
      report(progress, total, total);
      return summary;
    }
    // Fall through: remove what was planned one key at a time. With nothing planned (a
    // backend that cannot list keys) the failed sweep is the failure to report.
    if (plan.removals.empty()) {
      summary.failed = 1;
      summary.first_error = status
                                ? "clearing cache '" + cache.name() + "' failed (see the warning)"
                                : status.message();
      return summary;
    }
  }
  uint64_t done = 0;
  for (const PlannedRemoval& r : plan.removals) {
    const uint64_t before = cache.counters().errors;
    Result<bool> removed = cache.remove_backend_key(r.entry.key);
    if (!removed || failure_since(before)) {
      summary.failed += 1;
      if (summary.first_error.empty()) {
        summary.first_error = removed ? "removing " + r.entry.key + " failed (see the warning)"
                                      : removed.status().message();
      }
    } else if (*removed) {
      summary.removed += 1;
      summary.bytes += entry_size(r.entry);
    } else {
      summary.already_gone += 1;
    }
    report(progress, ++done, total);
  }
  return summary;
}

}  // namespace sitecache
