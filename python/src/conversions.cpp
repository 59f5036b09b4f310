// Argument conversions (conversions.hpp).
#include "conversions.hpp"

#include <chrono>
#include <cmath>

#include "errors.hpp"
#include "sitecache/units.hpp"

namespace sitecache::python {
namespace py = pybind11;

std::string_view text_or_bytes(py::handle value, const char* what) {
  PyObject* object = value.ptr();
  if (PyUnicode_Check(object)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(object, &size);
    if (data == nullptr) throw py::error_already_set();
    return {data, static_cast<size_t>(size)};
  }
  if (PyBytes_Check(object)) {
    return {PyBytes_AS_STRING(object), static_cast<size_t>(PyBytes_GET_SIZE(object))};
  }
  throw py::type_error(std::string(what) + " must be str or bytes, not " +
                       Py_TYPE(object)->tp_name);
}

Timeout to_timeout(py::handle value) {
  PyObject* object = value.ptr();
  if (object == Py_None) return Timeout::use_default();
  if (PyUnicode_Check(object)) return take(parse_timeout(value.cast<std::string>()));
  double seconds = 0;
  if (PyBool_Check(object)) {
    throw py::type_error("timeout must be seconds, a timedelta, a duration string or None");
  } else if (PyLong_Check(object) || PyFloat_Check(object)) {
    seconds = value.cast<double>();
  } else if (py::isinstance(value, py::module_::import("datetime").attr("timedelta"))) {
    seconds = value.attr("total_seconds")().cast<double>();
  } else {
    throw py::type_error(std::string("timeout must be seconds, a timedelta, a duration string "
                                     "or None, not ") +
                         Py_TYPE(object)->tp_name);
  }
  if (std::isnan(seconds)) throw py::value_error("timeout is NaN");
  // A day short of the millisecond range of int64: "never" is spelled "none".
  constexpr double kMaxSeconds = 9.2e15;
  if (seconds > kMaxSeconds) throw py::value_error("timeout too large; use \"none\" for never");
  return Timeout::after(std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1e3))));
}

std::vector<std::string> to_strings(py::handle value, const char* what) {
  if (PyUnicode_Check(value.ptr()) || PyBytes_Check(value.ptr())) {
    throw py::type_error(std::string(what) + " must be an iterable of str, not a single string");
  }
  std::vector<std::string> out;
  for (py::handle item : py::iter(value)) {
    if (!PyUnicode_Check(item.ptr())) {
      throw py::type_error(std::string(what) + " must be str, not " + Py_TYPE(item.ptr())->tp_name);
    }
    out.push_back(item.cast<std::string>());
  }
  return out;
}

py::object to_python(const std::string& value, bool text) {
  if (text) {
    PyObject* decoded =
        PyUnicode_DecodeUTF8(value.data(), static_cast<Py_ssize_t>(value.size()), "strict");
    if (decoded == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(decoded);
  }
  return py::bytes(value.data(), value.size());
}

}  // namespace sitecache::python
