// Listing a cache's entries: by scanning where the backend can, else through the keys its
// build records name.
#include "maintenance/listing.hpp"

#include <set>

#include "cache/cache_impl.hpp"

namespace sitecache {
namespace {

Result<EntryListing> list_by_records(Cache& cache, const MaintenanceProgress& progress) {
  CacheImpl& impl = CacheInternals::of(cache);
  Result<std::vector<BuildRecord>> records = read_build_records(cache, kBuildRecordsKept);
  if (!records) return records.status();
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const BuildRecord& record : *records) {
    for (const RecordedUse& use : record.uses) {
      if (impl.keys.is_entry(use.key) && seen.insert(use.key).second) keys.push_back(use.key);
    }
  }
  EntryListing listing;
  listing.source = EntrySource::build_records;
  for (size_t i = 0; i < keys.size(); ++i) {
    Result<std::optional<StoredValue>> stored = impl.read(keys[i], Counting::no);
    if (!stored) return stored.status();
    if (stored->has_value()) {
      // The blobs of a file step are as visible as the entry naming them.
      for (const std::string& blob : (*stored)->info.blobs) {
        if (seen.insert(blob).second) keys.push_back(blob);
      }
      listing.entries.push_back(std::move((*stored)->info));
    }
    report(progress, i + 1, keys.size());
  }
  return listing;
}

}  // namespace

void report(const MaintenanceProgress& progress, uint64_t done, uint64_t total) {
  if (progress) progress(done, total);
}

Result<EntryListing> list_by_scan(Cache& cache, const MaintenanceProgress& progress) {
  EntryListing listing;
  Status status = CacheInternals::of(cache).scan_entries([&](const EntryInfo& info) {
    listing.entries.push_back(info);
    report(progress, listing.entries.size(), 0);
    return true;
  });
  if (!status) return status;
  return listing;
}

std::string_view to_string(EntrySource source) {
  return source == EntrySource::scan ? "scan" : "build_records";
}

uint64_t entry_size(const EntryInfo& entry) {
  return entry.stored_size >= 0 ? static_cast<uint64_t>(entry.stored_size) : entry.value_size;
}

bool entry_expired(const EntryInfo& entry, int64_t now_ms) {
  return entry.expires_ms != 0 && entry.expires_ms <= now_ms;
}

Result<EntryListing> list_entries(Cache& cache, const MaintenanceProgress& progress) {
  // Both ways count what fails its checks in the cache's counter; the listing reports
  // what it added (exact unless another thread reads corrupt entries meanwhile).
  const std::atomic<uint64_t>& corrupt = CacheInternals::of(cache).counters.corrupt;
  const uint64_t corrupt_before = corrupt.load();
  Result<EntryListing> listed = list_by_scan(cache, progress);
  if (!listed && listed.status().code() == StatusCode::unsupported) {
    listed = list_by_records(cache, progress);
  }
  if (listed) listed->corrupt = corrupt.load() - corrupt_before;
  return listed;
}

}  // namespace sitecache
