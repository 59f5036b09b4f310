// `sitecache gc`: evict least recently used entries down to the given or configured limits.
#include <limits>
#include <memory>

#include "common.hpp"
#include "entries.hpp"
#include "output.hpp"

namespace sitecache::cli {
namespace {

struct GcOptions {
  std::string max_size;
  uint64_t max_entries = 0;
  bool dry_run = false;
  bool json = false;
  CLI::Option* max_size_option = nullptr;
  CLI::Option* max_entries_option = nullptr;
};

int run_gc(Context& context, const GcOptions& options) {
  GcLimits limits;
  if (options.max_size_option->count() > 0) {
    limits.max_bytes = parse_size_arg("--max-size", options.max_size);
  }
  if (options.max_entries_option->count() > 0) limits.max_entries = options.max_entries;
  Cache& cache = context.cache();
  if (!limits.max_bytes && !limits.max_entries) {
    limits.max_bytes = cache.settings().max_size;
    limits.max_entries = cache.settings().max_entries;
  }
  ClearPlan plan;
  {
    Progress progress("examining " + cache.name(), output_mode(options.json));
    plan = take(plan_gc(cache, limits, progress.callback()));
  }
  Json details = {{"max_bytes", limits.max_bytes ? Json(*limits.max_bytes) : Json(nullptr)},
                  {"max_entries", limits.max_entries ? Json(*limits.max_entries) : Json(nullptr)}};
  return carry_out(cache, plan, {"gc", options.dry_run, options.json, details});
}

}  // namespace

void add_gc_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto o = std::make_shared<GcOptions>();
  CLI::App* cmd =
      app.add_subcommand("gc", "Evict least recently used entries down to a size and entry limit");
  o->max_size_option =
      cmd->add_option("--max-size", o->max_size, "Keep at most SIZE bytes (e.g. 512MiB, 2GB)")
          ->type_name("SIZE");
  o->max_entries_option = cmd->add_option("--max-entries", o->max_entries, "Keep at most N entries")
                              ->type_name("N")
                              ->check(whole_number(0, std::numeric_limits<int64_t>::max()));
  cmd->add_flag("--dry-run", o->dry_run, "List what would be evicted; evict nothing");
  cmd->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  cmd->footer(
      "Without limits, the cache's configured max_size and max_entries apply; with none\n"
      "configured, only expired entries are removed. Expired entries are always removed.\n"
      "Needs a backend that can scan.");
  verbs.add(cmd,
            "sitecache gc [--cache NAME] [--max-size SIZE] [--max-entries N] [--dry-run] [--json]",
            [&context, o] { return run_gc(context, *o); });
}

}  // namespace sitecache::cli
