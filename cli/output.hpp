// Output helpers of the `sitecache` command: JSON documents, aligned tables, human units,
// binary-safe stdout, and progress that only a terminal sees.
//
// Streams: results go to stdout; errors, notes and progress go to stderr. Progress is
// drawn only when stderr is a terminal, so piped or captured output never contains it.
#ifndef SITECACHE_CLI_OUTPUT_HPP
#define SITECACHE_CLI_OUTPUT_HPP

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "progress_line.hpp"
#include "sitecache/maintenance.hpp"

namespace sitecache::cli {

// Keys keep their insertion order, so documents read in the documented order.
using Json = nlohmann::ordered_json;

// Every JSON document starts with these fields (docs/json.md).
inline constexpr int kJsonFormatVersion = 1;
Json json_document(std::string_view command);
// Prints the document on stdout, indented, with a trailing newline.
void print_json(const Json& document);

// A JSON integer, or null for the "unknown" value -1.
Json known_or_null(int64_t value);
// hits / (hits + misses), or null without lookups.
Json ratio_json(uint64_t hits, uint64_t misses);

// Milliseconds since the Unix epoch, now.
int64_t now_ms();

// "1 hit", "2 hits": a count with its noun in the right number.
std::string counted(uint64_t n, std::string_view one, std::string_view many);

// "97.5%", or "-" without lookups.
std::string percent(uint64_t hits, uint64_t misses);
// "512 B", "1.5 MiB".
std::string size_text(uint64_t bytes);
// One or two units, for people: "350ms", "12.4s", "3m20s", "5h12m", "3d4h".
std::string duration_text(std::chrono::milliseconds duration);
std::string micros_text(uint64_t micros);
// How long ago `then_ms` was: "40s", "3d"; "now" under a second; "future" if ahead.
std::string age_text(int64_t then_ms, int64_t now);
// "never", "expired", or "in 6d".
std::string expiry_text(int64_t expires_ms, int64_t now);

// Left-aligned text columns; columns marked numeric are right-aligned. Every cell is
// escaped (a label holding a newline or an escape sequence stays in its cell).
class Table {
 public:
  explicit Table(std::vector<std::string> header, std::vector<bool> numeric = {});
  void add(std::vector<std::string> row);
  bool empty() const { return rows_.empty(); }
  // Prints with two spaces between columns, `indent` spaces before each line.
  void print(size_t indent = 0) const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> numeric_;
  std::vector<std::vector<std::string>> rows_;
};

// Writes bytes to stdout unchanged; exit 1 when the write fails. For values and JSON.
void write_stdout(std::string_view bytes);
// Writes human-readable text to stdout with every control byte escaped but its line
// breaks (sitecache/printable.hpp); exit 1 when the write fails.
void write_text(std::string_view text);
// "sitecache: note: ..." on stderr, escaped.
void note(std::string_view message);
// "<prefix><line>" on stderr for each line of `message`, each line escaped.
void print_lines(std::string_view prefix, std::string_view message);

// The output mode a verb's --json flag asks for (the CLI has no --quiet).
inline progress::OutputMode output_mode(bool json_flag) {
  return json_flag ? progress::OutputMode::json_or_quiet : progress::OutputMode::human;
}

// The progress line of a long operation (progress/progress_line.hpp has the contract):
// drawn on stderr only when it is a terminal and the verb does not print --json.
class Progress {
 public:
  Progress(std::string label, progress::OutputMode mode);
  void finish() { line_.finish(); }
  // A MaintenanceProgress that draws the line.
  MaintenanceProgress callback();

 private:
  progress::ProgressLine line_;
};

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_OUTPUT_HPP
