// Entry output shared by `ls`, `clear` and `gc`: the JSON of one entry, the note about
// backends that cannot scan, and running or previewing a removal plan.
#ifndef SITECACHE_CLI_ENTRIES_HPP
#define SITECACHE_CLI_ENTRIES_HPP

#include <string>
#include <string_view>

#include "output.hpp"
#include "sitecache/maintenance.hpp"

namespace sitecache::cli {

Json entry_json(const EntryInfo& entry);

// "the sqlite backend of cache 'x' cannot scan; showing the N entries ... build records".
std::string cannot_scan_note(Cache& cache, uint64_t entries_known);

struct PlanOutput {
  std::string_view command;  // "clear" or "gc"
  bool dry_run = false;
  bool json = false;
  Json details;  // the selector or limits, as given (JSON only)
};

// With dry_run prints what would go and removes nothing; otherwise executes the plan
// (with progress on a terminal) and prints how many entries and bytes went. Exit 1 when
// any removal failed.
int carry_out(Cache& cache, const ClearPlan& plan, const PlanOutput& output);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_ENTRIES_HPP
