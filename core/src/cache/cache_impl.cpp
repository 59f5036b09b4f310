// Backend acquisition, the failure policy, and the verified read/write path.
#include "cache/cache_impl.hpp"

#include <cstdio>

#include "sitecache/printable.hpp"
#include "storage/open_store.hpp"

namespace sitecache {

WarningSink stderr_warnings() {
  return [](std::string_view message) {
    // A backend's message may carry a key or a server's text: nothing reaches the
    // terminal as a control sequence.
    std::string line = "sitecache: warning: " + printable(message) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  };
}

CacheImpl::CacheImpl(CacheConfig settings_in, const Config& config_in, WarningSink warnings_in)
    : settings(std::move(settings_in)),
      config(config_in),
      warnings(std::move(warnings_in)),
      keys(settings.key_prefix, settings.version) {}

CacheImpl::~CacheImpl() {
  flush_batch();
}

Result<std::unique_ptr<Store>> CacheImpl::open_store() {
  // Called from inside backend reads: counts and warns, never touches the store.
  auto rejected = [this](std::string_view key, signing::Seal seal) {
    count(counters.rejected);
    if (!warned_rejected.exchange(true)) {
      warnings("cache '" + settings.name + "': refused an entry (" + std::string(key) + ": " +
               std::string(signing::describe(seal)) +
               "); it is a miss, never served; further refusals are counted as rejected");
    }
  };
  return sitecache::open_store(settings, config, warnings, rejected);
}

Result<Store*> CacheImpl::acquire() {
  flush_batch();
  return acquire_store();
}

Result<Store*> CacheImpl::acquire_store() {
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

bool CacheImpl::has(Capability capability) {
  Result<Store*> b = acquire();
  return b && (*b)->has(capability);
}

void CacheImpl::flush_batch() {
  if (batch.empty()) return;
  std::unique_lock lock = batch.lock_flush();
  std::span<const StoreItem> items = batch.begin_flush();
  if (!items.empty()) {
    Result<Store*> b = acquire_store();
    Status status = b ? (*b)->set_many(items) : b.status();
    if (status) {
      uint64_t bytes = 0;
      for (const StoreItem& item : items) bytes += item.value.size();
      count(counters.sets, items.size());
      count(counters.bytes_written, bytes);
    } else {
      (void)degrade(status, "set_many");
    }
  }
  batch.finish_flush();
}

void CacheImpl::try_flush_batch() {
  std::unique_lock lock = batch.lock_flush(std::try_to_lock);
  if (!lock.owns_lock()) return;
  lock.unlock();
  flush_batch();
}

Status CacheImpl::degrade(const Status& failure, std::string_view operation) {
  count(counters.errors);
  if (settings.on_error == OnError::fail) return failure;
  if (!warned.exchange(true)) {
    warnings("cache '" + settings.name + "': " + std::string(operation) + " failed (" +
             failure.to_string() +
             "); treating failures as misses, further ones are counted, not printed");
  }
  return Status::ok();
}

Result<std::optional<StoredValue>> CacheImpl::lookup(std::string_view backend_key) {
  Result<std::optional<StoredValue>> found = read(backend_key);
  if (found) return found;
  count(counters.misses);
  return settle(std::move(found), "get", std::optional<StoredValue>());
}

Status CacheImpl::read_only_error(std::string_view operation) const {
  return Status(StatusCode::read_only, "cache '" + settings.name + "' is read_only; " +
                                           std::string(operation) + " refused");
}

int64_t CacheImpl::ttl_ms(Timeout resolved) {
  return resolved.kind() == Timeout::Kind::after ? resolved.duration().count() : 0;
}

int64_t CacheImpl::expires_at(Timeout resolved, int64_t now) {
  return resolved.kind() == Timeout::Kind::after ? now + resolved.duration().count() : 0;
}

EntryInfo CacheImpl::info_from(std::string_view key, const EntryMeta& meta,
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
  info.kind =
      keys.parse(key).kind == KeyKind::blob ? EntryInfo::Kind::blob : EntryInfo::Kind::entry;
  for (const Digest& blob : meta.references) info.blobs.push_back(keys.blob(blob));
  return info;
}

Result<std::optional<StoredValue>> CacheImpl::read(std::string_view backend_key,
                                                   Counting counting) {
  const bool counted = counting == Counting::yes;
  using Miss = std::optional<StoredValue>;
  std::optional<std::string> queued;
  if (!batch.empty()) queued = batch.find(backend_key);
  Result<Store*> b = acquire_store();
  if (!b) return b.status();
  TakenEntry taken(settings.max_value_size);
  Result<bool> found = true;
  if (queued) {
    taken.take(span_of(*queued));
  } else {
    found = (*b)->get_into(backend_key,
                           [&taken](std::span<const uint8_t> bytes) { taken.take(bytes); });
  }
  if (!found) return found.status();
  if (!*found) {
    if (counted) count(counters.misses);
    return Miss();
  }
  count(counters.bytes_read, static_cast<uint64_t>(taken.stored_size));
  Result<DecodedEntry> decoded = taken.finish();
  const bool expired =
      decoded && decoded->meta.expires_ms != 0 && now_ms() >= decoded->meta.expires_ms;
  if (!decoded || expired) {
    if (!decoded) count(counters.corrupt);
    if (counted) count(counters.misses);
    if (!settings.read_only) (void)(*b)->remove(backend_key);
    return Miss();
  }
  if (counted) count(counters.hits);
  StoredValue stored;
  stored.info = info_from(backend_key, decoded->meta, taken.stored_size);
  stored.value = std::move(decoded->value);
  return Miss(std::move(stored));
}

Status CacheImpl::write(std::string_view backend_key, std::string_view value,
                        const StoreOptions& options, WritePath path) {
  if (settings.read_only) return Status::ok();
  Timeout resolved = resolve(options.timeout);
  // With on_error = "fail" every store reports its own failure, so none is deferred.
  const bool batched = path == WritePath::batched && settings.on_error == OnError::miss &&
                       resolved.kind() != Timeout::Kind::dont_store;
  Result<Store*> b = batched ? acquire_store() : acquire();
  if (!b) return b.status();
  if (resolved.kind() == Timeout::Kind::dont_store) {
    Result<bool> removed = (*b)->remove(backend_key);
    return removed ? Status::ok() : removed.status();
  }
  if (value.size() > settings.max_value_size) {
    return Status(StatusCode::invalid_argument,
                  "value of " + std::to_string(value.size()) + " bytes is over max_value_size (" +
                      std::to_string(settings.max_value_size) + " bytes); not stored");
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
  meta.files = options.files;
  meta.references = options.references;
  std::string bytes = encode_entry(meta, value, compression());
  if (batched) {
    if (batch.add(std::string(backend_key), std::move(bytes), ttl_ms(resolved)) ==
        WriteBatch::Due::yes) {
      try_flush_batch();
    }
    return Status::ok();
  }
  if (Status status = (*b)->set(backend_key, bytes, ttl_ms(resolved)); !status) return status;
  count(counters.sets);
  count(counters.bytes_written, bytes.size());
  return Status::ok();
}

Status CacheImpl::write_raw(std::string_view backend_key, std::string_view encoded) {
  if (settings.read_only) return Status::ok();
  Result<Store*> b = acquire();
  if (!b) return b.status();
  if (Status status = (*b)->set(backend_key, encoded, 0); !status) return status;
  count(counters.bytes_written, encoded.size());
  return Status::ok();
}

Result<bool> CacheImpl::add_key(std::string_view backend_key, std::string_view encoded,
                                Timeout timeout) {
  if (settings.read_only) return false;
  Timeout resolved = resolve(timeout);
  Result<Store*> b = acquire();
  if (!b) return b.status();
  // Two attempts: the first add may find an entry that is expired or corrupt by the
  // envelope's own checks (a backend without native TTL keeps it); read() removes such an
  // entry, after which the second add can succeed.
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<bool> stored = (*b)->add(backend_key, encoded, ttl_ms(resolved));
    if (!stored) return stored.status();
    if (*stored) {
      count(counters.sets);
      count(counters.bytes_written, encoded.size());
      return true;
    }
    Result<std::optional<StoredValue>> existing = read(backend_key, Counting::no);
    if (!existing) return existing.status();
    if (existing->has_value()) return false;
  }
  return false;
}

Result<bool> CacheImpl::remove_key(std::string_view backend_key) {
  if (settings.read_only) return read_only_error("delete");
  Result<Store*> b = acquire();
  if (!b) return b.status();
  Result<bool> removed = (*b)->remove(backend_key);
  if (removed && *removed) count(counters.deletes);
  return removed;
}

Status CacheImpl::clear_keys() {
  if (settings.read_only) return read_only_error("clear");
  Result<Store*> b = acquire();
  if (!b) return b.status();
  return (*b)->clear(keys.prefix());
}

Status CacheImpl::scan_entries(const std::function<bool(const EntryInfo&)>& visit) {
  Result<Store*> b = acquire();
  if (!b) return b.status();
  uint64_t corrupt = 0;
  Status status = (*b)->scan(keys.prefix(), ScanValues::yes, [&](const StoreScanItem& item) {
    const KeyKind kind = keys.parse(item.key).kind;
    if (!item.value || (kind != KeyKind::entry && kind != KeyKind::blob)) return true;
    Result<EntryMeta> meta = decode_entry_meta(span_of(*item.value));
    if (!meta) {
      ++corrupt;
      return true;
    }
    EntryInfo info = info_from(item.key, *meta, static_cast<int64_t>(item.value->size()));
    info.last_access_ms = item.last_access_ms;
    return visit(info);
  });
  count(counters.corrupt, corrupt);
  return status;
}

}  // namespace sitecache
