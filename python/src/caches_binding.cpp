// sitecache._core.load() and Caches: the configured caches of one sitecache.toml.
#include <pybind11/stl.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "errors.hpp"
#include "gil.hpp"

namespace sitecache::python {
namespace py = pybind11;

namespace {

using CachesHolder = std::unique_ptr<Caches, ReleaseGilDelete<Caches>>;

// Calls `callable(message)` with the GIL. A failing callable is reported as unraisable
// (printed by Python) and never reaches the core.
WarningSink python_sink(SharedCallable callable) {
  return [callable = std::move(callable)](std::string_view message) {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    try {
      callable->get()(py::str(message.data(), message.size()));
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("sitecache warning callback");
    } catch (...) {  // NOLINT(bugprone-empty-catch): a sink must not throw into the core
    }
  };
}

std::optional<std::filesystem::path> optional_path(const py::object& value) {
  if (value.is_none()) return std::nullopt;
  return std::filesystem::path(
      py::module_::import("os").attr("fsdecode")(value).cast<std::string>());
}

CachesHolder load(const py::object& path, const py::object& working_dir, bool use_environment,
                  const std::vector<std::string>& plugin_dirs, const py::object& on_warning) {
  ConfigSource source;
  source.explicit_path = optional_path(path);
  source.use_environment = use_environment;
  if (std::optional<std::filesystem::path> dir = optional_path(working_dir)) {
    source.working_dir = *dir;
  }
  WarningSink sink = on_warning.is_none() ? stderr_warnings() : python_sink(share(on_warning));
  std::optional<Result<Config>> config;
  {
    py::gil_scoped_release release;  // reads files
    config = load_config(source);
  }
  Config loaded = take(std::move(*config));
  // The package's own plugins come after the file's [plugins] path and before
  // $SITECACHE_PLUGIN_PATH and the library's built-in directories (plugin_registry.hpp).
  for (const std::string& dir : plugin_dirs) loaded.plugin_path.emplace_back(dir);
  return CachesHolder(new Caches(std::move(loaded), std::move(sink)));
}

}  // namespace

void register_caches(py::module_& module) {
  py::class_<Caches, CachesHolder>(module, "Caches",
                                   "The named caches of one configuration (native).")
      .def(
          "__getitem__",
          [](Caches& caches, const std::string& name) -> Cache& {
            Cache* cache = caches.find(name);
            if (cache == nullptr) throw py::key_error(name);
            return *cache;
          },
          py::return_value_policy::reference_internal)
      .def("__contains__", &Caches::contains)
      .def("names", &Caches::names)
      .def_property_readonly("source",
                             [](const Caches& caches) -> py::object {
                               const std::filesystem::path& source = caches.config().source;
                               if (source.empty()) return py::none();
                               return py::str(source.string());
                             })
      .def_property_readonly(
          "base_dir", [](const Caches& caches) { return caches.config().base_dir.string(); });

  module.def("load", &load, py::arg("path"), py::arg("working_dir"), py::arg("use_environment"),
             py::arg("plugin_dirs"), py::arg("on_warning"),
             "Loads the configuration and opens its caches (native; see sitecache.load).");
}

}  // namespace sitecache::python
