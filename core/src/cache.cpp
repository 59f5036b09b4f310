// Django's low-level cache API on top of the verified read/write path (cache_impl.cpp).
#include <charconv>
#include <limits>

#include "cache_impl.hpp"

namespace sitecache {
namespace {

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

StoreOptions plain_options(std::string_view key, Timeout timeout) {
  StoreOptions options;
  options.timeout = timeout;
  options.label = std::string(key);
  return options;
}

}  // namespace

Cache::Cache(CacheConfig settings, const Config& config, WarningSink warnings)
    : impl_(std::make_unique<Impl>(std::move(settings), config, std::move(warnings))) {}

Cache::~Cache() = default;

const std::string& Cache::name() const {
  return impl_->settings.name;
}
const CacheConfig& Cache::settings() const {
  return impl_->settings;
}

std::string Cache::key_space() const {
  return impl_->settings.key_prefix + ":";
}

std::string Cache::backend_key(const Digest& digest, int64_t version) const {
  // Built in one allocation: this runs for every cache call.
  const std::string& prefix = impl_->settings.key_prefix;
  char number[24];
  const int digits = std::snprintf(number, sizeof number, "%lld", static_cast<long long>(version));
  std::string key;
  key.reserve(prefix.size() + 1 + static_cast<size_t>(digits) + 1 + 32);
  key.append(prefix).append(1, ':').append(number, static_cast<size_t>(digits)).append(1, ':');
  digest.append_hex(key);
  return key;
}

std::string Cache::backend_key(const Digest& digest) const {
  return backend_key(digest, impl_->settings.version);
}

std::string Cache::backend_key_for(std::string_view plain_key) const {
  return backend_key(plain_key_digest(plain_key));
}

Result<std::optional<std::string>> Cache::get(std::string_view key) {
  Result<std::optional<StoredValue>> stored = impl_->read(backend_key_for(key));
  if (!stored) return stored.status();
  if (!stored->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(std::move((*stored)->value));
}

Status Cache::set(std::string_view key, std::string_view value, Timeout timeout) {
  return impl_->write(backend_key_for(key), value, plain_options(key, timeout));
}

Result<bool> Cache::add(std::string_view key, std::string_view value, Timeout timeout) {
  if (impl_->settings.read_only) return false;
  Timeout resolved = impl_->resolve(timeout);
  if (resolved.kind() == Timeout::Kind::dont_store) return false;
  std::string bkey = backend_key_for(key);
  const int64_t now = now_ms();
  EntryMeta meta;
  meta.created_ms = now;
  meta.expires_ms = Impl::expires_at(resolved, now);
  meta.label = std::string(key);
  std::string bytes = encode_entry(meta, value, impl_->compression());
  return add_backend_key(bkey, bytes, resolved);
}

Result<bool> Cache::add_backend_key(std::string_view bkey, std::string_view bytes,
                                    Timeout timeout) {
  if (impl_->settings.read_only) return false;
  Timeout resolved = impl_->resolve(timeout);
  Result<Store*> b = impl_->acquire();
  if (!b) {
    Status s = impl_->degrade(b.status(), "opening the backend");
    return s ? Result<bool>(false) : Result<bool>(s);
  }
  // Two attempts: the first add may find an entry that is expired or corrupt by the
  // envelope's own checks (a backend without native TTL keeps it); read() removes such an
  // entry, after which the second add can succeed.
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<bool> stored = (*b)->add(bkey, bytes, Impl::ttl_ms(resolved));
    if (!stored) {
      Status s = impl_->degrade(stored.status(), "add");
      return s ? Result<bool>(false) : Result<bool>(s);
    }
    if (*stored) {
      impl_->counters.sets.fetch_add(1, std::memory_order_relaxed);
      impl_->counters.bytes_written.fetch_add(bytes.size(), std::memory_order_relaxed);
      return true;
    }
    Result<std::optional<StoredValue>> existing = impl_->read(bkey);
    if (!existing) return existing.status();
    if (existing->has_value()) return false;
  }
  return false;
}

Result<std::string> Cache::get_or_set(std::string_view key,
                                      const std::function<std::string()>& make, Timeout timeout) {
  Result<std::optional<std::string>> found = get(key);
  if (!found) return found.status();
  if (found->has_value()) return std::move(**found);
  std::string value = make();
  Result<bool> added = add(key, value, timeout);
  if (!added) return added.status();
  if (*added || impl_->settings.read_only) return value;
  // Someone else stored a value first: return theirs, as Django does.
  Result<std::optional<std::string>> theirs = get(key);
  if (theirs && theirs->has_value()) return std::move(**theirs);
  return value;
}

Result<std::map<std::string, std::string>> Cache::get_many(std::span<const std::string> keys) {
  std::map<std::string, std::string> found;
  // Decode one key at a time through read() would cost a round trip per key on a network
  // backend; fetch the entries in one batch (copied once, during the call) and verify each.
  std::vector<std::string> backend_keys;
  backend_keys.reserve(keys.size());
  for (const auto& key : keys) backend_keys.push_back(backend_key_for(key));
  Result<Store*> b = impl_->acquire();
  if (!b) {
    Status s = impl_->degrade(b.status(), "opening the backend");
    impl_->counters.misses.fetch_add(keys.size(), std::memory_order_relaxed);
    return s ? Result<std::map<std::string, std::string>>(found) : s;
  }
  std::vector<TakenEntry> taken(keys.size());
  auto take = [&taken](size_t index, std::span<const uint8_t> bytes) { taken[index].take(bytes); };
  if (Status status = (*b)->get_many_into(backend_keys, take); !status) {
    Status s = impl_->degrade(status, "get_many");
    impl_->counters.misses.fetch_add(keys.size(), std::memory_order_relaxed);
    return s ? Result<std::map<std::string, std::string>>(found) : s;
  }
  const int64_t now = now_ms();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!taken[i].delivered) {
      impl_->counters.misses.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    impl_->counters.bytes_read.fetch_add(static_cast<uint64_t>(taken[i].stored_size),
                                         std::memory_order_relaxed);
    Result<DecodedEntry> decoded = taken[i].finish();
    bool usable = decoded && (decoded->meta.expires_ms == 0 || now < decoded->meta.expires_ms);
    if (!decoded) impl_->counters.corrupt.fetch_add(1, std::memory_order_relaxed);
    if (!usable) {
      impl_->counters.misses.fetch_add(1, std::memory_order_relaxed);
      if (!impl_->settings.read_only) (void)(*b)->remove(backend_keys[i]);
      continue;
    }
    impl_->counters.hits.fetch_add(1, std::memory_order_relaxed);
    found.emplace(keys[i], std::move(decoded->value));
  }
  return found;
}

