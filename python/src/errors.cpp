// StatusError -> sitecache.Error subclasses, by status code.
#include "errors.hpp"

namespace sitecache::python {
namespace py = pybind11;

namespace {

// The exception classes, looked up once. Deliberately leaked: they must outlive every
// module object that might raise during interpreter shutdown.
struct ErrorClasses {
  py::handle base, config, plugin, backend, invalid_argument, not_found, read_only;
};

ErrorClasses& classes() {
  static ErrorClasses classes;
  return classes;
}

py::handle class_for(StatusCode code) {
  const ErrorClasses& c = classes();
  switch (code) {
    case StatusCode::config:
      return c.config;
    case StatusCode::plugin:
      return c.plugin;
    case StatusCode::invalid_argument:
      return c.invalid_argument;
    case StatusCode::not_found:
      return c.not_found;
    case StatusCode::read_only:
      return c.read_only;
    case StatusCode::io:
    case StatusCode::corruption:
    case StatusCode::unsupported:
    case StatusCode::busy:
    case StatusCode::unavailable:
      return c.backend;
    case StatusCode::ok:
    case StatusCode::internal:
      break;
  }
  return c.base;
}

}  // namespace

void register_errors(py::module_& module) {
  py::module_ errors = py::module_::import("sitecache._errors");
  ErrorClasses& c = classes();
  auto get = [&](const char* name) { return py::object(errors.attr(name)).release(); };
  c.base = get("Error");
  c.config = get("ConfigError");
  c.plugin = get("PluginError");
  c.backend = get("BackendError");
  c.invalid_argument = get("InvalidArgument");
  c.not_found = get("NotFoundError");
  c.read_only = get("ReadOnlyError");
  module.attr("Error") = c.base;
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const StatusError& e) {
      const Status& status = e.status();
      py::handle cls = class_for(status.code());
      py::object instance = cls(status.message(), std::string(to_string(status.code())));
      PyErr_SetObject(cls.ptr(), instance.ptr());
    }
  });
}

}  // namespace sitecache::python
