// sitecache._core: the native half of the sitecache Python package. The public API is
// the Python layer in sitecache/ (docstrings, keyword arguments, context managers); this
// module binds the public C++ API (core/include/sitecache) and nothing else.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "errors.hpp"

PYBIND11_MODULE(_core, module) {
  namespace py = pybind11;
  module.doc() = "Native binding of the sitecache C++ library (use the sitecache package).";
  module.attr("__version__") = SITECACHE_VERSION;
  sitecache::python::register_errors(module);
  sitecache::python::register_caches(module);
  sitecache::python::register_cache(module);
  sitecache::python::register_build(module);
  sitecache::python::register_digests(module);
}
