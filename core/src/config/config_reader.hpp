// How config.cpp reads a parsed TOML document: typed accessors that record every problem
// with its position, and the combined "FILE:LINE:COLUMN: what" report.
#ifndef SITECACHE_CONFIG_CONFIG_READER_HPP
#define SITECACHE_CONFIG_CONFIG_READER_HPP

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "sitecache/status.hpp"

namespace sitecache::config_detail {

// Collects the problems of one file and formats them as "FILE:LINE:COLUMN: what".
class ConfigReader {
 public:
  explicit ConfigReader(std::string file) : file_(std::move(file)) {}

  std::string where(const toml::source_region& at) const {
    return file_ + ":" + std::to_string(at.begin.line) + ":" + std::to_string(at.begin.column);
  }

  void error(const toml::source_region& at, std::string what) {
    problems_.push_back({at.begin.line, at.begin.column, where(at) + ": " + std::move(what)});
  }

  void wrong_type(const toml::node& node, std::string_view name, std::string_view expected) {
    error(node.source(),
          std::string(name) + " must be " + std::string(expected) + ", not " + type_name(node));
  }

  void unknown_key(const toml::key& key, std::string_view table, std::string_view valid) {
    error(key.source(), "unknown key \"" + std::string(key.str()) + "\" in " + std::string(table) +
                            " (valid keys: " + std::string(valid) + ")");
  }

  bool ok() const { return problems_.empty(); }

  Status status() {
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    std::string message;
    for (const Problem& problem : problems_) {
      if (!message.empty()) message += '\n';
      message += problem.message;
    }
    return Status(StatusCode::config, std::move(message));
  }

  // The typed readers report a wrong type or range and return nullopt.
  // Strings reach plugins as C strings, so an embedded NUL is refused.
  std::optional<std::string> string(const toml::node& node, std::string_view name) {
    const auto* value = node.as_string();
    if (value == nullptr) {
      wrong_type(node, name, "a string");
      return std::nullopt;
    }
    if (value->get().find('\0') != std::string::npos) {
      error(node.source(), std::string(name) + " must not contain a NUL character");
      return std::nullopt;
    }
    return value->get();
  }

  std::optional<int64_t> integer(const toml::node& node, std::string_view name, int64_t min) {
    const auto* value = node.as_integer();
    if (value == nullptr) {
      wrong_type(node, name, "an integer");
      return std::nullopt;
    }
    if (value->get() < min) {
      error(node.source(), std::string(name) + " must be >= " + std::to_string(min) + ", not " +
                               std::to_string(value->get()));
      return std::nullopt;
    }
    return value->get();
  }

  std::optional<bool> boolean(const toml::node& node, std::string_view name) {
    if (const auto* value = node.as_boolean()) return value->get();
    wrong_type(node, name, "a boolean");
    return std::nullopt;
  }

  // One of two spellings, e.g. "zstd" or "none".
  template <class E>
  std::optional<E> choice(const toml::node& node, std::string_view name,
                          const std::array<std::pair<std::string_view, E>, 2>& choices) {
    const std::optional<std::string> text = string(node, name);
    if (!text) return std::nullopt;
    for (const auto& [spelling, value] : choices) {
      if (*text == spelling) return value;
    }
    error(node.source(), std::string(name) + " must be \"" + std::string(choices[0].first) +
                             "\" or \"" + std::string(choices[1].first) + "\", not \"" + *text +
                             "\"");
    return std::nullopt;
  }

 private:
  struct Problem {
    toml::source_index line;
    toml::source_index column;
    std::string message;
  };

  static std::string type_name(const toml::node& node) {
    if (node.is_table()) return "a table";
    if (node.is_array()) return "an array";
    if (node.is_string()) return "a string";
    if (node.is_integer()) return "an integer";
    if (node.is_floating_point()) return "a float";
    if (node.is_boolean()) return "a boolean";
    if (node.is_date()) return "a date";
    if (node.is_time()) return "a time";
    return "a date-time";
  }

  std::string file_;
  std::vector<Problem> problems_;
};

}  // namespace sitecache::config_detail

#endif  // SITECACHE_CONFIG_CONFIG_READER_HPP
