// Finding and parsing sitecache.toml; the contract is in config.hpp.
//
// Decisions beyond config.hpp:
// - Every problem found in a file is reported, one "FILE:LINE:COLUMN: what" line each, in
//   file order. A TOML syntax error stops parsing, so it is reported alone.
// - Unknown keys point at the key; wrong types and bad values point at the value. Origins
//   point at the setting's key.
// - A relative explicit or $SITECACHE_CONFIG path resolves against
//   ConfigSource::working_dir. An empty $SITECACHE_CONFIG counts as unset.
// - Config::source, base_dir and plugin_path are absolute and lexically normal; symlinks are
//   not resolved.
// - backend and plugin path entries must not be empty; max_entries and max_size must be
//   >= 1 (leave them out for "no limit"); cull_frequency >= 0 (0: a cull empties the
//   store, as in Django); a negative integer timeout is an error rather than Django's
//   "don't store".
// - Option floats are rendered in their shortest round-trip form (1.0 -> "1", 0.5 -> "0.5").
// - [options] may not use the keys the host passes itself (plugin_abi.h: location, max_entries,
//   max_size, cull_frequency, read_only, cache_name, base_dir), and no string may contain
//   NUL, since plugins receive C strings.
#include "sitecache/config.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <sstream>

#include "config/config_reader.hpp"
#include "format/entry_format.hpp"
#include "signing/keys.hpp"
#include "sitecache/units.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using Reader = config_detail::ConfigReader;

// Applies one [cache.NAME] key; `name` is the setting's dotted name for messages.
using ApplySetting = void (*)(Reader&, const toml::node&, const std::string& name, CacheConfig&);

void apply_backend(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  std::optional<std::string> backend = r.string(v, name);
  if (!backend) return;
  if (backend->empty()) {
    r.error(v.source(), name + " must not be empty");
  } else {
    c.backend = std::move(*backend);
  }
}

void apply_location(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (std::optional<std::string> location = r.string(v, name)) c.location = std::move(*location);
}

void apply_timeout(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (const auto* seconds = v.as_integer()) {
    if (seconds->get() > std::numeric_limits<int64_t>::max() / 1000) {
      r.error(v.source(), name + " is too large");
    } else if (r.integer(v, name, 0)) {
      c.timeout = Timeout::seconds(seconds->get());  // 0 becomes dont_store
    }
    return;
  }
  if (const auto* text = v.as_string()) {
    Result<Timeout> timeout = parse_timeout(text->get());
    if (timeout) {
      c.timeout = *timeout;
    } else {
      r.error(v.source(), name + ": " + timeout.status().message());
    }
    return;
  }
  r.wrong_type(v, name, "a duration string, \"none\" or an integer number of seconds");
}

// Why `prefix` is not a valid key_prefix, if it is not.
std::optional<std::string> key_prefix_problem(std::string_view prefix) {
  constexpr size_t kMaxLength = 64;
  if (prefix.size() > kMaxLength) return "is " + std::to_string(prefix.size()) + " bytes long";
  for (const char c : prefix) {
    if (c == ':') return "contains ':'";
    if (c == ' ') return "contains a space";
    if (c < 0x21 || c > 0x7e) return "contains a byte that is not printable ASCII";
  }
  return std::nullopt;
}

void apply_key_prefix(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  std::optional<std::string> prefix = r.string(v, name);
  if (!prefix) return;
  if (std::optional<std::string> problem = key_prefix_problem(*prefix)) {
    r.error(v.source(), name + " " + *problem +
                            " (allowed: printable ASCII without ':' or spaces, at most 64 bytes)");
    return;
  }
  c.key_prefix = std::move(*prefix);
}

void apply_version(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (std::optional<int64_t> version = r.integer(v, name, 0)) c.version = *version;
}

void apply_max_entries(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (std::optional<int64_t> entries = r.integer(v, name, 1)) {
    c.max_entries = static_cast<uint64_t>(*entries);
  }
}

