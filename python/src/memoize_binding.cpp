// Cache.memoize for Python: named inputs -> Inputs, the render function called with the
// GIL, the stored output back as bytes or str.
//
// Inputs: a mapping (or an iterable of (name, value) pairs) from str names to values.
// A value that is os.PathLike (pathlib.Path) counts by its file's content, through the
// process-wide stat cache (FileHasher::shared()); any other value by its typed key
// fields (key_fields.hpp). Input order is part of the key, as in C++.
#include <pybind11/stl.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "conversions.hpp"
#include "errors.hpp"
#include "key_fields.hpp"

namespace sitecache::python {
namespace py = pybind11;

namespace {

// One named input, collected with the GIL and hashed without it. Destroy with the GIL.
struct PreparedInput {
  std::string name;
  KeyFields fields;                           // when not a file
  std::optional<std::filesystem::path> file;  // os.PathLike values
};

bool is_path_like(py::handle value) {
  if (PyUnicode_Check(value.ptr()) || PyBytes_Check(value.ptr())) return false;
  static PyObject* const fspath_name = PyUnicode_InternFromString("__fspath__");
  if (fspath_name == nullptr) throw py::error_already_set();
  return PyObject_HasAttr(value.ptr(), fspath_name) == 1;
}

// os.fsencode(os.fspath(value)) as a filesystem path, through the C API rather than a
// call of the os module's functions (a memoize hit is a few microseconds): the
// os.PathLike protocol, the interpreter's filesystem encoding (so a non-UTF-8 name comes
// back as its bytes), and a ValueError for an embedded NUL.
std::filesystem::path file_path_of(py::handle value) {
  PyObject* encoded = nullptr;
  if (PyUnicode_FSConverter(value.ptr(), &encoded) == 0) throw py::error_already_set();
  const py::object bytes = py::reinterpret_steal<py::object>(encoded);
  return std::filesystem::path(std::string(PyBytes_AS_STRING(bytes.ptr()),
                                           static_cast<size_t>(PyBytes_GET_SIZE(bytes.ptr()))));
}

// Inputs of Cache.memoize (named "input 'x'" in errors, paths count by content) or the
// arguments of a @cached function ("argument 'x'", no file inputs: every argument is
// hashed by value).
enum class InputKind { input, argument };

void prepare(std::vector<PreparedInput>& out, py::handle name, py::handle value, InputKind kind) {
  if (!PyUnicode_Check(name.ptr())) {
    throw py::type_error(std::string("input names must be str, not ") +
                         Py_TYPE(name.ptr())->tp_name);
  }
  PreparedInput& input = out.emplace_back();
  input.name = name.cast<std::string>();
  if (kind == InputKind::input && is_path_like(value)) {
    input.file = file_path_of(value);
  } else {
    const char* what = kind == InputKind::input ? "input '" : "argument '";
    input.fields.add(value, what + input.name + "'");
  }
}

std::vector<PreparedInput> prepare_inputs(py::handle inputs, InputKind kind) {
  std::vector<PreparedInput> out;
  if (PyDict_Check(inputs.ptr())) {
    for (auto [name, value] : py::reinterpret_borrow<py::dict>(inputs)) {
      prepare(out, name, value, kind);
    }
  } else if (py::hasattr(inputs, "items") && !PyUnicode_Check(inputs.ptr())) {
    for (py::handle item : inputs.attr("items")()) {
      prepare(out, item[py::int_(0)], item[py::int_(1)], kind);
    }
  } else {
    if (PyUnicode_Check(inputs.ptr()) || PyBytes_Check(inputs.ptr())) {
      throw py::type_error("inputs must be a mapping of names to values");
    }
    for (py::handle item : py::iter(inputs)) {
      if (!PyTuple_Check(item.ptr()) || PyTuple_GET_SIZE(item.ptr()) != 2) {
        throw py::type_error("inputs must be a mapping, or (name, value) pairs");
      }
      prepare(out, PyTuple_GET_ITEM(item.ptr(), 0), PyTuple_GET_ITEM(item.ptr(), 1), kind);
    }
  }
  return out;
}

// Hashes the prepared inputs (file contents included); no Python objects are touched.
Inputs hash_inputs(const std::vector<PreparedInput>& prepared) {
  Inputs inputs;
  for (const PreparedInput& input : prepared) {
    if (input.file) {
      inputs.file(input.name, *input.file);
    } else {
      inputs.add(input.name, input.fields.input_digest());
    }
  }
  return inputs;
}

uint64_t to_version(py::handle version) {
  if (PyLong_Check(version.ptr()) && !PyBool_Check(version.ptr())) {
    const unsigned long long value = PyLong_AsUnsignedLongLong(version.ptr());
    if (!PyErr_Occurred()) return value;
    PyErr_Clear();
  }
  throw py::type_error("version must be an int from 0 to 2**64 - 1");
}

// The positional signature the Python layer calls (sitecache/_cache.py documents it).
py::object memoize(Cache& cache, py::handle step, py::handle inputs, py::handle render,
                   py::handle version, py::handle slot, py::handle tags, py::handle timeout,
                   bool text, bool arguments) {
  if (!PyUnicode_Check(step.ptr())) {
    throw py::type_error(std::string("step must be str, not ") + Py_TYPE(step.ptr())->tp_name);
  }
  if (!PyCallable_Check(render.ptr())) {
    throw py::type_error(std::string("the render function must be callable, not ") +
                         Py_TYPE(render.ptr())->tp_name);
  }
  const std::vector<PreparedInput> prepared =
      prepare_inputs(inputs, arguments ? InputKind::argument : InputKind::input);
  const Step memo_step{step.cast<std::string>(), to_version(version)};
  MemoOptions options;
  options.timeout = to_timeout(timeout);
  if (!slot.is_none()) options.slot = std::string(text_or_bytes(slot, "slot"));
  options.tags = to_strings(tags, "tags");
  // Called by the core on a miss, on this thread and without the GIL. An exception from
  // the function (error_already_set) goes through the core, which stores nothing, and
  // reaches the caller (and any thread that waited for this key) as itself.
  const std::function<std::string()> call_render = [render]() -> std::string {
    py::gil_scoped_acquire gil;
    py::object output = render();
    return std::string(text_or_bytes(output, "the render function's result"));
  };
  std::optional<Result<std::string>> out;
  {
    py::gil_scoped_release release;
    const Inputs hashed = hash_inputs(prepared);
    out.emplace(cache.memoize(memo_step, hashed, call_render, options));
  }
  return to_python(take(std::move(*out)), text);
}

}  // namespace

void register_memoize(py::class_<Cache, std::unique_ptr<Cache, py::nodelete>>& cls) {
  cls.def("memoize", &memoize, py::arg("step"), py::arg("inputs"), py::arg("render"),
          py::arg("version"), py::arg("slot"), py::arg("tags"), py::arg("timeout"), py::arg("text"),
          py::arg("arguments"));
}

}  // namespace sitecache::python
