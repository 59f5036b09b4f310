// The parts of the native module sitecache._core, one register function per file.
//
// Threading, for every binding: the GIL is released around each core call that may
// touch the backend, hash or read files, so Python threads run in parallel; core
// callbacks (render functions, warning sinks) take the GIL back. No binding calls the
// core while holding the GIL across a wait, which is what keeps the two locks from
// deadlocking: a core thread waiting for the GIL never holds a lock a GIL holder needs.
#ifndef SITECACHE_PYTHON_BINDINGS_HPP
#define SITECACHE_PYTHON_BINDINGS_HPP

#include <pybind11/pybind11.h>

#include "sitecache/cache.hpp"

namespace sitecache::python {

// Owners that destroy without the GIL: destroying a Caches flushes write batches and
// destroying an open BuildSession finishes it, both backend I/O.
template <class T>
struct ReleaseGilDelete {
  void operator()(T* object) const {
    if (Py_IsInitialized() && PyGILState_Check()) {
      pybind11::gil_scoped_release release;
      delete object;
    } else {
      delete object;
    }
  }
};

void register_caches(pybind11::module_& module);  // caches_binding.cpp
void register_cache(pybind11::module_& module);   // cache_binding.cpp
void register_memoize(pybind11::class_<Cache, std::unique_ptr<Cache, pybind11::nodelete>>& cls);
void register_build(pybind11::module_& module);    // build_binding.cpp
void register_digests(pybind11::module_& module);  // digests_binding.cpp

}  // namespace sitecache::python

#endif  // SITECACHE_PYTHON_BINDINGS_HPP
