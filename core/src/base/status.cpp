#include "sitecache/status.hpp"

namespace sitecache {

std::string_view to_string(StatusCode code) {
  switch (code) {
    case StatusCode::ok:
      return "ok";
    case StatusCode::not_found:
      return "not_found";
    case StatusCode::invalid_argument:
      return "invalid_argument";
    case StatusCode::io:
      return "io";
    case StatusCode::corruption:
      return "corruption";
    case StatusCode::unsupported:
      return "unsupported";
    case StatusCode::busy:
      return "busy";
    case StatusCode::unavailable:
      return "unavailable";
    case StatusCode::internal:
      return "internal";
    case StatusCode::config:
      return "config";
    case StatusCode::plugin:
      return "plugin";
    case StatusCode::read_only:
      return "read_only";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string text(sitecache::to_string(code_));
  if (!message_.empty()) text += ": " + message_;
  return text;
}

}  // namespace sitecache
