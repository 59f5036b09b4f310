// The stale rules of maintenance.hpp (`clear --stale`) over listed entries and build
// records. Pure: reads nothing, changes nothing.
#ifndef SITECACHE_MAINTENANCE_STALE_HPP
#define SITECACHE_MAINTENANCE_STALE_HPP

#include <cstdint>
#include <vector>

#include "sitecache/build.hpp"
#include "sitecache/maintenance.hpp"

namespace sitecache {

// `records` newest first; the newest `keep_builds` of them are R, all of them A.
std::vector<PlannedRemoval> select_stale(const std::vector<EntryInfo>& entries,
                                         const std::vector<BuildRecord>& records,
                                         uint64_t keep_builds, int64_t now);

}  // namespace sitecache

#endif  // SITECACHE_MAINTENANCE_STALE_HPP
