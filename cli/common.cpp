#include "common.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "output.hpp"
#include "sitecache/units.hpp"

namespace sitecache::cli {

void fail(const std::string& message) {
  throw CliError(kExitFailure, message);
}
void usage_error(const std::string& message) {
  throw CliError(kExitUsage, message);
}
void not_found(const std::string& message) {
  throw CliError(kExitNotFound, message);
}

void check(const Status& status) {
  if (!status.is_ok()) fail(status.message().empty() ? status.to_string() : status.message());
}

const Config& Context::config() {
  if (!config_) {
    ConfigSource source;
    if (!options_.config.empty()) source.explicit_path = options_.config;
    config_ = take(load_config(source));
  }
  return *config_;
}

Caches& Context::caches() {
  if (!caches_) {
    Config strict = config();
    for (auto& [name, settings] : strict.caches) settings.on_error = OnError::fail;
    caches_.emplace(std::move(strict));
  }
  return *caches_;
}

void Context::check_cache_name() {
  const std::string name = options_.cache.empty() ? "default" : options_.cache;
  if (config().caches.contains(name)) return;
  std::string known;
  for (const auto& [configured, settings] : config().caches) {
    known += (known.empty() ? "" : ", ") + configured;
  }
  std::string where =
      config().source.empty() ? "the embedded default configuration" : config().source.string();
  usage_error("unknown cache '" + name + "' (" + where + " defines: " + known + ")");
}

Cache& Context::cache() {
  check_cache_name();
  return caches()[options_.cache.empty() ? "default" : options_.cache];
}

Cache& Context::build_cache() {
  check_cache_name();
  if (!build_caches_) build_caches_.emplace(config());
  return (*build_caches_)[options_.cache.empty() ? "default" : options_.cache];
}

std::vector<Cache*> Context::selected_caches() {
  if (!options_.cache.empty()) return {&cache()};
  std::vector<Cache*> all;
  for (const std::string& name : caches().names()) all.push_back(caches().find(name));
  return all;
}

bool named_build() {
  const char* id = std::getenv("SITECACHE_BUILD");
  return id != nullptr && *id != '\0';
}

std::optional<BuildSession> join_named_build(Cache& cache) {
  if (!named_build()) return std::nullopt;
  const char* id = std::getenv("SITECACHE_BUILD");
  char* end = nullptr;
  const unsigned long long number = std::strtoull(id, &end, 10);
  if (*end == '\0' && number > 0) {
    Result<BuildSession> joined = cache.join_build(number);
    if (joined) return std::move(*joined);
    print_lines("sitecache: warning: ", "SITECACHE_BUILD=" + std::string(id) + ": " +
                                            joined.status().message() + "; not recorded");
  } else {
    print_lines("sitecache: warning: ",
                "SITECACHE_BUILD=" + std::string(id) + " is not a build id; not recorded");
  }
  return std::nullopt;
}

const Verbs::Verb* Verbs::find(const CLI::App* command) const {
  for (const Verb& verb : verbs_) {
    if (verb.command == command) return &verb;
  }
  return nullptr;
}

CLI::Validator whole_number(uint64_t min, uint64_t max) {
  auto check = [min, max](std::string& text) -> std::string {
    const std::string range = std::to_string(min) + " to " + std::to_string(max);
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (!digits || stop != end ||
        (error != std::errc() && error != std::errc::result_out_of_range)) {
      return "must be a whole number from " + range + ", not '" + text + "'";
    }
    if (error == std::errc::result_out_of_range || value < min || value > max) {
      return text + " is out of range (" + range + ")";
    }
    return {};
  };
  return CLI::Validator(check, "N in " + std::to_string(min) + ".." + std::to_string(max));
}

std::chrono::milliseconds parse_duration_arg(std::string_view option, std::string_view text) {
  Result<std::chrono::milliseconds> parsed = parse_duration(text);
  if (!parsed) usage_error(std::string(option) + ": " + parsed.status().message());
  return *parsed;
}

Timeout parse_timeout_arg(std::string_view option, std::string_view text) {
  Result<Timeout> parsed = parse_timeout(text);
  if (!parsed) usage_error(std::string(option) + ": " + parsed.status().message());
  return *parsed;
}

uint64_t parse_size_arg(std::string_view option, std::string_view text) {
  Result<uint64_t> parsed = parse_size(text);
  if (!parsed) usage_error(std::string(option) + ": " + parsed.status().message());
  return *parsed;
}

}  // namespace sitecache::cli
