// Carrying out a ClearPlan: removes exactly the planned keys of the cache's own key space.
#include "cache/cache_impl.hpp"
#include "maintenance/listing.hpp"

namespace sitecache {
namespace {

// Refuses a plan that names a key outside the cache's entries (a forged or stale plan).
Status check_plan(const CacheImpl& impl, const ClearPlan& plan) {
  for (const PlannedRemoval& r : plan.removals) {
    const KeyKind kind = impl.keys.parse(r.entry.key).kind;
    if (kind != KeyKind::entry && kind != KeyKind::blob) {
      return Status(StatusCode::invalid_argument,
                    "refusing to remove '" + r.entry.key + "': not an entry of cache '" +
                        impl.settings.name + "' (key space '" + impl.keys.prefix() + "')");
    }
  }
  return Status::ok();
}

// Removes the planned keys one at a time, continuing past failures.
void remove_each(CacheImpl& impl, const ClearPlan& plan, const MaintenanceProgress& progress,
                 ClearSummary& summary) {
  const uint64_t total = plan.removals.size();
  uint64_t done = 0;
  for (const PlannedRemoval& r : plan.removals) {
    Result<bool> removed = impl.remove_key(r.entry.key);
    if (!removed) {
      summary.failed += 1;
      if (summary.first_error.empty()) summary.first_error = removed.status().message();
    } else if (*removed) {
      summary.removed += 1;
      summary.bytes += entry_size(r.entry);
    } else {
      summary.already_gone += 1;
    }
    report(progress, ++done, total);
  }
}

}  // namespace

Result<ClearSummary> execute(Cache& cache, const ClearPlan& plan,
                             const MaintenanceProgress& progress) {
  CacheImpl& impl = CacheInternals::of(cache);
  if (impl.settings.read_only) {
    return Status(StatusCode::read_only, "cache '" + cache.name() + "' is read_only");
  }
  if (Status s = check_plan(impl, plan); !s) return s;
  ClearSummary summary;
  const bool can_clear = impl.has(Capability::clear) || impl.has(Capability::scan);
  if (plan.sweep_key_space && can_clear) {
    Status swept = impl.clear_keys();
    if (swept) {
      summary.removed = plan.removals.size();
      summary.bytes = plan.bytes();
      report(progress, summary.removed, summary.removed);
      return summary;
    }
    // Remove what was planned one key at a time. With nothing planned (a backend that
    // cannot list keys) the failed sweep is the failure to report.
    if (plan.removals.empty()) {
      summary.failed = 1;
      summary.first_error = swept.message();
      return summary;
    }
  }
  remove_each(impl, plan, progress, summary);
  return summary;
}

}  // namespace sitecache
