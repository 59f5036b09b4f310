// Conversions between the Python arguments of the binding and the core's types.
// Every function here needs the GIL; views stay valid while the argument object lives.
#ifndef SITECACHE_PYTHON_CONVERSIONS_HPP
#define SITECACHE_PYTHON_CONVERSIONS_HPP

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>
#include <vector>

#include "sitecache/timeout.hpp"

namespace sitecache::python {

// The bytes of a str (UTF-8) or bytes argument; TypeError naming `what` otherwise.
std::string_view text_or_bytes(pybind11::handle value, const char* what);

// A timeout argument: None = the cache's default; a number of seconds or a
// datetime.timedelta (zero or less: do not store); a duration string as in
// sitecache.toml ("90s", "7d", "none" = never expire). TypeError / InvalidArgument.
Timeout to_timeout(pybind11::handle value);

// An iterable of str (tags); a bare str is refused, it would be split into characters.
std::vector<std::string> to_strings(pybind11::handle value, const char* what);

// A stored value for Python: bytes, or str decoded from UTF-8 when `text`.
pybind11::object to_python(const std::string& value, bool text);

}  // namespace sitecache::python

#endif  // SITECACHE_PYTHON_CONVERSIONS_HPP
