// Build records as the JSON of `stats --json` and `report --json` (docs/json.md, "build
// record"): one writer, so both commands describe a build with the same fields.
#ifndef SITECACHE_CLI_RECORD_JSON_HPP
#define SITECACHE_CLI_RECORD_JSON_HPP

#include <map>
#include <string>

#include "output.hpp"
#include "sitecache/build.hpp"

namespace sitecache::cli {

// Whether a build's object carries its per-step counters.
enum class RecordSteps { include, omit };

// {generation, started_ms, ended_ms, duration_ms, hits, misses, hit_ratio, errors,
// rejected, saved_us, render_us, bytes_read, bytes_written[, steps]}.
Json build_record_json(const BuildRecord& record, RecordSteps steps);

// {step: {hits, misses, hit_ratio, saved_us, render_us}}, in step-name order.
Json steps_json(const std::map<std::string, StepCounters>& steps);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_RECORD_JSON_HPP
