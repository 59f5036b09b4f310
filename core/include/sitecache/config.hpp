// sitecache.toml: named caches in the manner of Django's CACHES setting.
//
//   [cache.default]
//   backend = "sqlite"              # plugin name, or a path to a .so
//   location = ".sitecache/cache.db"
//   timeout = "7d"                  # duration, "none", or 0 (don't store)
//   key_prefix = "blog"
//   version = 1
//   max_entries = 100000
//   max_size = "2GiB"
//   cull_frequency = 3
//   max_value_size = "64MiB"        # the largest value stored or read into memory
//   compress = "zstd"               # or "none"
//   read_only = false
//   on_error = "miss"               # or "fail"
//   single_flight = "process"       # or "shared": leases across processes
//   levels = ["local", "shared"]    # a tiered cache over other caches, fastest first
//   signing_key = "env:SITECACHE_SIGNING_KEY"   # or "file:PATH": sign what is written
//   trusted_keys = ["scpk1:...", "file:ci.pub"] # accept entries signed by these
//   require_signature = true        # unsigned or untrusted entries are misses
//   [cache.default.options]         # handed to the plugin as strings
//   busy_timeout_ms = 5000
//   [plugins]
//   path = ["build/plugins"]        # relative to the config file's directory
//   [exec]
//   base_dir = "."                  # `sitecache exec` keys paths relative to this
//
// Which file: an explicit path (--config), else $SITECACHE_CONFIG, else ./sitecache.toml,
// else the embedded default (one cache "default" on SQLite at .sitecache/cache.db).
// A file that defines no [cache.NAME] table gets that same "default" cache.
// SITECACHE_DISABLE=1 (any value but "" and "0") makes every cache use the dummy backend.
#ifndef SITECACHE_CONFIG_HPP
#define SITECACHE_CONFIG_HPP

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sitecache/export.hpp"
#include "sitecache/status.hpp"
#include "sitecache/timeout.hpp"

namespace sitecache {

enum class Compression { none, zstd };
enum class OnError {
  miss,  // a backend failure becomes a miss; warned once per cache
  fail,  // a backend failure is returned to the caller
};
// Who renders a memoized step that several callers miss at the same moment.
enum class SingleFlight {
  process,  // one caller per process; other processes may render it too
  // One caller across every process sharing the backend: the first to add a lease key
  // renders, the others poll for its output. Costs two extra backend writes per miss,
  // and a miss is stored at once rather than batched, so it pays only for renders far
  // slower than a round trip to the backend (build farms sharing Redis).
  shared,
};

// 64 MiB holds any page, fragment, image or document a site build renders into memory;
// file outputs (outputs.hpp) are streamed to disk and checked against their recorded size.
inline constexpr uint64_t kDefaultMaxValueSize = uint64_t{64} << 20;

struct CacheConfig {
  std::string name;
  std::string backend = "sqlite";
  std::string location;  // meaning is the backend's; "" lets the backend choose
  Timeout timeout = Timeout::after(std::chrono::hours(24 * 7));
  std::string key_prefix = "sc";  // printable ASCII without ':' or spaces, <= 64 bytes
  int64_t version = 1;            // >= 0
  std::optional<uint64_t> max_entries;
  std::optional<uint64_t> max_size;  // bytes
  // >= 0: a write over a limit removes 1/N of the entries first; 0 empties the store
  // (plugin_abi.h defines the rule for every backend).
  int64_t cull_frequency = 3;
  // The largest value (uncompressed) this cache stores or reads into memory: a larger
  // value is not stored (the write fails with invalid_argument), and a stored entry that
  // declares a larger one is corrupt, refused before anything is allocated for it. So one
  // hostile entry (a 36 KB zstd frame that inflates to 1 GiB) cannot make a reader
  // allocate more than this. 1 byte to 2 GiB (the entry format's limit).
  uint64_t max_value_size = kDefaultMaxValueSize;
  Compression compress = Compression::zstd;
  bool read_only = false;
  OnError on_error = OnError::miss;
  SingleFlight single_flight = SingleFlight::process;
  // A tiered cache: the names of other caches of this config, fastest first. Their
  // backend, location, limits, options and read_only are used; everything else (key
  // prefix, version, timeout, compression, on_error, single_flight) is this cache's. Empty: a
  // single backend.
  std::vector<std::string> levels;
  // Signed entries (docs/security.md). signing_key: where the secret key is, "env:NAME" or
  // "file:PATH" (never the key itself); empty: entries are written unsigned.
  // trusted_keys: public keys ("scpk1:...", or "env:"/"file:" naming one) whose
  // signatures are accepted; the signing key's own public key is always trusted. With
  // require_signature, an unsigned entry, a bad signature or an untrusted key is a miss,
  // counted as rejected and never served. On a tiered cache these are the levels'.
  std::string signing_key;
  std::vector<std::string> trusted_keys;
  bool require_signature = false;
  // The [cache.NAME.options] table, values rendered as strings ("true", "5000", "x").
  std::vector<std::pair<std::string, std::string>> options;
  // For `sitecache config show`: setting name -> "FILE:LINE:COL" or "default".
  std::map<std::string, std::string> origin;
};

struct Config {
  // The file the config came from; empty for the embedded default.
  std::filesystem::path source;
  // Absolute directory that relative paths in the file resolve against (the file's
  // directory, or the working directory for the embedded default).
  std::filesystem::path base_dir;
  std::map<std::string, CacheConfig> caches;
  // Absolute directories searched for sitecache-<name>.so, in order.
  std::vector<std::filesystem::path> plugin_path;
  // SITECACHE_DISABLE was set: every cache is to use the dummy backend.
  bool disabled = false;
  // [exec] base_dir: paths under it enter `sitecache exec` keys relative to it, so two
  // checkouts of a site share entries (ccache's base_dir). Empty: base_dir above.
  std::filesystem::path exec_base_dir;
};

// Where load_config looks; every field optional.
struct ConfigSource {
  std::optional<std::filesystem::path> explicit_path;  // --config
  // Read $SITECACHE_CONFIG and $SITECACHE_DISABLE (tests turn this off).
  bool use_environment = true;
  // Where "./sitecache.toml" and the default's relative paths are looked up; the
  // process's working directory when empty.
  std::filesystem::path working_dir;
};

// Finds and parses the configuration. A missing explicit or $SITECACHE_CONFIG file is an
// error; a missing ./sitecache.toml means the embedded default. Every problem in a file is
// StatusCode::config with "FILE:LINE:COLUMN: what is wrong" (unknown keys and wrong types
// included).
SITECACHE_EXPORT Result<Config> load_config(const ConfigSource& source = {});

// Parses TOML text; `source_name` is used in error messages and `base_dir` resolves
// relative paths.
SITECACHE_EXPORT Result<Config> parse_config(std::string_view text,
                                             const std::filesystem::path& source_name,
                                             const std::filesystem::path& base_dir);

// The embedded default: one "default" cache on SQLite at .sitecache/cache.db under
// base_dir.
SITECACHE_EXPORT Config default_config(const std::filesystem::path& base_dir);

}  // namespace sitecache

#endif  // SITECACHE_CONFIG_HPP