// A size setting: a size string or an integer number of bytes, from 1 to `most`.
std::optional<uint64_t> read_size(Reader& r, const toml::node& v, const std::string& name,
                                  uint64_t most) {
  std::optional<uint64_t> bytes;
  if (v.is_integer()) {
    if (std::optional<int64_t> n = r.integer(v, name, 1)) bytes = static_cast<uint64_t>(*n);
  } else if (const auto* text = v.as_string()) {
    Result<uint64_t> parsed = parse_size(text->get());
    if (!parsed) {
      r.error(v.source(), name + ": " + parsed.status().message());
    } else if (*parsed == 0) {
      r.error(v.source(), name + " must be at least 1 byte");
    } else {
      bytes = *parsed;
    }
  } else {
    r.wrong_type(v, name, "a size string or an integer number of bytes");
  }
  if (bytes && *bytes > most) {
    r.error(v.source(),
            name + " must be at most " + format_size(most) + ", not " + format_size(*bytes));
    return std::nullopt;
  }
  return bytes;
}

void apply_max_size(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (std::optional<uint64_t> bytes = read_size(r, v, name, std::numeric_limits<uint64_t>::max())) {
    c.max_size = *bytes;
  }
}

void apply_max_value_size(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (std::optional<uint64_t> bytes = read_size(r, v, name, kMaxValueSize)) {
    c.max_value_size = *bytes;
  }
}

void apply_cull_frequency(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (std::optional<int64_t> frequency = r.integer(v, name, 0)) c.cull_frequency = *frequency;
}

void apply_compress(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  constexpr std::array<std::pair<std::string_view, Compression>, 2> kChoices{
      {{"zstd", Compression::zstd}, {"none", Compression::none}}};
  if (std::optional<Compression> compress = r.choice(v, name, kChoices)) c.compress = *compress;
}

void apply_read_only(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  if (std::optional<bool> read_only = r.boolean(v, name)) c.read_only = *read_only;
}

void apply_on_error(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  constexpr std::array<std::pair<std::string_view, OnError>, 2> kChoices{
      {{"miss", OnError::miss}, {"fail", OnError::fail}}};
  if (std::optional<OnError> on_error = r.choice(v, name, kChoices)) c.on_error = *on_error;
}

void apply_single_flight(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  constexpr std::array<std::pair<std::string_view, SingleFlight>, 2> kChoices{
      {{"process", SingleFlight::process}, {"shared", SingleFlight::shared}}};
  if (std::optional<SingleFlight> mode = r.choice(v, name, kChoices)) c.single_flight = *mode;
}

void apply_levels(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  const auto* entries = v.as_array();
  if (entries == nullptr || entries->empty()) {
    r.wrong_type(v, name, "a non-empty array of cache names");
    return;
  }
  for (size_t i = 0; i < entries->size(); ++i) {
    std::optional<std::string> level =
        r.string(*entries->get(i), name + "[" + std::to_string(i) + "]");
    if (level) c.levels.push_back(std::move(*level));
  }
}

void apply_signing_key(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  std::optional<std::string> source = r.string(v, name);
  if (!source) return;
  if (!signing::is_key_source(*source)) {
    r.error(v.source(), name +
                            " must be \"env:NAME\" or \"file:PATH\", naming where the "
                            "secret key is (key material never goes in the configuration)");
    return;
  }
  c.signing_key = std::move(*source);
}

void apply_trusted_keys(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  const auto* entries = v.as_array();
  if (entries == nullptr) {
    r.wrong_type(v, name, "an array of public keys");
    return;
  }
  for (size_t i = 0; i < entries->size(); ++i) {
    const toml::node& entry = *entries->get(i);
    const std::string item = name + "[" + std::to_string(i) + "]";
    std::optional<std::string> key = r.string(entry, item);
    if (!key) continue;
    if (!signing::is_key_source(*key)) {
      if (Result<signing::PublicKey> parsed = signing::parse_public_key(*key); !parsed) {
        r.error(entry.source(), item + ": " + parsed.status().message() +
                                    "; or name one with \"env:NAME\" or \"file:PATH\"");
        continue;
      }
    }
    c.trusted_keys.push_back(std::move(*key));
  }
}

void apply_require_signature(Reader& r, const toml::node& v, const std::string& name,
                             CacheConfig& c) {
  if (std::optional<bool> required = r.boolean(v, name)) c.require_signature = *required;
}

