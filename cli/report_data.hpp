// What `sitecache report` shows of one cache, gathered into one JSON document: the
// --json output and the only input of the HTML page (report_html.hpp). docs/report.md
// documents the fields.
//
// Contract:
//   - reads only: build records, the backend's listing (list_entries) and the stale plan
//     (plan_clear with ClearSelector::stale()), never changes the cache;
//   - a part that cannot be read or that the backend cannot provide is not an error of
//     the whole report: the document's "notes" say what is missing and why, and the part
//     is empty or null;
//   - strings taken from the cache (keys, labels, slots, tags, messages) are copied as
//     they are: whoever renders them must escape them;
//   - tables are cut to `max_rows` rows (the largest or most recent first), with their
//     full counts kept beside them, so the page stays small at 10,000 slots.
#ifndef SITECACHE_CLI_REPORT_DATA_HPP
#define SITECACHE_CLI_REPORT_DATA_HPP

#include <cstddef>

#include "output.hpp"
#include "sitecache/cache.hpp"
#include "sitecache/maintenance.hpp"

namespace sitecache::cli {

struct ReportLimits {
  size_t builds = 20;      // builds in the history chart and the step totals
  size_t miss_builds = 5;  // the newest builds whose misses are listed
  size_t max_rows = 2000;  // rows kept per table
};

// Never fails: what could not be read is in "notes". Progress counts the entries listed.
Json gather_report(Cache& cache, const ReportLimits& limits, const MaintenanceProgress& progress);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_REPORT_DATA_HPP
