// The typed key fields of a Python value: what the memoize inputs, the @cached decorator's
// arguments and sitecache.digest() contribute to a key.
//
// Grammar (field tags as key.hpp defines them); every type but None, tuple, dict and the
// largest ints gives the same fields as the C++ sitecache_hash overload of its C++
// counterpart, so a C++ step and a Python step with equal inputs share entries:
//   str              string field (UTF-8)                    = std::string
//   bytes, bytearray bytes field
//   bool             bool field                              = bool
//   int              i64 field when it fits, else u64 when it fits, else a digest field
//                    of XXH3-128("sitecache.python:int:" + its decimal digits)
//   float            double field                            = double
//   None             digest field of XXH3-128("sitecache.python:None")
//   list             list_begin(n) item... list_end          = std::vector
//   tuple            list_begin(n) digest field of XXH3-128("sitecache.python:tuple")
//                    item... list_end
//   dict             list_begin(n) digest field of XXH3-128("sitecache.python:dict")
//                    (key value)... list_end, items ordered by the digest of their key's
//                    fields, so equal dicts give equal keys whatever their insertion order
// Subclasses count as their base type (a Markup string is a str). Anything else is a
// TypeError naming where the value sits ("argument 'opts'['size'][1]: unsupported type
// 'set' ..."); nesting deeper than kMaxDepth (a cycle) is a ValueError. Nothing is ever
// hashed through repr().
//
// Threading: add() needs the GIL; feed() and input_digest() do not touch Python objects
// and run without it (string and bytes fields are views into the objects, which the
// KeyFields keeps referenced). Destroy a KeyFields with the GIL held.
#ifndef SITECACHE_PYTHON_KEY_FIELDS_HPP
#define SITECACHE_PYTHON_KEY_FIELDS_HPP

#include <pybind11/pybind11.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/key.hpp"

namespace sitecache::python {

class KeyFields {
 public:
  static constexpr int kMaxDepth = 100;

  // Appends the fields of `value`; `where` names it in errors ("argument 'page'").
  void add(pybind11::handle value, std::string_view where);
  // Feeds every field, in order.
  void feed(KeyBuilder& key) const;
  // KeyBuilder("sitecache.input", 1) over the fields: the typed digest Inputs records.
  Digest input_digest() const;

 private:
  enum class Kind : uint8_t { text, bytes, boolean, i64, u64, real, digest, list_begin, list_end };
  struct Field {
    Kind kind;
    std::string_view data;  // text, bytes
    uint64_t number = 0;    // boolean, i64 (two's complement), u64, real (bits), list count
    Digest digest{};
  };

  void add_value(pybind11::handle value, int depth);
  void add_dict(pybind11::handle dict, int depth);
  void add_view(Kind kind, pybind11::handle owner, std::string_view data);
  void add_number(Kind kind, uint64_t number) { fields_.push_back(Field{kind, {}, number, {}}); }
  void add_digest(const Digest& digest) { fields_.push_back(Field{Kind::digest, {}, 0, digest}); }
  void feed_range(KeyBuilder& key, size_t begin, size_t end) const;

  std::vector<Field> fields_;
  std::vector<pybind11::object> keep_;  // the objects that string and bytes fields view
  std::deque<std::string> copies_;      // bytes of mutable buffers (stable addresses)
};

}  // namespace sitecache::python

#endif  // SITECACHE_PYTHON_KEY_FIELDS_HPP
