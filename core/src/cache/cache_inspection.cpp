// What a Cache says about its backend: stats and load failures.
#include "cache/cache_impl.hpp"

namespace sitecache {

Result<BackendReport> Cache::backend_report() {
  Result<Store*> b = impl_->acquire();
  if (!b) return b.status();
  BackendReport report;
  report.plugin = (*b)->info();
  if ((*b)->has(Capability::stats)) {
    Result<StoreStats> stats = (*b)->stats();
    if (!stats) return stats.status();
    report.entries = stats->entries;
    report.bytes = stats->bytes;
    report.max_entries = stats->max_entries;
    report.max_bytes = stats->max_bytes;
    report.evictions = stats->evictions;
  }
  return report;
}

Status Cache::check_backend() {
  Result<Store*> b = impl_->acquire();
  return b ? Status::ok() : b.status();
}

}  // namespace sitecache
