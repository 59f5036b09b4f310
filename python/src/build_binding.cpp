// sitecache._core.Build: one open build session of a cache (build.hpp).
#include <memory>
#include <optional>
#include <utility>

#include "bindings.hpp"
#include "errors.hpp"
#include "records.hpp"
#include "sitecache/build.hpp"

namespace sitecache::python {
namespace py = pybind11;

namespace {

// The session until finish(); then only its record. Python keeps the Cache (and so its
// Caches) alive while a Build exists (py::keep_alive in register_build).
class Build {
 public:
  explicit Build(BuildSession session) : generation_(session.generation()) {
    session_.emplace(std::move(session));
  }
  Build(const Build&) = delete;
  Build& operator=(const Build&) = delete;
  // Runs in the Python object's deallocation, with the GIL: an unfinished session is
  // finished (backend I/O) without it; the record dict is released with it.
  ~Build() {
    if (session_ && Py_IsInitialized() && PyGILState_Check()) {
      py::gil_scoped_release release;
      session_.reset();
    }
  }

  uint64_t generation() const { return generation_; }
  bool finished() const { return !session_.has_value(); }

  // Writes the record; a second call returns the first call's record.
  py::dict finish() {
    if (!session_) return record_;
    std::optional<Result<BuildRecord>> record;
    {
      py::gil_scoped_release release;
      record.emplace(session_->finish());
      session_.reset();
    }
    record_ = record_to_dict(take(std::move(*record)), true);
    return record_;
  }

  py::dict snapshot() const {
    if (!session_) return record_;
    std::optional<BuildRecord> record;
    {
      py::gil_scoped_release release;
      record.emplace(session_->snapshot());
    }
    return record_to_dict(*record, true);
  }

 private:
  uint64_t generation_;
  std::optional<BuildSession> session_;
  py::dict record_;
};

}  // namespace

void register_build(py::module_& module) {
  py::class_<Build>(module, "Build", "An open build session (native; see sitecache.Build).")
      .def_property_readonly("generation", &Build::generation)
      .def_property_readonly("finished", &Build::finished)
      .def("finish", &Build::finish)
      .def("snapshot", &Build::snapshot);
  py::class_<Cache, std::unique_ptr<Cache, py::nodelete>> cache =
      py::reinterpret_borrow<py::object>(module.attr("Cache"));
  cache.def(
      "begin_build",
      [](Cache& c) {
        std::optional<BuildSession> session;
        {
          py::gil_scoped_release release;  // finishes an open session first: I/O
          session.emplace(c.begin_build());
        }
        return std::make_unique<Build>(std::move(*session));
      },
      py::keep_alive<0, 1>());
}

}  // namespace sitecache::python
