#include <cassert>

#include "sitecache/cache.hpp"

namespace sitecache {

Result<Caches> Caches::load(const ConfigSource& source, WarningSink warnings) {
  Result<Config> config = load_config(source);
  if (!config) return config.status();
  return Caches(std::move(config.value()), std::move(warnings));
}

Caches::Caches(Config config, WarningSink warnings) : config_(std::move(config)) {
  for (const auto& [name, settings] : config_.caches) {
    caches_.emplace(name, std::make_unique<Cache>(settings, config_, warnings));
  }
}

Caches::Caches(Caches&&) noexcept = default;
Caches& Caches::operator=(Caches&&) noexcept = default;
Caches::~Caches() = default;

Cache& Caches::operator[](std::string_view name) {
  Cache* cache = find(name);
  assert(cache != nullptr && "no cache of that name: check contains() or use find()");
  return *cache;
}

Cache* Caches::find(std::string_view name) {
  auto it = caches_.find(name);
  return it == caches_.end() ? nullptr : it->second.get();
}

bool Caches::contains(std::string_view name) const {
  return caches_.find(name) != caches_.end();
}

std::vector<std::string> Caches::names() const {
  std::vector<std::string> names;
  for (const auto& [name, cache] : caches_) names.push_back(name);
  return names;
}

const Config& Caches::config() const {
  return config_;
}

}  // namespace sitecache
