// Holding Python objects in core callbacks that run without the GIL.
//
// The core copies and destroys its callbacks (warning sinks) on whatever thread it
// likes, often with the GIL released. A py::object may only be copied or released with
// the GIL held, so callbacks capture a SharedCallable: a shared_ptr copies without
// touching Python, and the last owner acquires the GIL to drop the reference.
#ifndef SITECACHE_PYTHON_GIL_HPP
#define SITECACHE_PYTHON_GIL_HPP

#include <pybind11/pybind11.h>

#include <memory>
#include <utility>

namespace sitecache::python {

class PythonRef {
 public:
  explicit PythonRef(pybind11::object object) : object_(std::move(object)) {}
  PythonRef(const PythonRef&) = delete;
  PythonRef& operator=(const PythonRef&) = delete;
  ~PythonRef() {
    if (!Py_IsInitialized()) {
      object_.release();  // the interpreter is gone: nothing left to release into
      return;
    }
    pybind11::gil_scoped_acquire gil;
    object_ = pybind11::object();
  }
  // Requires the GIL.
  const pybind11::object& get() const { return object_; }

 private:
  pybind11::object object_;
};

using SharedCallable = std::shared_ptr<const PythonRef>;

inline SharedCallable share(pybind11::object object) {
  return std::make_shared<const PythonRef>(std::move(object));
}

}  // namespace sitecache::python

#endif  // SITECACHE_PYTHON_GIL_HPP