// Signing settings belong to the caches that hold entries: a tiered cache's levels. A
// required signature needs some key to accept.
void check_signing(Reader& r, const toml::table& root, const Config& config) {
  for (const auto& [name, cache] : config.caches) {
    const std::string table = "cache." + name;
    for (std::string_view setting : {"signing_key", "trusted_keys", "require_signature"}) {
      const toml::node* at = root.at_path(table + "." + std::string(setting)).node();
      if (at != nullptr && !cache.levels.empty()) {
        r.error(at->source(), table + "." + std::string(setting) +
                                  ": a tiered cache signs and verifies through its levels; set it "
                                  "on the level caches");
      }
    }
    const toml::node* required = root.at_path(table + ".require_signature").node();
    if (required != nullptr && cache.require_signature && cache.trusted_keys.empty() &&
        cache.signing_key.empty()) {
      r.error(required->source(),
              table +
                  ".require_signature = true accepts nothing without "
                  "trusted_keys (or a signing_key, whose public key is trusted)");
    }
  }
}

// Levels must name other, single-backend caches of the same file; reported at the
// `levels` value.
void check_levels(Reader& r, const toml::table& root, const Config& config) {
  for (const auto& [name, cache] : config.caches) {
    if (cache.levels.empty()) continue;
    const toml::node* at = root.at_path("cache." + name + ".levels").node();
    if (at == nullptr) continue;
    const std::string setting = "cache." + name + ".levels";
    if (cache.origin.at("backend") != "default") {
      r.error(at->source(), setting +
                                ": a tiered cache takes its backends from its levels; "
                                "remove its backend setting");
    }
    for (const std::string& level : cache.levels) {
      auto found = config.caches.find(level);
      if (level == name) {
        r.error(at->source(), setting + ": a cache cannot be its own level");
      } else if (found == config.caches.end()) {
        std::string known;
        for (const auto& [other, unused] : config.caches) {
          if (other != name) known += (known.empty() ? "" : ", ") + other;
        }
        r.error(at->source(), setting + ": no cache named \"" + level +
                                  "\" (defined: " + (known.empty() ? "none" : known) + ")");
      } else if (!found->second.levels.empty()) {
        r.error(at->source(), setting + ": level \"" + level + "\" is itself tiered");
      }
    }
  }
}

// The plugin receives every option as a string; nullopt for other types.
std::optional<std::string> render_option(const toml::node& v) {
  if (const auto* integer = v.as_integer()) return std::to_string(integer->get());
  if (const auto* boolean = v.as_boolean()) return boolean->get() ? "true" : "false";
  if (const auto* number = v.as_floating_point()) {
    std::array<char, 64> buffer{};
    const auto [end, error] =
        std::to_chars(buffer.data(), buffer.data() + buffer.size(), number->get());
    if (error == std::errc()) return std::string(buffer.data(), end);
  }
  return std::nullopt;
}

// The host passes these keys to every plugin itself (see plugin.h); an [options] entry
// would duplicate or contradict them. Returns why `key` is refused, or "".
std::string_view reserved_option_problem(std::string_view key) {
  for (std::string_view setting :
       {"location", "max_entries", "max_size", "cull_frequency", "read_only"}) {
    if (key == setting) return "set it in the cache's own table instead";
  }
  if (key == "cache_name" || key == "base_dir") return "sitecache passes it to the plugin";
  return {};
}

void apply_options(Reader& r, const toml::node& v, const std::string& name, CacheConfig& c) {
  const auto* table = v.as_table();
  if (table == nullptr) {
    r.wrong_type(v, name, "a table");
    return;
  }
  for (const auto& [key, value] : *table) {
    const std::string option = name + "." + std::string(key.str());
    std::optional<std::string> text;
    if (const std::string_view reserved = reserved_option_problem(key.str()); !reserved.empty()) {
      r.error(key.source(), option + " is reserved: " + std::string(reserved));
    } else if (key.str().find('\0') != std::string_view::npos) {
      r.error(key.source(), option + " must not contain a NUL character");
    } else if (value.is_string()) {
      text = r.string(value, option);
    } else {
      text = render_option(value);
      if (!text) r.wrong_type(value, option, "a string, integer, float or boolean");
    }
    if (!text) continue;
    c.options.emplace_back(key.str(), std::move(*text));
    c.origin["options." + std::string(key.str())] = r.where(key.source());
  }
}

struct CacheSetting {
  std::string_view key;
  ApplySetting apply;
};

