// Errors as values: every fallible library call returns a Status or a Result<T>.
// Exceptions never leave the library (the CLI may use them internally).
#ifndef SITECACHE_STATUS_HPP
#define SITECACHE_STATUS_HPP

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "sitecache/export.hpp"

namespace sitecache {

enum class StatusCode {
  ok,
  not_found,         // the key (or file, or cache) does not exist: often not an error
  invalid_argument,  // bad key, bad option, bad duration...
  io,                // local I/O failure
  corruption,        // stored bytes fail their checks
  unsupported,       // the backend cannot do this
  busy,              // locked or overloaded
  unavailable,       // a server cannot be reached or timed out
  internal,          // a bug
  config,            // the configuration is malformed (message names file:line:column)
  plugin,            // a plugin could not be loaded or broke its contract
  read_only,         // a write was asked of a cache configured read_only
};

// Stable lowercase name of a code, e.g. "not_found".
SITECACHE_EXPORT std::string_view to_string(StatusCode code);

class [[nodiscard]] SITECACHE_EXPORT Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::ok; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs.
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::ok;
  std::string message_;
};

// A value or the Status explaining why there is none. Accessing value() of a failed
// Result is a programming error (asserted).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {
    assert(!std::get<Status>(state_).is_ok() && "a Result error needs a failed Status");
  }

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }

  T& value() & {
    assert(is_ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(is_ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(is_ok());
    return std::get<T>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The failure; Status::ok() when there is a value.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace sitecache

#endif  // SITECACHE_STATUS_HPP
