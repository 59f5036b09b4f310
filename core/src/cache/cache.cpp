// Django's low-level cache API: the public boundary over the internal read/write path
// (cache_impl.cpp). Every backend failure is settled here by on_error.
#include <charconv>
#include <limits>

#include "cache/cache_impl.hpp"
#include "format/plain_key.hpp"
#include "memo/build_state.hpp"

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

// Records a plain get or set in the open build session, if any.
void record_plain(CacheImpl& impl, std::string_view step, const std::string& backend_key,
                  std::string_view slot, bool hit, std::vector<RecordedInput> inputs = {}) {
  std::shared_ptr<BuildSession::State> session = impl.current_session();
  if (!session) return;
  const int64_t use =
      session->open_use(backend_key, step, slot, std::move(inputs), current_parent(session.get()));
  session->close_use(use, hit ? BuildSession::State::Use::hit : BuildSession::State::Use::miss, 0,
                     0);
}

// The timeout that keeps what is left of an entry's lifetime (Django's incr does not
// reset it); dont_store when it has already run out.
Timeout remaining_lifetime(const EntryInfo& info) {
  if (info.expires_ms == 0) return Timeout::never();
  return Timeout::after(std::chrono::milliseconds(info.expires_ms - now_ms()));
}

}  // namespace

Cache::Cache(CacheConfig settings, const Config& config, WarningSink warnings)
    : impl_(std::make_unique<CacheImpl>(std::move(settings), config, std::move(warnings))) {}

Cache::~Cache() = default;

const std::string& Cache::name() const {
  return impl_->settings.name;
}
const CacheConfig& Cache::settings() const {
  return impl_->settings;
}

Result<std::optional<std::string>> Cache::get(std::string_view key) {
  const std::string bkey = impl_->keys.entry(plain_key_digest(key));
  Result<std::optional<StoredValue>> stored = impl_->lookup(bkey);
  if (!stored) return stored.status();
  record_plain(*impl_, "get", bkey, stored->has_value() ? (*stored)->info.slot : "",
               stored->has_value());
  if (!stored->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(std::move((*stored)->value));
}

Status Cache::set(std::string_view key, std::string_view value, Timeout timeout) {
  SetOptions options;
  options.timeout = timeout;
  return set(key, value, options);
}

Status Cache::set(std::string_view key, std::string_view value, const SetOptions& options) {
  const std::string bkey = impl_->keys.entry(plain_key_digest(key));
  StoreOptions store = plain_options(key, options.timeout);
  store.slot = options.slot;
  store.tags = options.tags;
  std::shared_ptr<BuildSession::State> session = impl_->current_session();
  if (session) store.generation = session->record.generation;
  if (Status s = impl_->settle(impl_->write(bkey, value, store), "set"); !s) return s;
  record_plain(*impl_, "put", bkey, options.slot, false,
               {RecordedInput{"value", hash_bytes(value).hex().substr(0, 16)}});
  return Status::ok();
}

Result<bool> Cache::add(std::string_view key, std::string_view value, Timeout timeout) {
  if (impl_->settings.read_only) return false;
  Timeout resolved = impl_->resolve(timeout);
  if (resolved.kind() == Timeout::Kind::dont_store) return false;
  const int64_t now = now_ms();
  EntryMeta meta;
  meta.created_ms = now;
  meta.expires_ms = CacheImpl::expires_at(resolved, now);
  meta.label = std::string(key);
  std::string bytes = encode_entry(meta, value, impl_->compression());
  return impl_->settle(impl_->add_key(impl_->keys.entry(plain_key_digest(key)), bytes, resolved),
                       "add", false);
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
  using Found = std::map<std::string, std::string>;
  // Reading one key at a time would cost a round trip per key on a network backend;
  // fetch the entries in one batch (copied once, during the call) and verify each.
  std::vector<std::string> backend_keys;
  backend_keys.reserve(keys.size());
  for (const auto& key : keys) backend_keys.push_back(impl_->keys.entry(plain_key_digest(key)));
  std::vector<TakenEntry> taken(keys.size(), TakenEntry(impl_->settings.max_value_size));
  auto take = [&taken](size_t index, std::span<const uint8_t> bytes) { taken[index].take(bytes); };
  Result<Store*> b = impl_->acquire();
  Status fetched = b ? (*b)->get_many_into(backend_keys, take) : b.status();
  if (!fetched) {
    impl_->count(impl_->counters.misses, keys.size());
    return impl_->settle(Result<Found>(fetched), "get_many", Found());
  }
  Found found;
  const int64_t now = now_ms();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!taken[i].delivered) {
      impl_->count(impl_->counters.misses);
      continue;
    }
    impl_->count(impl_->counters.bytes_read, static_cast<uint64_t>(taken[i].stored_size));
    Result<DecodedEntry> decoded = taken[i].finish();
    const bool usable =
        decoded && (decoded->meta.expires_ms == 0 || now < decoded->meta.expires_ms);
    if (!decoded) impl_->count(impl_->counters.corrupt);
    if (!usable) {
      impl_->count(impl_->counters.misses);
      if (!impl_->settings.read_only) (void)(*b)->remove(backend_keys[i]);
      continue;
    }
    impl_->count(impl_->counters.hits);
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
  const int64_t now = now_ms();
  std::vector<StoreItem> items;
  items.reserve(values.size());
  uint64_t bytes = 0;
  for (const auto& [key, value] : values) {
    EntryMeta meta;
    meta.created_ms = now;
    meta.expires_ms = CacheImpl::expires_at(resolved, now);
    meta.label = key;
    items.push_back({impl_->keys.entry(plain_key_digest(key)),
                     encode_entry(meta, value, impl_->compression()), CacheImpl::ttl_ms(resolved)});
    bytes += items.back().value.size();
  }
  Result<Store*> b = impl_->acquire();
  Status status = b ? (*b)->set_many(items) : b.status();
  if (!status) return impl_->settle(status, "set_many");
  impl_->count(impl_->counters.sets, items.size());
  impl_->count(impl_->counters.bytes_written, bytes);
  return Status::ok();
}

