// `sitecache config show | check`: the effective configuration with where each value came
// from, and a validation that reports problems as FILE:LINE:COLUMN.
#include <cstdio>
#include <memory>

#include "common.hpp"
#include "output.hpp"
#include "sitecache/plugin_registry.hpp"
#include "sitecache/units.hpp"

namespace sitecache::cli {
namespace {

namespace fs = std::filesystem;

struct ConfigOptions {
  bool json = false;
};

struct Setting {
  std::string name;
  Json value;        // JSON form
  std::string text;  // for people
};

std::string timeout_text(Timeout t) {
  switch (t.kind()) {
    case Timeout::Kind::never:
      return "none";
    case Timeout::Kind::dont_store:
      return "0";
    case Timeout::Kind::after:
      return format_duration(t.duration());
    case Timeout::Kind::cache_default:
      break;
  }
  return "default";
}

// A setting whose JSON value is its text.
Setting text_setting(std::string name, std::string text) {
  return {std::move(name), text, text};
}

// max_entries / max_size: an integer, or null ("none") when unlimited.
Setting limit_setting(std::string name, const std::optional<uint64_t>& limit, bool bytes) {
  if (!limit) return {std::move(name), nullptr, "none"};
  std::string text = std::to_string(*limit);
  if (bytes) text += " (" + size_text(*limit) + ")";
  return {std::move(name), *limit, text};
}

// Public keys and key sources only: a configuration never holds secret key material.
std::string joined_keys(const std::vector<std::string>& keys) {
  if (keys.empty()) return "none";
  std::string text;
  for (const std::string& key : keys) text += (text.empty() ? "" : ", ") + key;
  return text;
}

std::vector<Setting> settings_of(const CacheConfig& c) {
  std::vector<Setting> out = {
      text_setting("backend", c.backend),
      {"location", c.location, c.location.empty() ? "(backend default)" : c.location},
      text_setting("timeout", timeout_text(c.timeout)),
      text_setting("key_prefix", c.key_prefix),
      {"version", c.version, std::to_string(c.version)},
      limit_setting("max_entries", c.max_entries, false),
      limit_setting("max_size", c.max_size, true),
      {"cull_frequency", c.cull_frequency, std::to_string(c.cull_frequency)},
      {"max_value_size", c.max_value_size,
       std::to_string(c.max_value_size) + " (" + size_text(c.max_value_size) + ")"},
      text_setting("compress", c.compress == Compression::zstd ? "zstd" : "none"),
      {"read_only", c.read_only, c.read_only ? "true" : "false"},
      text_setting("on_error", c.on_error == OnError::fail ? "fail" : "miss"),
      text_setting("single_flight", c.single_flight == SingleFlight::shared ? "shared" : "process"),
      {"signing_key", c.signing_key.empty() ? Json(nullptr) : Json(c.signing_key),
       c.signing_key.empty() ? "none" : c.signing_key},
      {"trusted_keys", Json(c.trusted_keys), joined_keys(c.trusted_keys)},
      {"require_signature", c.require_signature, c.require_signature ? "true" : "false"},
  };
  for (const auto& [key, value] : c.options) out.push_back(text_setting("options." + key, value));
  return out;
}

std::string origin_of(const CacheConfig& c, const std::string& setting) {
  auto it = c.origin.find(setting);
  return it == c.origin.end() ? "default" : it->second;
}

int run_show(Context& context, const ConfigOptions& o) {
  const Config& config = context.config();
  std::vector<const CacheConfig*> caches;
  if (!context.options().cache.empty()) {
    context.check_cache_name();
    caches.push_back(&config.caches.at(context.options().cache));
  } else {
    for (const auto& [name, c] : config.caches) caches.push_back(&c);
  }
  std::vector<fs::path> search = plugin_search_path(config);
  if (o.json) {
    Json document = json_document("config show");
    document["source"] = config.source.empty() ? Json(nullptr) : Json(config.source.string());
    document["base_dir"] = config.base_dir.string();
    document["disabled"] = config.disabled;
    Json dirs = Json::array();
    for (const fs::path& dir : search) dirs.push_back(dir.string());
    document["plugin_path"] = std::move(dirs);
    Json list = Json::array();
    for (const CacheConfig* c : caches) {
      Result<fs::path> plugin = find_plugin(c->backend, config);
      Json settings = Json::object();
      for (const Setting& s : settings_of(*c)) {
        settings[s.name] = {{"value", s.value}, {"origin", origin_of(*c, s.name)}};
      }
      list.push_back({{"name", c->name},
                      {"plugin_file", plugin ? Json(plugin->string()) : Json(nullptr)},
                      {"plugin_error", plugin ? Json(nullptr) : Json(plugin.status().message())},
                      {"settings", std::move(settings)}});
    }
    document["caches"] = std::move(list);
    print_json(document);
    return kExitOk;
  }
  std::string text = "configuration  " +
                     (config.source.empty() ? std::string("embedded default (no file found)")
                                            : config.source.string()) +
                     "\nbase dir       " + config.base_dir.string() + "\n";
  for (size_t i = 0; i < search.size(); ++i) {
    text += (i == 0 ? "plugin path    " : "               ") + search[i].string() + "\n";
  }
  if (config.disabled)
    text += "disabled       SITECACHE_DISABLE is set: every cache stores nothing\n";
  write_text(text);
  for (const CacheConfig* c : caches) {
    write_text("\n[cache." + c->name + "]\n");
    Table table({"setting", "value", "from"});
    for (const Setting& s : settings_of(*c)) table.add({s.name, s.text, origin_of(*c, s.name)});
    Result<fs::path> plugin = find_plugin(c->backend, config);
    table.add({"(plugin file)",
               plugin ? plugin->string() : "not found: " + plugin.status().message(), ""});
    table.print(2);
  }
  return kExitOk;
}

int run_check(Context& context) {
  ConfigSource source;
  if (!context.options().config.empty()) source.explicit_path = context.options().config;
  Result<Config> config = load_config(source);
  if (!config) {
    // The message already reads "FILE:LINE:COLUMN: what", one problem per line, which
    // editors and CI annotate as is.
    print_lines("", config.status().message());
    return kExitFailure;
  }
  // What opening each cache would find, without opening it: the plugin is found and
  // loaded, and checks the options the cache would hand it (validate_backend).
  std::string problems;
  for (const auto& [name, c] : config->caches) {
    const Status checked = validate_backend(c, *config);
    if (checked.code() == StatusCode::unsupported) {
      note(checked.message());
    } else if (!checked) {
      problems += checked.message() + "\n";
    }
  }
  if (!problems.empty()) {
    print_lines("", problems);
    return kExitFailure;
  }
  std::string names;
  for (const auto& [name, c] : config->caches) names += (names.empty() ? "" : ", ") + name;
  write_text((config->source.empty() ? std::string("embedded default configuration")
                                     : config->source.string()) +
             ": OK (" + std::to_string(config->caches.size()) +
             (config->caches.size() == 1 ? " cache: " : " caches: ") + names + ")\n");
  return kExitOk;
}

}  // namespace

void add_config_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto o = std::make_shared<ConfigOptions>();
  CLI::App* config =
      app.add_subcommand("config", "Show or check the effective configuration (default: show)");
  config->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  verbs.add(config, "sitecache config [show | check] [--json]",
            [&context, o] { return run_show(context, *o); });

  CLI::App* show =
      config->add_subcommand("show", "Every cache's settings and where each value came from");
  show->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  verbs.add(show, "sitecache config show [--cache NAME] [--json]",
            [&context, o] { return run_show(context, *o); });

  CLI::App* check = config->add_subcommand(
      "check", "Validate the configuration; problems are printed as FILE:LINE:COLUMN");
  check->footer(
      "Loads each cache's plugin and has it check the cache's options, without opening its\n"
      "store. Exit 0 when valid, 1 with one line per problem otherwise.");
  verbs.add(check, "sitecache config check [--config FILE]",
            [&context] { return run_check(context); });
}

}  // namespace sitecache::cli
