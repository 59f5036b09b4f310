// `sitecache build start | finish ID`: a build that spans processes. A Makefile starts
// one, exports its id as SITECACHE_BUILD for every `sitecache exec` (and get and put) it
// runs, and finishes it; `stats`, `ls`, `explain` and `clear --stale` then see one build.
#include <cstdlib>
#include <memory>

#include "common.hpp"
#include "output.hpp"

namespace sitecache::cli {
namespace {

struct BuildOptions {
  uint64_t id = 0;
  bool json = false;
};

int run_start(Context& context) {
  Cache& cache = context.cache();
  write_stdout(std::to_string(take(cache.start_shared_build())) + "\n");
  return kExitOk;
}

int run_finish(Context& context, const BuildOptions& o) {
  Cache& cache = context.cache();
  Result<BuildRecord> record = cache.finish_shared_build(o.id);
  if (!record && record.status().code() == StatusCode::not_found) {
    not_found(record.status().message());
  }
  const BuildRecord& r = take(std::move(record));
  if (o.json) {
    Json document = json_document("build finish");
    document["cache"] = cache.name();
    document["generation"] = r.generation;
    document["hits"] = r.hits;
    document["misses"] = r.misses;
    document["saved_us"] = r.saved_us;
    document["render_us"] = r.render_us;
    document["uses"] = r.uses.size();
    print_json(document);
    return kExitOk;
  }
  write_text("build #" + std::to_string(r.generation) + " of cache " + cache.name() + ": " +
             counted(r.hits, "hit", "hits") + ", " + counted(r.misses, "miss", "misses") + " (" +
             percent(r.hits, r.misses) + "), saved " + micros_text(r.saved_us) + "\n");
  return kExitOk;
}

}  // namespace

void add_build_command(CLI::App& app, Context& context, Verbs& verbs) {
  CLI::App* build = app.add_subcommand("build", "A build that spans processes (make, scripts)");
  build->require_subcommand(1);
  verbs.add(build, "sitecache build (start | finish ID)");
  CLI::App* start = build->add_subcommand("start", "Start a build; prints its id");
  start->footer(
      "Export it for the build's commands: export SITECACHE_BUILD=$(sitecache build start)");
  verbs.add(start, "sitecache build start", [&context] { return run_start(context); });
  auto o = std::make_shared<BuildOptions>();
  CLI::App* finish =
      build->add_subcommand("finish", "Finish build ID: write its record (exit 3 if unknown)");
  finish->add_option("ID", o->id, "The id 'build start' printed")->required();
  finish->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  verbs.add(finish, "sitecache build finish ID [--json]",
            [&context, o] { return run_finish(context, *o); });
}

}  // namespace sitecache::cli