Result<bool> Cache::remove(std::string_view key) {
  if (impl_->settings.read_only) return impl_->read_only_error("delete");
  return impl_->settle(impl_->remove_key(impl_->keys.entry(plain_key_digest(key))), "delete",
                       false);
}

Status Cache::remove_many(std::span<const std::string> keys) {
  for (const auto& key : keys) {
    Result<bool> removed = remove(key);
    if (!removed) return removed.status();
  }
  return Status::ok();
}

Result<bool> Cache::has_key(std::string_view key) {
  Result<std::optional<StoredValue>> stored =
      impl_->lookup(impl_->keys.entry(plain_key_digest(key)));
  if (!stored) return stored.status();
  return stored->has_value();
}

Result<bool> Cache::touch(std::string_view key, Timeout timeout) {
  if (impl_->settings.read_only) return impl_->read_only_error("touch");
  // Expiry lives in the envelope (the core enforces it), so touching rewrites the entry
  // with its metadata intact. A concurrent writer may win; either value is valid.
  const std::string bkey = impl_->keys.entry(plain_key_digest(key));
  Result<std::optional<StoredValue>> stored = impl_->lookup(bkey);
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
  if (Status s = impl_->settle(impl_->write(bkey, (*stored)->value, options), "touch"); !s) {
    return s;
  }
  return true;
}

Result<int64_t> Cache::incr(std::string_view key, int64_t delta) {
  if (impl_->settings.read_only) return impl_->read_only_error("incr");
  const std::string bkey = impl_->keys.entry(plain_key_digest(key));
  Result<std::optional<StoredValue>> stored = impl_->lookup(bkey);
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
  StoreOptions options = plain_options(key, remaining_lifetime((*stored)->info));
  if (options.timeout.kind() == Timeout::Kind::dont_store) {
    return Status(StatusCode::not_found, "key '" + std::string(key) + "' expired");
  }
  if (Status s = impl_->settle(impl_->write(bkey, std::to_string(result), options), "incr"); !s) {
    return s;
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
  const Digest digest = plain_key_digest(key);
  const std::string old_key = impl_->keys.entry(digest, version);
  Result<std::optional<StoredValue>> stored = impl_->lookup(old_key);
  if (!stored) return stored.status();
  if (!stored->has_value()) {
    return Status(StatusCode::not_found, "key '" + std::string(key) + "' not found");
  }
  StoreOptions options = plain_options(key, remaining_lifetime((*stored)->info));
  Status moved = impl_->write(impl_->keys.entry(digest, next), (*stored)->value, options);
  if (Status s = impl_->settle(moved, "incr_version"); !s) return s;
  Result<bool> removed = impl_->settle(impl_->remove_key(old_key), "delete", false);
  if (!removed) return removed.status();
  return next;
}

Status Cache::clear() {
  if (impl_->settings.read_only) return impl_->read_only_error("clear");
  return impl_->settle(impl_->clear_keys(), "clear");
}

CacheCounters Cache::counters() const {
  const auto& c = impl_->counters;
  return CacheCounters{c.hits.load(),       c.misses.load(),       c.sets.load(),
                       c.deletes.load(),    c.errors.load(),       c.corrupt.load(),
                       c.bytes_read.load(), c.bytes_written.load(), c.rejected.load()};
}

}  // namespace sitecache
