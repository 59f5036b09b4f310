// Failed Status values become Python exceptions of the hierarchy in sitecache/_errors.py.
//
// Binding code throws StatusError (a C++ exception) wherever a core call fails, with or
// without the GIL; the translator registered by register_errors() runs with the GIL held
// once the exception has left the bound function, and raises the Python class for the
// status code. Exceptions never reach the core from here: the core calls back into the
// binding only through render functions and warning sinks, which catch their own.
#ifndef SITECACHE_PYTHON_ERRORS_HPP
#define SITECACHE_PYTHON_ERRORS_HPP

#include <pybind11/pybind11.h>

#include <exception>
#include <string>
#include <utility>

#include "sitecache/status.hpp"

namespace sitecache::python {

class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)), what_(status_.to_string()) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

// Throws StatusError unless `status` is ok.
inline void check(const Status& status) {
  if (!status) throw StatusError(status);
}

// The value of `result`, or StatusError.
template <class T>
T take(Result<T>&& result) {
  if (!result) throw StatusError(result.status());
  return std::move(result.value());
}

// Imports sitecache._errors and registers the StatusError translator.
void register_errors(pybind11::module_& module);

}  // namespace sitecache::python

#endif  // SITECACHE_PYTHON_ERRORS_HPP
