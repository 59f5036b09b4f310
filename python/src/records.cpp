// Core reports -> dicts (records.hpp).
#include "records.hpp"

namespace sitecache::python {
namespace py = pybind11;

namespace {

py::object known_or_none(int64_t value) {
  return value < 0 ? py::object(py::none()) : py::object(py::int_(value));
}

}  // namespace

py::dict record_to_dict(const BuildRecord& record, bool uses) {
  py::dict out;
  out["generation"] = record.generation;
  out["cache"] = record.cache;
  out["started_ms"] = record.started_ms;
  out["ended_ms"] = record.ended_ms;
  out["hits"] = record.hits;
  out["misses"] = record.misses;
  out["errors"] = record.errors;
  out["rejected"] = record.rejected;
  out["bytes_read"] = record.bytes_read;
  out["bytes_written"] = record.bytes_written;
  out["saved_us"] = record.saved_us;
  out["render_us"] = record.render_us;
  py::dict steps;
  for (const auto& [name, step] : record.steps) {
    py::dict s;
    s["hits"] = step.hits;
    s["misses"] = step.misses;
    s["saved_us"] = step.saved_us;
    s["render_us"] = step.render_us;
    steps[py::str(name)] = s;
  }
  out["steps"] = steps;
  if (uses) {
    py::list list;
    for (const RecordedUse& use : record.uses) {
      py::dict u;
      u["key"] = use.key;
      u["step"] = use.step;
      u["slot"] = use.slot;
      u["hit"] = use.hit;
      list.append(u);
    }
    out["uses"] = list;
  }
  return out;
}

py::dict report_to_dict(const BackendReport& report) {
  py::dict plugin;
  plugin["name"] = report.plugin.name;
  plugin["version"] = report.plugin.version;
  plugin["file"] = report.plugin.file.string();
  py::dict out;
  out["plugin"] = plugin;
  out["entries"] = known_or_none(report.entries);
  out["bytes"] = known_or_none(report.bytes);
  out["max_entries"] = known_or_none(report.max_entries);
  out["max_bytes"] = known_or_none(report.max_bytes);
  out["evictions"] = known_or_none(report.evictions);
  return out;
}

py::dict counters_to_dict(const CacheCounters& counters) {
  py::dict out;
  out["hits"] = counters.hits;
  out["misses"] = counters.misses;
  out["sets"] = counters.sets;
  out["deletes"] = counters.deletes;
  out["errors"] = counters.errors;
  out["corrupt"] = counters.corrupt;
  out["rejected"] = counters.rejected;
  out["bytes_read"] = counters.bytes_read;
  out["bytes_written"] = counters.bytes_written;
  return out;
}

}  // namespace sitecache::python
