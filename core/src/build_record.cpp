// BuildRecord <-> JSON. The shape is documented in docs/json.md ("build record").
#include <nlohmann/json.hpp>

#include "sitecache/build.hpp"

namespace sitecache {

using nlohmann::json;

std::string BuildRecord::to_json() const {
  json steps_json = json::object();
  for (const auto& [name, c] : steps) {
    steps_json[name] = {{"hits", c.hits},
                        {"misses", c.misses},
                        {"saved_us", c.saved_us},
                        {"render_us", c.render_us}};
  }
  json uses_json = json::array();
  for (const auto& use : uses) {
    json inputs_json = json::array();
    for (const auto& input : use.inputs) inputs_json.push_back({input.name, input.digest});
    uses_json.push_back({{"key", use.key},
                         {"step", use.step},
                         {"slot", use.slot},
                         {"hit", use.hit},
                         {"inputs", std::move(inputs_json)}});
  }
  json out = {{"format_version", 1},
              {"generation", generation},
              {"cache", cache},
              {"started_ms", started_ms},
              {"ended_ms", ended_ms},
              {"hits", hits},
              {"misses", misses},
              {"errors", errors},
              {"bytes_read", bytes_read},
              {"bytes_written", bytes_written},
              {"saved_us", saved_us},
              {"render_us", render_us},
              {"steps", std::move(steps_json)},
              {"uses", std::move(uses_json)}};
  return out.dump();
}

Result<BuildRecord> BuildRecord::from_json(std::string_view text) {
  json in = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded() || !in.is_object()) {
    return Status(StatusCode::corruption, "build record is not valid JSON");
  }
  // Reading with defaults keeps older or partial records readable; a wrong type is
  // reported instead of thrown.
  try {
    if (in.value("format_version", 0) != 1) {
      return Status(StatusCode::corruption, "unknown build record format");
    }
    BuildRecord r;
    r.generation = in.value("generation", uint64_t{0});
    r.cache = in.value("cache", std::string());
    r.started_ms = in.value("started_ms", int64_t{0});
    r.ended_ms = in.value("ended_ms", int64_t{0});
    r.hits = in.value("hits", uint64_t{0});
    r.misses = in.value("misses", uint64_t{0});
    r.errors = in.value("errors", uint64_t{0});
    r.bytes_read = in.value("bytes_read", uint64_t{0});
    r.bytes_written = in.value("bytes_written", uint64_t{0});
    r.saved_us = in.value("saved_us", uint64_t{0});
    r.render_us = in.value("render_us", uint64_t{0});
    const json steps_json = in.value("steps", json::object());
    for (const auto& [name, c] : steps_json.items()) {
      r.steps[name] =
          StepCounters{c.value("hits", uint64_t{0}), c.value("misses", uint64_t{0}),
                       c.value("saved_us", uint64_t{0}), c.value("render_us", uint64_t{0})};
    }
    const json uses_json = in.value("uses", json::array());
    for (const auto& u : uses_json) {
      RecordedUse use;
      use.key = u.value("key", std::string());
      use.step = u.value("step", std::string());
      use.slot = u.value("slot", std::string());
      use.hit = u.value("hit", false);
      const json inputs_json = u.value("inputs", json::array());
      for (const auto& input : inputs_json) {
        if (input.is_array() && input.size() == 2) {
          use.inputs.push_back({input[0].get<std::string>(), input[1].get<std::string>()});
        }
      }
      r.uses.push_back(std::move(use));
    }
    return r;
  } catch (const json::exception& e) {
    return Status(StatusCode::corruption, std::string("malformed build record: ") + e.what());
  }
}

}  // namespace sitecache
