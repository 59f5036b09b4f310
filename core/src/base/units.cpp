// Durations and sizes as written in sitecache.toml and on the command line.
//
// Decisions beyond units.hpp:
// - No whitespace, signs or fractions anywhere: "1h30m", not "1h 30m", "+5s" or "1.5h".
// - A sum lists its units from largest to smallest, each at most once ("1h30m", not "30m1h"
//   or "1m1m"), so that a typo is an error instead of silently adding up.
// - Sizes accept only the suffixes units.hpp lists, plus "B" for bytes. "K", "M", "G", "T"
//   and "KB" are rejected: some readers take them as powers of 1000, others of 1024.
// - format_duration uses days as its largest unit ("7d" and "14d", never "1w"), so that it
//   reproduces the durations people write in the config; weeks are accepted on input.
#include "sitecache/units.hpp"

#include <array>
#include <limits>
#include <optional>

namespace sitecache {
namespace {

using std::chrono::milliseconds;

struct Unit {
  std::string_view suffix;
  uint64_t factor;
};

constexpr uint64_t kSecond = 1000;
constexpr uint64_t kDay = 24 * 3600 * kSecond;

// Largest first: parse_duration requires this order within a sum.
constexpr std::array<Unit, 6> kDurationUnits{{
    {"w", 7 * kDay},
    {"d", kDay},
    {"h", 3600 * kSecond},
    {"m", 60 * kSecond},
    {"s", kSecond},
    {"ms", 1},
}};

constexpr std::array<Unit, 9> kSizeUnits{{
    {"B", 1},
    {"KiB", uint64_t{1} << 10},
    {"MiB", uint64_t{1} << 20},
    {"GiB", uint64_t{1} << 30},
    {"TiB", uint64_t{1} << 40},
    {"kB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"TB", uint64_t{1000} * 1000 * 1000 * 1000},
}};

constexpr int64_t kMaxMilliseconds = std::numeric_limits<int64_t>::max();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Why `text` is not a duration, or its value in milliseconds.
struct DurationParse {
  std::optional<std::string> error;
  uint64_t ms = 0;
};

// Reads the digits starting at `pos`; nullopt on overflow of uint64_t.
std::optional<uint64_t> read_number(std::string_view text, size_t& pos) {
  uint64_t value = 0;
  for (; pos < text.size() && is_digit(text[pos]); ++pos) {
    const auto digit = static_cast<uint64_t>(text[pos] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string unexpected_character(char c) {
  if (c == '.') return "whole numbers only";
  if (c == ' ' || c == '\t') return "no spaces allowed";
  std::string printable = (c > 0x20 && c < 0x7f) ? std::string{c} : "?";
  return "unexpected character '" + printable + "'";
}

DurationParse parse_duration_ms(std::string_view text) {
  if (text.empty()) return {"empty; expected e.g. \"90s\" or \"1h30m\""};
  if (text.front() == '-') return {"negative durations are not allowed"};
  const std::string too_large = "too large (at most " + std::to_string(kMaxMilliseconds) + "ms)";
  uint64_t total = 0;
  size_t next_unit = 0;  // index into kDurationUnits that the next term may use
  size_t pos = 0;
  while (pos < text.size()) {
    if (!is_digit(text[pos])) {
      if (!is_letter(text[pos])) return {unexpected_character(text[pos])};
      return {"expected a number before \"" + std::string(text.substr(pos)) + "\""};
    }
    const size_t number_start = pos;
    const std::optional<uint64_t> number = read_number(text, pos);
    if (!number) return {too_large};
    const size_t unit_start = pos;
    while (pos < text.size() && is_letter(text[pos])) ++pos;
    const std::string_view suffix = text.substr(unit_start, pos - unit_start);
    if (suffix.empty()) {
      if (pos < text.size()) return {unexpected_character(text[pos])};
      if (number_start == 0) {  // a bare integer: seconds
        if (*number > static_cast<uint64_t>(kMaxMilliseconds) / kSecond) return {too_large};
        return {std::nullopt, *number * kSecond};
      }
      return {"\"" + std::string(text.substr(number_start)) + "\" needs a unit"};
    }
    size_t unit = 0;
    while (unit < kDurationUnits.size() && kDurationUnits[unit].suffix != suffix) ++unit;
    if (unit == kDurationUnits.size()) {
      return {"unknown unit \"" + std::string(suffix) + "\" (use w, d, h, m, s or ms)"};
    }
    if (unit < next_unit) return {"units must go from largest to smallest, each at most once"};
    next_unit = unit + 1;
    const uint64_t factor = kDurationUnits[unit].factor;
    const uint64_t room = static_cast<uint64_t>(kMaxMilliseconds) - total;
    if (*number > room / factor) return {too_large};
    total += *number * factor;
  }
  return {std::nullopt, total};
}

Status invalid(std::string_view what, std::string_view text, const std::string& why) {
  return Status(StatusCode::invalid_argument,
                "invalid " + std::string(what) + " \"" + std::string(text) + "\": " + why);
}

}  // namespace

Result<milliseconds> parse_duration(std::string_view text) {
  DurationParse parsed = parse_duration_ms(text);
  if (parsed.error) return invalid("duration", text, *parsed.error);
  return milliseconds(static_cast<int64_t>(parsed.ms));
}

Result<Timeout> parse_timeout(std::string_view text) {
  if (text == "none") return Timeout::never();
  if (!text.empty() && is_letter(text.front())) {
    return invalid("timeout", text, "expected a duration such as \"7d\", \"none\" or 0");
  }
  DurationParse parsed = parse_duration_ms(text);
  if (parsed.error) return invalid("timeout", text, *parsed.error);
  // Timeout::after maps zero to dont_store.
  return Timeout::after(milliseconds(static_cast<int64_t>(parsed.ms)));
}

Result<uint64_t> parse_size(std::string_view text) {
  if (text.empty()) return invalid("size", text, "empty; expected e.g. \"4096\" or \"2GiB\"");
  if (text.front() == '-') return invalid("size", text, "negative sizes are not allowed");
  if (!is_digit(text.front())) return invalid("size", text, "expected a number first");
  size_t pos = 0;
  const std::optional<uint64_t> number = read_number(text, pos);
  const std::string too_large = "too large (at most 2^64 - 1 bytes)";
  if (!number) return invalid("size", text, too_large);
  const size_t unit_start = pos;
  while (pos < text.size() && is_letter(text[pos])) ++pos;
  if (pos < text.size()) return invalid("size", text, unexpected_character(text[pos]));
  const std::string_view suffix = text.substr(unit_start);
  if (suffix.empty()) return *number;
  for (const Unit& unit : kSizeUnits) {
    if (unit.suffix != suffix) continue;
    if (*number > std::numeric_limits<uint64_t>::max() / unit.factor) {
      return invalid("size", text, too_large);
    }
    return *number * unit.factor;
  }
  const std::string quoted = "\"" + std::string(suffix) + "\"";
  if (suffix == "K" || suffix == "KB" || suffix == "M" || suffix == "G" || suffix == "T") {
    const char letter = suffix.front();
    return invalid("size", text,
                   quoted + " is ambiguous; write \"" + letter + "iB\" (powers of 1024) or \"" +
                       (letter == 'K' ? 'k' : letter) + "B\" (powers of 1000)");
  }
  return invalid("size", text,
                 "unknown unit " + quoted + " (use B, KiB, MiB, GiB, TiB, kB, MB, GB or TB)");
}

std::string format_duration(milliseconds duration) {
  const int64_t count = duration.count();
  if (count == 0) return "0s";
  std::string text = count < 0 ? "-" : "";
  // Unsigned negation is exact even for the minimum int64_t.
  uint64_t rest =
      count < 0 ? uint64_t{0} - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  for (size_t i = 1; i < kDurationUnits.size(); ++i) {  // from days: see the file comment
    const uint64_t n = rest / kDurationUnits[i].factor;
    if (n == 0) continue;
    text += std::to_string(n);
    text += kDurationUnits[i].suffix;
    rest -= n * kDurationUnits[i].factor;
  }
  return text;
}

std::string format_size(uint64_t bytes) {
  // An exact multiple prints without decimals ("2 GiB"); otherwise one decimal, rounded
  // half up ("1.5 MiB", "1.0 KiB" for 1030 bytes).
  static constexpr std::array<std::string_view, 7> kNames{"B",   "KiB", "MiB", "GiB",
                                                          "TiB", "PiB", "EiB"};
  size_t unit = 0;
  while (unit + 1 < kNames.size() && bytes >> (10 * (unit + 1)) != 0) ++unit;
  if (unit == 0) return std::to_string(bytes) + " B";
  const uint64_t factor = uint64_t{1} << (10 * unit);
  uint64_t whole = bytes / factor;
  const uint64_t remainder = bytes % factor;
  if (remainder == 0) return std::to_string(whole) + " " + std::string(kNames[unit]);
  // remainder < factor <= 2^60, so remainder * 10 fits in 64 bits.
  uint64_t tenths = (remainder * 10 + factor / 2) / factor;
  if (tenths == 10) {
    tenths = 0;
    ++whole;
    if (whole == 1024 && unit + 1 < kNames.size()) {
      whole = 1;
      ++unit;
    }
  }
  return std::to_string(whole) + "." + std::to_string(tenths) + " " + std::string(kNames[unit]);
}

}  // namespace sitecache
