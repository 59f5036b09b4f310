// The sqlite backend's configuration, parsed and validated from the host's options.
#ifndef SITECACHE_PLUGINS_SQLITE_SETTINGS_HPP
#define SITECACHE_PLUGINS_SQLITE_SETTINGS_HPP

#include <cstdint>
#include <string>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache::sqlite {

enum class OnCorrupt { error, recreate };

struct Settings {
  // Absolute, lexically normal path of the database file.
  std::string path;
  // Limits; 0 means "no limit" (the host leaves the options out for that, but a 0 is
  // taken the same way rather than as "store nothing").
  int64_t max_entries = 0;
  int64_t max_bytes = 0;
  // The cull of plugin_abi.h (eviction.hpp): 1/cull_frequency of the entries at once, so
  // eviction runs rarely; 0 removes every other entry (Django's semantics).
  int64_t cull_frequency = 3;
  bool read_only = false;
  int64_t busy_timeout_ms = 5000;
  int64_t mmap_size = int64_t{256} << 20;
  OnCorrupt on_corrupt = OnCorrupt::error;
  // The value for PRAGMA synchronous: "NORMAL", "FULL" or "OFF".
  std::string synchronous = "NORMAL";
};

// Fills `out` from `options`. Returns SC_INVALID_ARGUMENT naming the offending option for
// an unknown option, a malformed or out-of-range value, or an empty location.
plugin::Status parse_settings(const plugin::Options& options, Settings& out);

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_SETTINGS_HPP