// In the order of the documentation, which is also the order of "valid keys" lists.
constexpr std::array<CacheSetting, 18> kCacheSettings{{
    {"backend", apply_backend},
    {"location", apply_location},
    {"timeout", apply_timeout},
    {"key_prefix", apply_key_prefix},
    {"version", apply_version},
    {"max_entries", apply_max_entries},
    {"max_size", apply_max_size},
    {"cull_frequency", apply_cull_frequency},
    {"max_value_size", apply_max_value_size},
    {"compress", apply_compress},
    {"read_only", apply_read_only},
    {"on_error", apply_on_error},
    {"single_flight", apply_single_flight},
    {"levels", apply_levels},
    {"signing_key", apply_signing_key},
    {"trusted_keys", apply_trusted_keys},
    {"require_signature", apply_require_signature},
    {"options", apply_options},
}};

std::string cache_setting_list() {
  std::string list;
  for (const CacheSetting& setting : kCacheSettings) {
    if (!list.empty()) list += ", ";
    list += setting.key;
  }
  return list;
}

// A CacheConfig at its defaults, every setting's origin "default".
CacheConfig defaulted_cache(std::string name) {
  CacheConfig cache;
  cache.name = std::move(name);
  for (const CacheSetting& setting : kCacheSettings) {
    cache.origin[std::string(setting.key)] = "default";
  }
  return cache;
}

CacheConfig embedded_default_cache() {
  CacheConfig cache = defaulted_cache("default");
  cache.location = ".sitecache/cache.db";
  return cache;
}

bool valid_cache_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

void read_cache(Reader& r, const toml::key& key, const toml::node& node, Config& config) {
  const std::string prefix = "cache." + std::string(key.str());
  if (!valid_cache_name(key.str())) {
    r.error(key.source(), "invalid cache name \"" + std::string(key.str()) +
                              "\" (use letters, digits, '_' and '-')");
    return;
  }
  const auto* table = node.as_table();
  if (table == nullptr) {
    r.wrong_type(node, prefix, "a table");
    return;
  }
  CacheConfig cache = defaulted_cache(std::string(key.str()));
  for (const auto& member : *table) {
    // Named, not a structured binding: the lambda below captures it (clang 14, which
    // builds the fuzz harnesses, cannot capture a binding).
    const toml::key& setting_key = member.first;
    const toml::node& value = member.second;
    const auto* setting =
        std::find_if(kCacheSettings.begin(), kCacheSettings.end(),
                     [&](const CacheSetting& s) { return s.key == setting_key.str(); });
    if (setting == kCacheSettings.end()) {
      r.unknown_key(setting_key, "[" + prefix + "]", cache_setting_list());
      continue;
    }
    setting->apply(r, value, prefix + "." + std::string(setting_key.str()), cache);
    cache.origin[std::string(setting->key)] = r.where(setting_key.source());
  }
  config.caches.emplace(cache.name, std::move(cache));
}

// Absolute, lexically normal, without a trailing separator. Stays relative only if the
// process's working directory cannot be determined.
fs::path normal_directory(const fs::path& path) {
  std::error_code ignored;
  fs::path absolute = path.empty() ? fs::current_path(ignored) : fs::absolute(path, ignored);
  if (absolute.empty()) absolute = path;
  absolute = absolute.lexically_normal();
  if (!absolute.has_filename() && absolute.has_relative_path()) absolute = absolute.parent_path();
  return absolute;
}

void read_plugins(Reader& r, const toml::node& node, Config& config) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    r.wrong_type(node, "plugins", "a table");
    return;
  }
  for (const auto& [key, value] : *table) {
    if (key.str() != "path") {
      r.unknown_key(key, "[plugins]", "path");
      continue;
    }
    const auto* entries = value.as_array();
    if (entries == nullptr) {
      r.wrong_type(value, "plugins.path", "an array of strings");
      continue;
    }
    for (size_t i = 0; i < entries->size(); ++i) {
      const toml::node& entry = *entries->get(i);
      const std::string name = "plugins.path[" + std::to_string(i) + "]";
      const std::optional<std::string> directory = r.string(entry, name);
      if (directory && directory->empty()) r.error(entry.source(), name + " must not be empty");
      if (directory && !directory->empty()) {
        config.plugin_path.push_back(normal_directory(config.base_dir / *directory));
      }
    }
  }
}

