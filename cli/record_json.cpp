#include "record_json.hpp"

namespace sitecache::cli {

Json steps_json(const std::map<std::string, StepCounters>& steps) {
  Json out = Json::object();
  for (const auto& [name, s] : steps) {
    out[name] = {{"hits", s.hits},
                 {"misses", s.misses},
                 {"hit_ratio", ratio_json(s.hits, s.misses)},
                 {"saved_us", s.saved_us},
                 {"render_us", s.render_us}};
  }
  return out;
}

Json build_record_json(const BuildRecord& r, RecordSteps steps) {
  Json out = {{"generation", r.generation},
              {"started_ms", r.started_ms},
              {"ended_ms", r.ended_ms},
              {"duration_ms", r.ended_ms - r.started_ms},
              {"hits", r.hits},
              {"misses", r.misses},
              {"hit_ratio", ratio_json(r.hits, r.misses)},
              {"errors", r.errors},
              {"rejected", r.rejected},
              {"saved_us", r.saved_us},
              {"render_us", r.render_us},
              {"bytes_read", r.bytes_read},
              {"bytes_written", r.bytes_written}};
  if (steps == RecordSteps::include) out["steps"] = steps_json(r.steps);
  return out;
}

}  // namespace sitecache::cli