Status Cache::set_many(const std::map<std::string, std::string>& values, Timeout timeout) {
  if (impl_->settings.read_only) return Status::ok();
  Timeout resolved = impl_->resolve(timeout);
  if (resolved.kind() == Timeout::Kind::dont_store) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : values) keys.push_back(key);
    return remove_many(keys);
  }
  Result<Store*> b = impl_->acquire();
  if (!b) return impl_->degrade(b.status(), "opening the backend");
  const int64_t now = now_ms();
  std::vector<BackendItem> items;
  items.reserve(values.size());
  uint64_t bytes = 0;
  for (const auto& [key, value] : values) {
    EntryMeta meta;
    meta.created_ms = now;
    meta.expires_ms = Impl::expires_at(resolved, now);
    meta.label = key;
    items.push_back({backend_key_for(key), encode_entry(meta, value, impl_->compression()),
                     Impl::ttl_ms(resolved)});
    bytes += items.back().value.size();
  }
  if (Status status = (*b)->set_many(items); !status) return impl_->degrade(status, "set_many");
  impl_->counters.sets.fetch_add(items.size(), std::memory_order_relaxed);
  impl_->counters.bytes_written.fetch_add(bytes, std::memory_order_relaxed);
  return Status::ok();
}

Result<bool> Cache::remove(std::string_view key) {
  return remove_backend_key(backend_key_for(key));
}

Result<bool> Cache::remove_backend_key(std::string_view bkey) {
  if (impl_->settings.read_only) return impl_->read_only_error("delete");
  Result<Store*> b = impl_->acquire();
  if (!b) {
    Status s = impl_->degrade(b.status(), "opening the backend");
    return s ? Result<bool>(false) : Result<bool>(s);
  }
  Result<bool> removed = (*b)->remove(bkey);
  if (!removed) {
    Status s = impl_->degrade(removed.status(), "delete");
    return s ? Result<bool>(false) : Result<bool>(s);
  }
  if (*removed) impl_->counters.deletes.fetch_add(1, std::memory_order_relaxed);
  return *removed;
}

Status Cache::remove_many(std::span<const std::string> keys) {
  for (const auto& key : keys) {
    Result<bool> removed = remove(key);
    if (!removed) return removed.status();
  }
  return Status::ok();
}

Result<bool> Cache::has_key(std::string_view key) {
  Result<std::optional<StoredValue>> stored = impl_->read(backend_key_for(key));
  if (!stored) return stored.status();
  return stored->has_value();
}