// [exec]: settings of `sitecache exec`.
void read_exec(Reader& r, const toml::node& node, Config& config) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    r.wrong_type(node, "exec", "a table");
    return;
  }
  for (const auto& [key, value] : *table) {
    if (key.str() != "base_dir") {
      r.unknown_key(key, "[exec]", "base_dir");
      continue;
    }
    const std::optional<std::string> dir = r.string(value, "exec.base_dir");
    if (dir && dir->empty()) r.error(value.source(), "exec.base_dir must not be empty");
    if (dir && !dir->empty()) config.exec_base_dir = normal_directory(config.base_dir / *dir);
  }
}

Result<Config> parse_toml(std::string_view text, const fs::path& source_name,
                          const fs::path& base_dir) {
  const std::string file = source_name.empty() ? "<config>" : source_name.string();
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    const toml::source_position& at = e.source().begin;
    return Status(StatusCode::config, file + ":" + std::to_string(at.line) + ":" +
                                          std::to_string(at.column) + ": " +
                                          std::string(e.description()));
  }
  Config config;
  config.source = source_name;
  config.base_dir = normal_directory(base_dir);
  Reader r(file);
  for (const auto& [key, node] : root) {
    if (key.str() == "plugins") {
      read_plugins(r, node, config);
    } else if (key.str() == "exec") {
      read_exec(r, node, config);
    } else if (key.str() != "cache") {
      r.unknown_key(key, "the top level", "cache, exec, plugins");
    } else if (const auto* caches = node.as_table()) {
      for (const auto& [name, cache] : *caches) read_cache(r, name, cache, config);
    } else {
      r.wrong_type(node, "cache", "a table");
    }
  }
  check_levels(r, root, config);
  check_signing(r, root, config);
  if (!r.ok()) return r.status();
  if (config.caches.empty()) config.caches.emplace("default", embedded_default_cache());
  return config;
}

// Reads and parses the file at `path` (absolute); `named_by` says who asked for it.
Result<Config> load_file(const fs::path& path, std::string_view named_by) {
  const std::string described =
      "config file \"" + path.string() + "\" (" + std::string(named_by) + ")";
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    return Status(StatusCode::config, described + " does not exist");
  }
  if (ec) return Status(StatusCode::io, described + ": " + ec.message());
  if (status.type() != fs::file_type::regular) {
    return Status(StatusCode::config, described + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::io, described + " cannot be opened: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status(StatusCode::io, described + " cannot be read");
  return parse_toml(text.str(), path, path.parent_path());
}

// Set and not "" or "0".
bool environment_flag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

Result<Config> find_and_load(const ConfigSource& source) {
  const fs::path working_dir = normal_directory(source.working_dir);
  if (source.explicit_path) {
    return load_file((working_dir / *source.explicit_path).lexically_normal(), "explicit path");
  }
  if (source.use_environment) {
    const char* from_environment = std::getenv("SITECACHE_CONFIG");
    if (from_environment != nullptr && *from_environment != '\0') {
      return load_file((working_dir / from_environment).lexically_normal(),
                       "named by $SITECACHE_CONFIG");
    }
  }
  const fs::path local = working_dir / "sitecache.toml";
  std::error_code ec;
  if (fs::symlink_status(local, ec).type() == fs::file_type::not_found) {
    return default_config(working_dir);
  }
  return load_file(local, "found in the working directory");
}

}  // namespace

Result<Config> load_config(const ConfigSource& source) {
  try {
    Result<Config> config = find_and_load(source);
    if (config) config->disabled = source.use_environment && environment_flag("SITECACHE_DISABLE");
    return config;
  } catch (const std::exception& e) {
    return Status(StatusCode::internal, std::string("loading the configuration: ") + e.what());
  }
}

Result<Config> parse_config(std::string_view text, const std::filesystem::path& source_name,
                            const std::filesystem::path& base_dir) {
  try {
    return parse_toml(text, source_name, base_dir);
  } catch (const std::exception& e) {
    return Status(StatusCode::internal, std::string("parsing the configuration: ") + e.what());
  }
}

Config default_config(const std::filesystem::path& base_dir) {
  Config config;
  config.base_dir = normal_directory(base_dir);
  config.caches.emplace("default", embedded_default_cache());
  return config;
}

}  // namespace sitecache
