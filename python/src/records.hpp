// Core reports as plain Python dicts (what stats(), Build.finish() and counters() return).
// The field names are those of docs/json.md. Every function needs the GIL.
#ifndef SITECACHE_PYTHON_RECORDS_HPP
#define SITECACHE_PYTHON_RECORDS_HPP

#include <pybind11/pybind11.h>

#include "sitecache/build.hpp"
#include "sitecache/cache.hpp"

namespace sitecache::python {

// generation, cache, started_ms, ended_ms, hits, misses, errors, bytes_read,
// bytes_written, saved_us, render_us, steps {name: {hits, misses, saved_us, render_us}},
// and with `uses`: uses [{key, step, slot, hit}].
pybind11::dict record_to_dict(const BuildRecord& record, bool uses);

// plugin {name, version, file}, entries, bytes, max_entries, max_bytes, evictions
// (None where the backend cannot tell).
pybind11::dict report_to_dict(const BackendReport& report);

// hits, misses, sets, deletes, errors, corrupt, bytes_read, bytes_written.
pybind11::dict counters_to_dict(const CacheCounters& counters);

}  // namespace sitecache::python

#endif  // SITECACHE_PYTHON_RECORDS_HPP
