// Backend acquisition, the failure policy, and the verified read/write path.
#include <cstdio>
#include <iostream>

#include "cache_impl.hpp"
#include "tiered_store.hpp"

namespace sitecache {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

WarningSink stderr_warnings() {
  return [](std::string_view message) {
    std::string line = "sitecache: warning: " + std::string(message) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  };
}

Cache::Impl::Impl(CacheConfig settings_in, const Config& config_in, WarningSink warnings_in)
    : settings(std::move(settings_in)), config(config_in), warnings(std::move(warnings_in)) {}

Cache::Impl::~Impl() {
  flush_batch();
}

namespace {

// Loads the plugin of one cache's settings and creates its handle.
Result<std::unique_ptr<Store>> open_backend(const CacheConfig& settings, const Config& config) {
  std::string backend_name = config.disabled ? "dummy" : settings.backend;
  Result<std::filesystem::path> file = find_plugin(backend_name, config);
  if (!file) return file.status();
  Result<std::shared_ptr<LoadedPlugin>> plugin = load_plugin(*file);
  if (!plugin) return plugin.status();
  std::vector<std::pair<std::string, std::string>> options;
  if (!settings.location.empty()) options.emplace_back("location", settings.location);
  if (settings.max_entries) {
    options.emplace_back("max_entries", std::to_string(*settings.max_entries));
  }
  if (settings.max_size) options.emplace_back("max_size", std::to_string(*settings.max_size));
  options.emplace_back("cull_frequency", std::to_string(settings.cull_frequency));
  options.emplace_back("read_only", settings.read_only ? "true" : "false");
  options.emplace_back("cache_name", settings.name);
  std::error_code ec;
  std::filesystem::path base =
      config.base_dir.empty() ? std::filesystem::current_path(ec) : config.base_dir;
  options.emplace_back("base_dir", base.string());
  // The dummy stand-in of SITECACHE_DISABLE would reject the real backend's options.
  if (!config.disabled) {
    for (const auto& option : settings.options) options.push_back(option);
  }
  Result<std::unique_ptr<Backend>> created = Backend::create(*plugin, options);
  if (!created) return created.status();
  return std::unique_ptr<Store>(std::move(created.value()));
}

}  // namespace

Result<std::unique_ptr<Store>> Cache::Impl::open_store() {
  if (settings.levels.empty() || config.disabled) return open_backend(settings, config);
  std::vector<TieredStore::Level> levels;
  std::string failures;
  for (const std::string& name : settings.levels) {
    auto level_settings = config.caches.find(name);
    if (level_settings == config.caches.end()) {
      return Status(StatusCode::config,
                    "cache '" + settings.name + "' names unknown level '" + name + "'");
    }
    Result<std::unique_ptr<Store>> store = open_backend(level_settings->second, config);
    if (!store) {
      // A level that cannot start is skipped like a level that fails later.
      warnings("cache '" + settings.name + "': level '" + name + "' is unavailable (" +
               store.status().to_string() + "); continuing without it");
      failures += (failures.empty() ? "" : "; ") + store.status().to_string();
      continue;
    }
    levels.push_back(
        TieredStore::Level{name, std::move(store.value()), level_settings->second.read_only});
  }
  if (levels.empty()) {
    return Status(StatusCode::unavailable,
                  "no level of cache '" + settings.name + "' could start: " + failures);
  }
  std::string cache_name = settings.name;
  WarningSink sink = warnings;
  return std::unique_ptr<Store>(std::make_unique<TieredStore>(
      std::move(levels), [sink, cache_name](std::string_view message) {
        sink("cache '" + cache_name + "': " + std::string(message));
      }));
}

Result<Store*> Cache::Impl::acquire() {
  flush_batch();
  return acquire_store();
}

Result<Store*> Cache::Impl::acquire_store() {
  if (backend_ready.load(std::memory_order_acquire)) {
    if (backend) return backend.get();
    return backend_failure;
  }
  std::lock_guard lock(backend_mutex);
  if (!backend_ready.load(std::memory_order_relaxed)) {
    Result<std::unique_ptr<Store>> opened = open_store();
    if (opened) {
      backend = std::move(opened.value());
    } else {
      backend_failure = opened.status();
    }
    backend_ready.store(true, std::memory_order_release);
  }
  if (backend) return backend.get();
  return backend_failure;
}

void Cache::Impl::flush_batch() {
  if (batch.empty()) return;
  std::unique_lock lock = batch.lock_flush();
  std::span<const BackendItem> items = batch.begin_flush();
  if (!items.empty()) {
    Result<Store*> b = acquire_store();
    Status status = b ? (*b)->set_many(items) : b.status();
    if (status) {
      uint64_t bytes = 0;
      for (const BackendItem& item : items) bytes += item.value.size();
      counters.sets.fetch_add(items.size(), std::memory_order_relaxed);
      counters.bytes_written.fetch_add(bytes, std::memory_order_relaxed);
    } else {
      (void)degrade(status, "set_many");
    }
  }
  batch.finish_flush();
}

void Cache::Impl::flush_batch_if_idle() {
  std::unique_lock lock = batch.lock_flush(std::try_to_lock);
  if (!lock.owns_lock()) return;
  lock.unlock();
  flush_batch();
}

Status Cache::Impl::degrade(const Status& failure, std::string_view operation) {
  counters.errors.fetch_add(1, std::memory_order_relaxed);
  if (settings.on_error == OnError::fail) return failure;
  if (!warned.exchange(true)) {
    warnings("cache '" + settings.name + "': " + std::string(operation) + " failed (" +
             failure.to_string() +
             "); treating failures as misses, further ones are counted, not printed");
  }
  return Status::ok();
}

Status Cache::Impl::read_only_error(std::string_view operation) const {
  return Status(StatusCode::read_only, "cache '" + settings.name + "' is read_only; " +
                                           std::string(operation) + " refused");
}

int64_t Cache::Impl::ttl_ms(Timeout resolved) {
  return resolved.kind() == Timeout::Kind::after ? resolved.duration().count() : 0;
}

int64_t Cache::Impl::expires_at(Timeout resolved, int64_t now) {
  return resolved.kind() == Timeout::Kind::after ? now + resolved.duration().count() : 0;
}

EntryInfo Cache::Impl::info_from(std::string_view key, const EntryMeta& meta,
                                 int64_t stored_size) const {
  EntryInfo info;
  info.key = std::string(key);
  info.label = meta.label;
  info.slot = meta.slot;
  info.tags = meta.tags;
  info.created_ms = meta.created_ms;
  info.expires_ms = meta.expires_ms;
  info.generation = meta.generation;
  info.cost_us = meta.cost_us;
  info.value_size = meta.raw_size;
  info.stored_size = stored_size;
  info.compressed = meta.compressed;
  return info;
}

Result<std::optional<StoredValue>> Cache::Impl::read(std::string_view backend_key) {
  using Miss = std::optional<StoredValue>;
  std::optional<std::string> queued;
  if (!batch.empty()) queued = batch.find(backend_key);
  Result<Store*> b = acquire_store();
  if (!b) {
    if (Status s = degrade(b.status(), "opening the backend"); !s) return s;
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    return Miss();
  }
  TakenEntry taken;
  Result<bool> found = true;
  if (queued) {
    taken.take(span_of(*queued));
  } else {
    found = (*b)->get_into(backend_key,
                           [&taken](std::span<const uint8_t> bytes) { taken.take(bytes); });
  }
  if (!found) {
    if (Status s = degrade(found.status(), "get"); !s) return s;
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    return Miss();
  }
  if (!*found) {
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    return Miss();
  }
  counters.bytes_read.fetch_add(static_cast<uint64_t>(taken.stored_size),
                                std::memory_order_relaxed);
  Result<DecodedEntry> decoded = taken.finish();
  if (!decoded) {
    counters.corrupt.fetch_add(1, std::memory_order_relaxed);
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    if (!settings.read_only) (void)(*b)->remove(backend_key);
    return Miss();
  }
  if (decoded->meta.expires_ms != 0 && now_ms() >= decoded->meta.expires_ms) {
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    if (!settings.read_only) (void)(*b)->remove(backend_key);
    return Miss();
  }
  counters.hits.fetch_add(1, std::memory_order_relaxed);
  StoredValue stored;
  stored.info = info_from(backend_key, decoded->meta, taken.stored_size);
  stored.value = std::move(decoded->value);
  return Miss(std::move(stored));
}

Status Cache::Impl::write(std::string_view backend_key, std::string_view value,
                          const StoreOptions& options, WritePath path) {
  if (settings.read_only) return Status::ok();
  Timeout resolved = resolve(options.timeout);
  // With on_error = "fail" every store reports its own failure, so none is deferred.
  const bool batched = path == WritePath::batched && settings.on_error == OnError::miss &&
                       resolved.kind() != Timeout::Kind::dont_store;
  Result<Store*> b = batched ? acquire_store() : acquire();
  if (!b) return degrade(b.status(), "opening the backend");
  if (resolved.kind() == Timeout::Kind::dont_store) {
    Result<bool> removed = (*b)->remove(backend_key);
    return removed ? Status::ok() : degrade(removed.status(), "delete");
  }
  const int64_t now = now_ms();
  EntryMeta meta;
  meta.created_ms = options.created_ms != 0 ? options.created_ms : now;
  meta.expires_ms = expires_at(resolved, now);
  meta.generation = options.generation;
  meta.cost_us = options.cost_us;
  meta.label = options.label;
  meta.slot = options.slot;
  meta.tags = options.tags;
  std::string bytes = encode_entry(meta, value, compression());
  if (batched) {
    if (batch.add(std::string(backend_key), std::move(bytes), ttl_ms(resolved)) ==
        WriteBatch::Due::yes) {
      flush_batch_if_idle();
    }
    return Status::ok();
  }
  Status status = (*b)->set(backend_key, bytes, ttl_ms(resolved));
  if (!status) return degrade(status, "set");
  counters.sets.fetch_add(1, std::memory_order_relaxed);
  counters.bytes_written.fetch_add(bytes.size(), std::memory_order_relaxed);
  return Status::ok();
}

Status Cache::Impl::write_raw(std::string_view backend_key, std::string_view encoded) {
  if (settings.read_only) return Status::ok();
  Result<Store*> b = acquire();
  if (!b) return degrade(b.status(), "opening the backend");
  Status status = (*b)->set(backend_key, encoded, 0);
  if (!status) return degrade(status, "set");
  counters.bytes_written.fetch_add(encoded.size(), std::memory_order_relaxed);
  return Status::ok();
}

}  // namespace sitecache
