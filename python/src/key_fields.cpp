// Python values -> typed key fields (the grammar is in key_fields.hpp).
#include "key_fields.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

namespace sitecache::python {
namespace py = pybind11;

namespace {

// A value the grammar does not cover. Thrown from the innermost level; each container on
// the way out prepends where the value sits in it, and add() turns it into the Python
// exception with the whole path.
struct Unsupported {
  std::string path;
  std::string problem;
  bool too_deep = false;
};

const Digest& marker(std::string_view name) {
  // Four constants, hashed once (function-local statics are thread-safe).
  static const Digest none = hash_bytes(std::string_view("sitecache.python:None"));
  static const Digest tuple = hash_bytes(std::string_view("sitecache.python:tuple"));
  static const Digest dict = hash_bytes(std::string_view("sitecache.python:dict"));
  if (name == "None") return none;
  if (name == "tuple") return tuple;
  return dict;
}

std::string_view utf8_of(py::handle text) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();  // lone surrogates
  return {data, static_cast<size_t>(size)};
}

std::string type_name(py::handle value) {
  return Py_TYPE(value.ptr())->tp_name;
}

}  // namespace

void KeyFields::add(py::handle value, std::string_view where) {
  const size_t start = fields_.size();
  try {
    add_value(value, 0);
  } catch (Unsupported& e) {
    fields_.resize(start);
    const std::string message = std::string(where) + e.path + ": " + e.problem;
    if (e.too_deep) throw py::value_error(message);
    throw py::type_error(message);
  }
}

void KeyFields::add_view(Kind kind, py::handle owner, std::string_view data) {
  keep_.push_back(py::reinterpret_borrow<py::object>(owner));
  fields_.push_back(Field{kind, data, 0, {}});
}

void KeyFields::add_value(py::handle value, int depth) {
  PyObject* object = value.ptr();
  if (PyUnicode_Check(object)) {
    add_view(Kind::text, value, utf8_of(value));
  } else if (PyBytes_Check(object)) {
    add_view(Kind::bytes, value,
             {PyBytes_AS_STRING(object), static_cast<size_t>(PyBytes_GET_SIZE(object))});
  } else if (PyByteArray_Check(object)) {
    // Mutable: another thread could resize it while the GIL is released, so copy.
    copies_.emplace_back(PyByteArray_AS_STRING(object),
                         static_cast<size_t>(PyByteArray_GET_SIZE(object)));
    fields_.push_back(Field{Kind::bytes, copies_.back(), 0, {}});
  } else if (PyBool_Check(object)) {  // before int: bool is an int subclass
    add_number(Kind::boolean, object == Py_True ? 1 : 0);
  } else if (PyLong_Check(object)) {
    int overflow = 0;
    const long long signed_value = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow == 0) {
      if (signed_value == -1 && PyErr_Occurred()) throw py::error_already_set();
      add_number(Kind::i64, static_cast<uint64_t>(signed_value));
      return;
    }
    if (overflow > 0) {
      const unsigned long long unsigned_value = PyLong_AsUnsignedLongLong(object);
      if (!PyErr_Occurred()) {
        add_number(Kind::u64, unsigned_value);
        return;
      }
      PyErr_Clear();
    }
    // Base 10 through the int type itself: an IntEnum's str() is its member name.
    py::object decimal = py::reinterpret_steal<py::object>(PyNumber_ToBase(object, 10));
    if (!decimal) throw py::error_already_set();
    const std::string digits = "sitecache.python:int:" + decimal.cast<std::string>();
    add_digest(hash_bytes(std::string_view(digits)));
  } else if (PyFloat_Check(object)) {
    add_number(Kind::real, std::bit_cast<uint64_t>(PyFloat_AS_DOUBLE(object)));
  } else if (object == Py_None) {
    add_digest(marker("None"));
  } else if (PyList_Check(object) || PyTuple_Check(object)) {
    if (depth >= kMaxDepth) {
      throw Unsupported{"", "nested more than " + std::to_string(kMaxDepth) + " levels deep", true};
    }
    const bool tuple = PyTuple_Check(object);
    // A list can change size while items are added (they may run no Python code, but be
    // strict): take a snapshot as a tuple.
    py::tuple items = py::reinterpret_steal<py::tuple>(PySequence_Tuple(object));
    if (!items) throw py::error_already_set();
    keep_.push_back(items);
    add_number(Kind::list_begin, static_cast<uint64_t>(items.size()));
    if (tuple) add_digest(marker("tuple"));
    for (size_t i = 0; i < items.size(); ++i) {
      try {
        add_value(items[i], depth + 1);
      } catch (Unsupported& e) {
        e.path = "[" + std::to_string(i) + "]" + e.path;
        throw;
      }
    }
    add_number(Kind::list_end, 0);
  } else if (PyDict_Check(object)) {
    if (depth >= kMaxDepth) {
      throw Unsupported{"", "nested more than " + std::to_string(kMaxDepth) + " levels deep", true};
    }
    add_dict(value, depth);
  } else {
    throw Unsupported{"", "unsupported type '" + type_name(value) +
                              "' (supported: str, bytes, int, float, bool, None, and tuples, lists "
                              "and dicts of these)"};
  }
}

