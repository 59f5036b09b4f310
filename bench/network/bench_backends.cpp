// Benchmark bodies of bench_backends.hpp.
#include "bench_backends.hpp"

#include <map>

namespace bench_network {

namespace {

const std::vector<std::string>& plugin_keys() {
  static const std::vector<std::string> k = keys("bench:1:plugin-");
  return k;
}
const std::vector<std::string>& cache_keys() {
  static const std::vector<std::string> k = keys("fragment/");
  return k;
}

// kKeys / kBatch disjoint batches of the cache keys, in the shapes Cache takes.
const std::vector<std::vector<std::string>>& key_batches() {
  static const std::vector<std::vector<std::string>> batches = [] {
    std::vector<std::vector<std::string>> out;
    for (int first = 0; first + kBatch <= kKeys; first += kBatch) {
      out.emplace_back(cache_keys().begin() + first, cache_keys().begin() + first + kBatch);
    }
    return out;
  }();
  return batches;
}
const std::vector<std::map<std::string, std::string>>& item_batches() {
  static const std::vector<std::map<std::string, std::string>> batches = [] {
    std::vector<std::map<std::string, std::string>> out;
    for (const auto& batch : key_batches()) {
      std::map<std::string, std::string> items;
      for (const auto& key : batch) items[key] = value_1k();
      out.push_back(std::move(items));
    }
    return out;
  }();
  return batches;
}

}  // namespace

RawPlugin* plugin_of(const Target& target, benchmark::State& state) {
  static std::map<const char*, std::unique_ptr<RawPlugin>> plugins;
  std::optional<std::string> address = server(target.address_variable);
  if (!address) {
    state.SkipWithError((std::string(target.address_variable) + " is not set").c_str());
    return nullptr;
  }
  auto& plugin = plugins[target.so_path];
  if (!plugin) {
    plugin = std::make_unique<RawPlugin>(
        target.so_path,
        std::map<std::string, std::string>{{"location", target.location(*address)}});
    for (const auto& key : plugin_keys()) plugin->set(key, value_1k());
  }
  return plugin.get();
}

sitecache::Cache* cache_of(const Target& target, benchmark::State& state) {
  static std::map<const char*, std::unique_ptr<sitecache::Cache>> caches;
  std::optional<std::string> address = server(target.address_variable);
  if (!address) {
    state.SkipWithError((std::string(target.address_variable) + " is not set").c_str());
    return nullptr;
  }
  auto& cache = caches[target.so_path];
  if (!cache) {
    cache = make_cache(target.so_path, target.location(*address));
    for (const auto& key : cache_keys()) {
      if (!cache->set(key, value_1k()).is_ok()) {
        state.SkipWithError("Cache::set failed while filling");
        return nullptr;
      }
    }
  }
  return cache.get();
}

void plugin_set(benchmark::State& state, const Target& target) {
  RawPlugin* plugin = plugin_of(target, state);
  if (plugin == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    if (!plugin->set(plugin_keys()[i++ % kKeys], value_1k())) {
      state.SkipWithError(plugin->error().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void plugin_get(benchmark::State& state, const Target& target) {
  RawPlugin* plugin = plugin_of(target, state);
  if (plugin == nullptr) return;
  size_t i = 0;
  std::string out;
  for (auto _ : state) {
    if (!plugin->get(plugin_keys()[i++ % kKeys], out) || out.size() != kValueSize) {
      state.SkipWithError(("get: " + plugin->error()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void plugin_get_many(benchmark::State& state, const Target& target) {
  RawPlugin* plugin = plugin_of(target, state);
  if (plugin == nullptr) return;
  size_t first = 0;
  std::vector<std::string> out;
  for (auto _ : state) {
    if (!plugin->get_many(plugin_keys(), first, out) || out.back().size() != kValueSize) {
      state.SkipWithError(("get_many: " + plugin->error()).c_str());
      break;
    }
    first += kBatch;
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void plugin_set_many(benchmark::State& state, const Target& target) {
  RawPlugin* plugin = plugin_of(target, state);
  if (plugin == nullptr) return;
  size_t first = 0;
  for (auto _ : state) {
    if (!plugin->set_many(plugin_keys(), first, value_1k())) {
      state.SkipWithError(("set_many: " + plugin->error()).c_str());
      break;
    }
    first += kBatch;
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void cache_set(benchmark::State& state, const Target& target) {
  sitecache::Cache* cache = cache_of(target, state);
  if (cache == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    if (!cache->set(cache_keys()[i++ % kKeys], value_1k()).is_ok()) {
      state.SkipWithError("Cache::set failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void cache_get(benchmark::State& state, const Target& target) {
  sitecache::Cache* cache = cache_of(target, state);
  if (cache == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    auto got = cache->get(cache_keys()[i++ % kKeys]);
    if (!got.is_ok() || !got->has_value()) {
      state.SkipWithError("Cache::get missed or failed");
      break;
    }
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(state.iterations());
}

void cache_get_many(benchmark::State& state, const Target& target) {
  sitecache::Cache* cache = cache_of(target, state);
  if (cache == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    auto got = cache->get_many(key_batches()[i++ % key_batches().size()]);
    if (!got.is_ok() || got->size() != static_cast<size_t>(kBatch)) {
      state.SkipWithError("Cache::get_many missed or failed");
      break;
    }
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void cache_set_many(benchmark::State& state, const Target& target) {
  sitecache::Cache* cache = cache_of(target, state);
  if (cache == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    if (!cache->set_many(item_batches()[i++ % item_batches().size()]).is_ok()) {
      state.SkipWithError("Cache::set_many failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace bench_network