Result<bool> Cache::touch(std::string_view key, Timeout timeout) {
  if (impl_->settings.read_only) return impl_->read_only_error("touch");
  // Expiry lives in the envelope (the core enforces it), so touching rewrites the entry
  // with its metadata intact. A concurrent writer may win; either value is valid.
  std::string bkey = backend_key_for(key);
  Result<std::optional<StoredValue>> stored = impl_->read(bkey);
  if (!stored) return stored.status();
  if (!stored->has_value()) return false;
  const EntryInfo& info = (*stored)->info;
  StoreOptions options;
  options.timeout = timeout;
  options.label = info.label;
  options.slot = info.slot;
  options.tags = info.tags;
  options.cost_us = info.cost_us;
  options.generation = info.generation;
  options.created_ms = info.created_ms;
  if (Status status = impl_->write(bkey, (*stored)->value, options); !status) return status;
  return true;
}

Result<int64_t> Cache::incr(std::string_view key, int64_t delta) {
  if (impl_->settings.read_only) return impl_->read_only_error("incr");
  std::string bkey = backend_key_for(key);
  Result<std::optional<StoredValue>> stored = impl_->read(bkey);
  if (!stored) return stored.status();
  if (!stored->has_value()) {
    return Status(StatusCode::not_found, "key '" + std::string(key) + "' not found");
  }
  std::optional<int64_t> current = parse_integer((*stored)->value);
  if (!current) {
    return Status(StatusCode::invalid_argument,
                  "value of '" + std::string(key) + "' is not an integer");
  }
  int64_t result = 0;
  if (__builtin_add_overflow(*current, delta, &result)) {
    return Status(StatusCode::invalid_argument, "incr of '" + std::string(key) + "' overflows");
  }
  // Keep the remaining lifetime: Django's incr does not reset the timeout.
  const EntryInfo& info = (*stored)->info;
  StoreOptions options = plain_options(key, Timeout::never());
  if (info.expires_ms != 0) {
    options.timeout = Timeout::after(std::chrono::milliseconds(info.expires_ms - now_ms()));
    if (options.timeout.kind() == Timeout::Kind::dont_store) {
      return Status(StatusCode::not_found, "key '" + std::string(key) + "' expired");
    }
  }
  if (Status status = impl_->write(bkey, std::to_string(result), options); !status) {
    return status;
  }
  return result;
}

Result<int64_t> Cache::decr(std::string_view key, int64_t delta) {
  if (delta == std::numeric_limits<int64_t>::min()) {
    return Status(StatusCode::invalid_argument, "decr delta out of range");
  }
  return incr(key, -delta);
}

Result<int64_t> Cache::incr_version(std::string_view key, int64_t delta) {
  if (impl_->settings.read_only) return impl_->read_only_error("incr_version");
  const int64_t version = impl_->settings.version;
  int64_t next = 0;
  if (__builtin_add_overflow(version, delta, &next) || next < 0) {
    return Status(StatusCode::invalid_argument, "version out of range");
  }
  Digest digest = plain_key_digest(key);
  std::string old_key = backend_key(digest, version);
  Result<std::optional<StoredValue>> stored = impl_->read(old_key);
  if (!stored) return stored.status();
  if (!stored->has_value()) {
    return Status(StatusCode::not_found, "key '" + std::string(key) + "' not found");
  }
  const EntryInfo& info = (*stored)->info;
  StoreOptions options = plain_options(key, Timeout::never());
  if (info.expires_ms != 0) {
    options.timeout = Timeout::after(std::chrono::milliseconds(info.expires_ms - now_ms()));
  }
  if (Status s = impl_->write(backend_key(digest, next), (*stored)->value, options); !s) return s;
  Result<bool> removed = remove_backend_key(old_key);
  if (!removed) return removed.status();
  return next;
}

Status Cache::clear() {
  if (impl_->settings.read_only) return impl_->read_only_error("clear");
  Result<Store*> b = impl_->acquire();
  if (!b) return impl_->degrade(b.status(), "opening the backend");
  Status status = (*b)->clear(key_space());
  if (!status) return impl_->degrade(status, "clear");
  return Status::ok();
}

CacheCounters Cache::counters() const {
  const auto& c = impl_->counters;
  return CacheCounters{c.hits.load(),       c.misses.load(),       c.sets.load(),
                       c.deletes.load(),    c.errors.load(),       c.corrupt.load(),
                       c.bytes_read.load(), c.bytes_written.load()};
}

}  // namespace sitecache
