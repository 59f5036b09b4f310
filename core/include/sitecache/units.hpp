// Parsing and printing of the durations and sizes used in sitecache.toml and the CLI.
#ifndef SITECACHE_UNITS_HPP
#define SITECACHE_UNITS_HPP

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sitecache/export.hpp"
#include "sitecache/status.hpp"
#include "sitecache/timeout.hpp"

namespace sitecache {

// "500ms", "90s", "15m", "2h", "7d", "2w", or a sum such as "1h30m". A bare integer is
// seconds (Django's TIMEOUT convention). Fails with invalid_argument naming the text.
SITECACHE_EXPORT Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// A timeout setting: a duration as above, "none" (never expire), or 0 / "0" (do not
// store at all).
SITECACHE_EXPORT Result<Timeout> parse_timeout(std::string_view text);

// "4096", "512KiB", "512MiB", "2GiB", "1TiB" (binary) or "10kB", "10MB", "2GB" (decimal).
// Whole numbers only. Fails with invalid_argument naming the text.
SITECACHE_EXPORT Result<uint64_t> parse_size(std::string_view text);

// Exact, largest units first, days at most: "7d", "1m30s", "1h30m", "250ms"; "0s" for zero.
SITECACHE_EXPORT std::string format_duration(std::chrono::milliseconds duration);
// "1.5 MiB", "512 B": for people, not for parsing back.
SITECACHE_EXPORT std::string format_size(uint64_t bytes);

}  // namespace sitecache

#endif  // SITECACHE_UNITS_HPP
