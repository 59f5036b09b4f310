// The digest-level Cache API used by memoization and the CLI.
#include "cache_impl.hpp"

namespace sitecache {

Result<std::optional<StoredValue>> Cache::fetch(const Digest& digest) {
  return impl_->read(backend_key(digest));
}

Result<std::optional<StoredValue>> Cache::fetch_backend_key(std::string_view bkey) {
  return impl_->read(bkey);
}

Status Cache::store(const Digest& digest, std::string_view value, const StoreOptions& options) {
  return impl_->write(backend_key(digest), value, options);
}

namespace {

// "<version>:<32 hex digits>": the shape of an entry key after "<key_prefix>:".
bool is_entry_key_tail(std::string_view tail) {
  size_t colon = tail.find(':');
  if (colon == 0 || colon == std::string_view::npos || tail.size() - colon - 1 != 32) return false;
  for (size_t i = 0; i < colon; ++i) {
    if (tail[i] < '0' || tail[i] > '9') return false;
  }
  for (char c : tail.substr(colon + 1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool Cache::backend_has(uint64_t capability) {
  Result<Store*> b = impl_->acquire();
  return b && (*b)->has(capability);
}

Status Cache::for_each_entry(const std::function<bool(const EntryInfo&)>& visit) {
  Result<Store*> b = impl_->acquire();
  if (!b) return b.status();
  uint64_t corrupt = 0;
  const std::string space = key_space();
  Status status = (*b)->scan(space, ScanValues::yes, [&](const BackendScanItem& item) {
    if (!item.value || !is_entry_key_tail(item.key.substr(space.size()))) return true;
    auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(item.value->data()),
                                          item.value->size());
    Result<EntryMeta> meta = decode_entry_meta(bytes);
    if (!meta) {
      ++corrupt;
      return true;
    }
    EntryInfo info = impl_->info_from(item.key, *meta, static_cast<int64_t>(item.value->size()));
    info.last_access_ms = item.last_access_ms;
    return visit(info);
  });
  impl_->counters.corrupt.fetch_add(corrupt, std::memory_order_relaxed);
  return status;
}

Result<BackendReport> Cache::backend_report() {
  Result<Store*> b = impl_->acquire();
  if (!b) return b.status();
  BackendReport report;
  report.plugin = (*b)->info();
  if ((*b)->has(SC_CAP_STATS)) {
    Result<BackendStats> stats = (*b)->stats();
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
