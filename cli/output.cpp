#include "output.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <utility>

#include "common.hpp"
#include "sitecache/printable.hpp"
#include "sitecache/units.hpp"

namespace sitecache::cli {

using std::chrono::milliseconds;

Json json_document(std::string_view command) {
  Json document;
  document["format_version"] = kJsonFormatVersion;
  document["command"] = command;
  return document;
}

void print_json(const Json& document) {
  write_stdout(document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

Json known_or_null(int64_t value) {
  return value < 0 ? Json(nullptr) : Json(value);
}

Json ratio_json(uint64_t hits, uint64_t misses) {
  if (hits + misses == 0) return nullptr;
  return static_cast<double>(hits) / static_cast<double>(hits + misses);
}

int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string counted(uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string percent(uint64_t hits, uint64_t misses) {
  if (hits + misses == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%",
                100.0 * static_cast<double>(hits) / static_cast<double>(hits + misses));
  return text;
}

std::string size_text(uint64_t bytes) {
  return format_size(bytes);
}

std::string duration_text(milliseconds duration) {
  const int64_t ms = duration.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(ms) / 1000.0);
    return text;
  }
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  for (size_t i = 0; i + 1 < std::size(kUnits); ++i) {
    if (ms < kUnits[i].ms) continue;
    std::string text = std::to_string(ms / kUnits[i].ms) + kUnits[i].name;
    int64_t rest = (ms % kUnits[i].ms) / kUnits[i + 1].ms;
    if (rest > 0) text += std::to_string(rest) + kUnits[i + 1].name;
    return text;
  }
  return std::to_string(ms / 1000) + "s";
}

std::string micros_text(uint64_t micros) {
  return duration_text(milliseconds(static_cast<int64_t>(micros / 1000)));
}

std::string age_text(int64_t then_ms, int64_t now) {
  if (then_ms <= 0) return "-";
  if (then_ms > now + 1000) return "future";
  if (now - then_ms < 1000) return "now";
  // One unit is enough for an age column.
  const int64_t seconds = (now - then_ms) / 1000;
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86'400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86'400) + "d";
}

std::string expiry_text(int64_t expires_ms, int64_t now) {
  if (expires_ms == 0) return "never";
  if (expires_ms <= now) return "expired";
  return "in " + duration_text(milliseconds(expires_ms - now));
}

Table::Table(std::vector<std::string> header, std::vector<bool> numeric)
    : header_(std::move(header)), numeric_(std::move(numeric)) {
  numeric_.resize(header_.size(), false);
}

void Table::add(std::vector<std::string> row) {
  row.resize(header_.size());
  for (std::string& cell : row) cell = printable(cell);
  rows_.push_back(std::move(row));
}

void Table::print(size_t indent) const {
  std::vector<size_t> widths(header_.size(), 0);
  for (size_t c = 0; c < header_.size(); ++c) widths[c] = header_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text(indent, ' ');
    for (size_t c = 0; c < cells.size(); ++c) {
      const size_t pad = widths[c] - cells[c].size();
      const bool last = c + 1 == cells.size();
      if (numeric_[c]) text.append(pad, ' ');
      text += cells[c];
      if (!numeric_[c] && !last) text.append(pad, ' ');
      if (!last) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header_);
  for (const auto& row : rows_) line(row);
  write_stdout(out);
}

void write_stdout(std::string_view bytes) {
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
    fail("writing to standard output failed");
  }
  if (std::fflush(stdout) != 0) fail("writing to standard output failed");
}

void write_text(std::string_view text) {
  write_stdout(printable(text, LineBreaks::keep));
}

void note(std::string_view message) {
  print_lines("sitecache: note: ", message);
}

void print_lines(std::string_view prefix, std::string_view message) {
  while (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  std::string out;
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    out += std::string(prefix) + printable(message.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  std::fwrite(out.data(), 1, out.size(), stderr);
}

Progress::Progress(std::string label, progress::OutputMode mode)
    : line_(std::move(label), progress::progress_display(mode)) {}

MaintenanceProgress Progress::callback() {
  return [this](uint64_t done, uint64_t total) { line_.update(done, total); };
}

}  // namespace sitecache::cli
