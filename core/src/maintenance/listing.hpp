// How maintenance lists a cache's entries (maintenance.hpp: "Where the entries come
// from"), for the planners in this folder.
#ifndef SITECACHE_MAINTENANCE_LISTING_HPP
#define SITECACHE_MAINTENANCE_LISTING_HPP

#include "sitecache/maintenance.hpp"

namespace sitecache {

// Calls progress, if set.
void report(const MaintenanceProgress& progress, uint64_t done, uint64_t total);

// Every entry the backend lists; unsupported when it cannot scan.
Result<EntryListing> list_by_scan(Cache& cache, const MaintenanceProgress& progress);

}  // namespace sitecache

#endif  // SITECACHE_MAINTENANCE_LISTING_HPP
