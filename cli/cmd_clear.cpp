// `sitecache clear`: remove the entries one selector picks (rules in maintenance.hpp).
#include <memory>

#include "common.hpp"
#include "entries.hpp"
#include "output.hpp"

namespace sitecache::cli {
namespace {

struct ClearOptions {
  bool all = false;
  bool stale = false;
  uint64_t keep_builds = kDefaultKeepBuilds;
  std::string older_than;
  std::string prefix;
  std::string tag;
  std::string slot;
  bool dry_run = false;
  bool json = false;
  // Whether each value option was given at all (an empty value is still a choice).
  CLI::Option* older_than_option = nullptr;
  CLI::Option* prefix_option = nullptr;
  CLI::Option* tag_option = nullptr;
  CLI::Option* slot_option = nullptr;
};

constexpr const char* kSelectors = "--all, --stale, --older-than, --prefix, --tag, --slot";

ClearSelector selector_from(const ClearOptions& o, Json& details) {
  int chosen = (o.all ? 1 : 0) + (o.stale ? 1 : 0);
  for (const CLI::Option* opt :
       {o.older_than_option, o.prefix_option, o.tag_option, o.slot_option}) {
    chosen += opt->count() > 0 ? 1 : 0;
  }
  if (chosen == 0) usage_error(std::string("choose what to clear: one of ") + kSelectors);
  if (chosen > 1) usage_error(std::string("give exactly one of ") + kSelectors);
  auto non_empty = [](const char* option, const std::string& text) {
    if (text.empty()) usage_error(std::string(option) + " must not be empty");
    return text;
  };
  if (o.all) {
    details = {{"kind", "all"}};
    return ClearSelector::all();
  }
  if (o.stale) {
    details = {{"kind", "stale"}, {"keep_builds", o.keep_builds}};
    return ClearSelector::stale(o.keep_builds);
  }
  if (o.older_than_option->count() > 0) {
    std::chrono::milliseconds age = parse_duration_arg("--older-than", o.older_than);
    details = {{"kind", "older_than"}, {"age_ms", age.count()}};
    return ClearSelector::older_than(age);
  }
  if (o.prefix_option->count() > 0) {
    details = {{"kind", "prefix"}, {"prefix", o.prefix}};
    return ClearSelector::prefix(non_empty("--prefix", o.prefix));
  }
  if (o.tag_option->count() > 0) {
    details = {{"kind", "tag"}, {"tag", o.tag}};
    return ClearSelector::tag(non_empty("--tag", o.tag));
  }
  details = {{"kind", "slot"}, {"slot", o.slot}};
  return ClearSelector::slot(non_empty("--slot", o.slot));
}

int run_clear(Context& context, const ClearOptions& options) {
  Json details;
  ClearSelector selector = selector_from(options, details);
  Cache& cache = context.cache();
  ClearPlan plan;
  {
    Progress progress("examining " + cache.name(), output_mode(options.json));
    plan = take(plan_clear(cache, selector, progress.callback()));
  }
  if (plan.source == EntrySource::build_records) note(cannot_scan_note(cache, plan.examined));
  if (selector.kind == ClearSelector::Kind::stale && plan.builds_read == 0) {
    note("cache '" + cache.name() +
         "' has no build records: only expired and superseded entries count as stale");
  }
  return carry_out(cache, plan, {"clear", options.dry_run, options.json, details});
}

}  // namespace

void add_clear_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto o = std::make_shared<ClearOptions>();
  CLI::App* cmd = app.add_subcommand("clear", "Remove the entries that one selector picks");
  cmd->add_flag("--all", o->all, "Every entry of this cache (its key prefix only)");
  CLI::Option* stale = cmd->add_flag(
      "--stale", o->stale,
      "Entries no recent build used, and entries superseded by a newer one for their slot");
  cmd->add_option("--keep-builds", o->keep_builds,
                  "With --stale: how many recent builds count as recent (default 3, at most "
                  "the 30 that are kept)")
      ->type_name("N")
      ->check(whole_number(1, kBuildRecordsKept))
      ->needs(stale);
  o->older_than_option = cmd->add_option("--older-than", o->older_than,
                                         "Entries created longer ago than DUR (e.g. 7d, 12h)")
                             ->type_name("DUR");
  o->prefix_option = cmd->add_option("--prefix", o->prefix,
                                     "Entries whose label (plain key or step) starts with P")
                         ->type_name("P");
  o->tag_option = cmd->add_option("--tag", o->tag, "Entries carrying tag T")->type_name("T");
  o->slot_option = cmd->add_option("--slot", o->slot, "Entries of slot S")->type_name("S");
  cmd->add_flag("--dry-run", o->dry_run, "List what would be removed; remove nothing");
  cmd->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  cmd->footer(
      "Exactly one selector. On a backend that cannot scan, the entries named by the build\n"
      "records are considered (so --stale works on every backend).");
  verbs.add(cmd,
            "sitecache clear [--cache NAME] (--all | --stale [--keep-builds N] | --older-than DUR"
            " | --prefix P | --tag T | --slot S) [--dry-run] [--json]",
            [&context, o] { return run_clear(context, *o); });
}

}  // namespace sitecache::cli
