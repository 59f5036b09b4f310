// sitecache._core.Cache: Django's low-level API, counters and the backend's report.
// Keys and values are str (stored as UTF-8) or bytes; see conversions.hpp.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "conversions.hpp"
#include "errors.hpp"
#include "records.hpp"
#include "sitecache/build.hpp"

namespace sitecache::python {
namespace py = pybind11;

namespace {

using CacheClass = py::class_<Cache, std::unique_ptr<Cache, py::nodelete>>;

// Runs `call` without the GIL and returns its value, or raises its failure.
template <class Call>
auto without_gil(Call&& call) {
  using R = decltype(call());
  std::optional<R> result;
  {
    py::gil_scoped_release release;
    result.emplace(call());
  }
  return std::move(*result);
}

py::object get(Cache& cache, py::handle key, bool text) {
  const std::string_view k = text_or_bytes(key, "key");
  std::optional<std::string> value = take(without_gil([&] { return cache.get(k); }));
  if (!value) return py::none();
  return to_python(*value, text);
}

void set(Cache& cache, py::handle key, py::handle value, py::handle timeout, py::handle slot,
         py::handle tags) {
  const std::string_view k = text_or_bytes(key, "key");
  const std::string_view v = text_or_bytes(value, "value");
  SetOptions options;
  options.timeout = to_timeout(timeout);
  if (!slot.is_none()) options.slot = std::string(text_or_bytes(slot, "slot"));
  options.tags = to_strings(tags, "tags");
  check(without_gil([&] { return cache.set(k, v, options); }));
}

bool add(Cache& cache, py::handle key, py::handle value, py::handle timeout) {
  const std::string_view k = text_or_bytes(key, "key");
  const std::string_view v = text_or_bytes(value, "value");
  const Timeout t = to_timeout(timeout);
  return take(without_gil([&] { return cache.add(k, v, t); }));
}

bool remove(Cache& cache, py::handle key) {
  const std::string_view k = text_or_bytes(key, "key");
  return take(without_gil([&] { return cache.remove(k); }));
}

bool contains(Cache& cache, py::handle key) {
  const std::string_view k = text_or_bytes(key, "key");
  return take(without_gil([&] { return cache.has_key(k); }));
}

bool touch(Cache& cache, py::handle key, py::handle timeout) {
  const std::string_view k = text_or_bytes(key, "key");
  const Timeout t = to_timeout(timeout);
  return take(without_gil([&] { return cache.touch(k, t); }));
}

int64_t incr(Cache& cache, py::handle key, int64_t delta) {
  const std::string_view k = text_or_bytes(key, "key");
  return take(without_gil([&] { return cache.incr(k, delta); }));
}

py::list build_records(Cache& cache, size_t limit) {
  std::vector<BuildRecord> records =
      take(without_gil([&] { return read_build_records(cache, limit); }));
  py::list out;
  for (const BuildRecord& record : records) out.append(record_to_dict(record, false));
  return out;
}

py::dict settings(const Cache& cache) {
  const CacheConfig& s = cache.settings();
  py::dict out;
  out["name"] = s.name;
  out["backend"] = s.backend;
  out["location"] = s.location;
  out["key_prefix"] = s.key_prefix;
  out["version"] = s.version;
  out["read_only"] = s.read_only;
  out["on_error"] = s.on_error == OnError::miss ? "miss" : "fail";
  return out;
}

}  // namespace

void register_cache(py::module_& module) {
  CacheClass cls(module, "Cache", "One named cache (native; see sitecache.Cache).");
  cls.def_property_readonly("name", &Cache::name)
      .def_property_readonly("settings", &settings)
      .def("get", &get, py::arg("key"), py::arg("text"))
      .def("set", &set, py::arg("key"), py::arg("value"), py::arg("timeout"), py::arg("slot"),
           py::arg("tags"))
      .def("add", &add, py::arg("key"), py::arg("value"), py::arg("timeout"))
      .def("delete", &remove, py::arg("key"))
      .def("contains", &contains, py::arg("key"))
      .def("touch", &touch, py::arg("key"), py::arg("timeout"))
      .def("incr", &incr, py::arg("key"), py::arg("delta"))
      .def("clear", [](Cache& cache) { check(without_gil([&] { return cache.clear(); })); })
      .def("counters", [](const Cache& cache) { return counters_to_dict(cache.counters()); })
      .def("backend_report",
           [](Cache& cache) {
             return report_to_dict(take(without_gil([&] { return cache.backend_report(); })));
           })
      .def("build_records", &build_records, py::arg("limit"));
  register_memoize(cls);
}

}  // namespace sitecache::python