void KeyFields::add_dict(py::handle dict, int depth) {
  py::list items = py::reinterpret_steal<py::list>(PyDict_Items(dict.ptr()));
  if (!items) throw py::error_already_set();
  keep_.push_back(items);
  add_number(Kind::list_begin, static_cast<uint64_t>(items.size()));
  add_digest(marker("dict"));
  // Each item's fields are appended as they come, then the items are reordered by the
  // digest of their key's fields.
  struct Item {
    Digest order;
    size_t begin, end;
  };
  std::vector<Item> order;
  order.reserve(items.size());
  const size_t first = fields_.size();
  for (py::handle item : items) {
    py::handle key = PyTuple_GET_ITEM(item.ptr(), 0);
    py::handle value = PyTuple_GET_ITEM(item.ptr(), 1);
    const size_t begin = fields_.size();
    try {
      add_value(key, depth + 1);
    } catch (Unsupported& e) {
      e.path = " (a key)" + e.path;
      throw;
    }
    KeyBuilder key_digest("sitecache.python.dict-key", 1);
    feed_range(key_digest, begin, fields_.size());
    try {
      add_value(value, depth + 1);
    } catch (Unsupported& e) {
      e.path = "[" + py::repr(key).cast<std::string>() + "]" + e.path;
      throw;
    }
    order.push_back(Item{key_digest.finish(), begin, fields_.size()});
  }
  std::sort(order.begin(), order.end(),
            [](const Item& a, const Item& b) { return a.order < b.order; });
  std::vector<Field> sorted;
  sorted.reserve(fields_.size() - first);
  for (const Item& item : order) {
    sorted.insert(sorted.end(), fields_.begin() + static_cast<std::ptrdiff_t>(item.begin),
                  fields_.begin() + static_cast<std::ptrdiff_t>(item.end));
  }
  std::copy(sorted.begin(), sorted.end(), fields_.begin() + static_cast<std::ptrdiff_t>(first));
  add_number(Kind::list_end, 0);
}

void KeyFields::feed_range(KeyBuilder& key, size_t begin, size_t end) const {
  for (size_t i = begin; i < end; ++i) {
    const Field& field = fields_[i];
    switch (field.kind) {
      case Kind::text:
        key.add_string(field.data);
        break;
      case Kind::bytes:
        key.add_bytes({reinterpret_cast<const uint8_t*>(field.data.data()), field.data.size()});
        break;
      case Kind::boolean:
        key.add_bool(field.number != 0);
        break;
      case Kind::i64:
        key.add_int(static_cast<int64_t>(field.number));
        break;
      case Kind::u64:
        key.add_uint(field.number);
        break;
      case Kind::real:
        key.add_double(std::bit_cast<double>(field.number));
        break;
      case Kind::digest:
        key.add_digest(field.digest);
        break;
      case Kind::list_begin:
        key.begin_list(field.number);
        break;
      case Kind::list_end:
        key.end_list();
        break;
    }
  }
}

void KeyFields::feed(KeyBuilder& key) const {
  feed_range(key, 0, fields_.size());
}

Digest KeyFields::input_digest() const {
  KeyBuilder key("sitecache.input", 1);
  feed(key);
  return key.finish();
}

}  // namespace sitecache::python
