// MemoryBackend: options and the plugin operations. Each operation takes mutex_ once and
// calls the internals in memory_store.cpp.
#include "memory_backend.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace sitecache_memory {

namespace {

// Expired entries dropped at the start of an ordinary call: keeps the cost of a call
// bounded when many entries expire at once; the rest go on later calls or on lookup.
constexpr size_t kPurgeBudget = 64;
// scan: entries visited per call when the host gives no hint, and the least number of
// entries examined per call (skipping keys outside the prefix) before returning.
constexpr size_t kDefaultBatch = 256;
constexpr size_t kMinExamined = 4096;

Now now() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return {duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count(),
          duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
}

// The bytes of a stored value. Never a null pointer, even for an empty value: in a scan
// item a null value means "values were not asked for".
sp::Bytes view_of(const std::vector<uint8_t>& value) {
  static constexpr uint8_t kEmpty[1] = {0};
  return value.empty() ? sp::Bytes(kEmpty, 0) : sp::Bytes(value);
}

sp::Status invalid(std::string message) {
  return sp::Status(sp::Code::invalid_argument, std::move(message));
}

// Reads an optional integer option that must be at least `minimum`.
sp::Status read_limit(const sp::Options& options, std::string_view key, int64_t minimum,
                      std::optional<uint64_t>& out) {
  if (!options.get(key)) return sp::Status::ok();
  sp::Status status;
  int64_t value = options.get_int(key, 0, status);
  if (!status.is_ok()) return status;
  if (value < minimum) {
    return invalid("option '" + std::string(key) + "' must be at least " + std::to_string(minimum) +
                   ", got " + std::to_string(value));
  }
  out = static_cast<uint64_t>(value);
  return sp::Status::ok();
}

// The limits the options set, or INVALID_ARGUMENT naming the first bad option.
sp::Status parse_limits(const sp::Options& options, Limits& limits) {
  sp::Status status = options.check_known({}, MemoryBackend::plugin_name);
  std::optional<uint64_t> cull_frequency;
  if (status.is_ok()) status = read_limit(options, "max_entries", 1, limits.max_entries);
  if (status.is_ok()) status = read_limit(options, "max_size", 1, limits.max_bytes);
  if (status.is_ok()) status = read_limit(options, "cull_frequency", 0, cull_frequency);
  if (status.is_ok() && cull_frequency) limits.cull_frequency = *cull_frequency;
  return status;
}

}  // namespace

sp::Status MemoryBackend::validate(const sp::Options& options) {
  Limits limits;
  return parse_limits(options, limits);
}

sp::Status MemoryBackend::create(const sp::Options& options, std::unique_ptr<MemoryBackend>& out) {
  Limits limits;
  if (sp::Status status = parse_limits(options, limits); !status.is_ok()) return status;
  out = std::make_unique<MemoryBackend>(limits);
  return sp::Status::ok();
}

sp::Status MemoryBackend::check_entry(std::string_view key, size_t value_size,
                                      int64_t ttl_ms) const {
  if (ttl_ms < 0) {
    return invalid("ttl_ms must be >= 0 (0 = no expiry), got " + std::to_string(ttl_ms));
  }
  if (limits_.max_bytes && key.size() + value_size > *limits_.max_bytes) {
    return invalid("entry of " + std::to_string(key.size() + value_size) +
                   " bytes exceeds max_size of " + std::to_string(*limits_.max_bytes) + " bytes");
  }
  return sp::Status::ok();
}

sp::Status MemoryBackend::get(std::string_view key, sp::ValueSink& sink) {
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kPurgeBudget);
  Node* node = find_live(key, at);
  if (!node) return sp::Status::not_found();
  promote(node);
  node->last_access_ms = at.wall_ms;
  sink.deliver(view_of(node->value));
  return sp::Status::ok();
}

sp::Status MemoryBackend::set(std::string_view key, sp::Bytes value, int64_t ttl_ms) {
  sp::Status status = check_entry(key, value.size(), ttl_ms);
  if (!status.is_ok()) return status;
  std::vector<uint8_t> copy(value.begin(), value.end());  // allocate outside the lock
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kPurgeBudget);
  store(key, std::move(copy), ttl_ms, at);
  return sp::Status::ok();
}

sp::Status MemoryBackend::add(std::string_view key, sp::Bytes value, int64_t ttl_ms, bool& stored) {
  stored = false;
  sp::Status status = check_entry(key, value.size(), ttl_ms);
  if (!status.is_ok()) return status;
  std::vector<uint8_t> copy(value.begin(), value.end());
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kPurgeBudget);
  if (find_live(key, at)) return sp::Status::ok();  // present: not stored, not promoted
  store(key, std::move(copy), ttl_ms, at);
  stored = true;
  return sp::Status::ok();
}

sp::Status MemoryBackend::remove(std::string_view key) {
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kPurgeBudget);
  Node* node = find_live(key, at);
  if (!node) return sp::Status::not_found();
  erase(node);
  return sp::Status::ok();
}

sp::Status MemoryBackend::get_many(std::span<const std::string_view> keys, sp::IndexedSink& sink) {
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kPurgeBudget);
  for (size_t i = 0; i < keys.size(); ++i) {
    Node* node = find_live(keys[i], at);
    if (!node) continue;
    promote(node);
    node->last_access_ms = at.wall_ms;
    sink.deliver(i, view_of(node->value));
  }
  return sp::Status::ok();
}

sp::Status MemoryBackend::set_many(std::span<const sp::Item> items) {
  std::vector<std::vector<uint8_t>> copies;
  copies.reserve(items.size());
  for (const sp::Item& item : items) {
    sp::Status status = check_entry(item.key, item.value.size(), item.ttl_ms);
    if (!status.is_ok()) return status;
    copies.emplace_back(item.value.begin(), item.value.end());
  }
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kPurgeBudget);
  for (size_t i = 0; i < items.size(); ++i) {
    store(items[i].key, std::move(copies[i]), items[i].ttl_ms, at);
  }
  return sp::Status::ok();
}

sp::Status MemoryBackend::touch(std::string_view key, int64_t ttl_ms) {
  sp::Status status = check_entry(key, 0, ttl_ms);
  if (!status.is_ok()) return status;
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kPurgeBudget);
  Node* node = find_live(key, at);
  if (!node) return sp::Status::not_found();
  set_deadline(node, ttl_ms, at);
  promote(node);
  node->last_access_ms = at.wall_ms;
  return sp::Status::ok();
}

sp::Status MemoryBackend::clear(std::string_view prefix) {
  std::lock_guard lock(mutex_);
  if (prefix.empty()) {
    clear_all();
    return sp::Status::ok();
  }
  for (Node* node = most_recent_; node != nullptr;) {
    Node* next = node->older;
    if (std::string_view(node->key).starts_with(prefix)) erase(node);
    node = next;
  }
  return sp::Status::ok();
}

sp::Status MemoryBackend::scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint,
                               sp::ScanMode mode, sp::ScanVisitor& visitor) {
  struct Copied {
    uint64_t id;
    std::string key;
    std::vector<uint8_t> value;  // only in ScanMode::values
    int64_t value_size;
    int64_t expires_ms;
    int64_t last_access_ms;
  };
  const size_t limit = batch_hint == 0 ? kDefaultBatch : batch_hint;
  const size_t max_examined = std::max(limit, kMinExamined);
  std::vector<Copied> batch;
  uint64_t next_cursor = 0;
  {
    const Now at = now();
    std::lock_guard lock(mutex_);
    purge_expired(at, kPurgeBudget);
    auto it = by_id_.lower_bound(cursor);
    for (size_t examined = 0; it != by_id_.end() && batch.size() < limit && examined < max_examined;
         ++it, ++examined) {
      const Node& node = *it->second;
      if (expired(node.deadline_ms, at) || !std::string_view(node.key).starts_with(prefix)) {
        continue;
      }
      batch.push_back(Copied{
          node.id, node.key, mode == sp::ScanMode::values ? node.value : std::vector<uint8_t>{},
          static_cast<int64_t>(node.value.size()), node.expires_ms, node.last_access_ms});
    }
    next_cursor = it == by_id_.end() ? 0 : it->first;
  }
  for (const Copied& entry : batch) {
    sp::ScanEntry item;
    item.key = entry.key;
    if (mode == sp::ScanMode::values) item.value = view_of(entry.value);
    item.value_size = entry.value_size;
    item.expires_ms = entry.expires_ms;
    item.last_access_ms = entry.last_access_ms;
    if (!visitor.visit(item)) {
      cursor = entry.id + 1;  // resume after the entry the host stopped at
      return sp::Status::ok();
    }
  }
  cursor = next_cursor;
  return sp::Status::ok();
}

sp::Status MemoryBackend::stats(sp::Stats& out) {
  const Now at = now();
  std::lock_guard lock(mutex_);
  purge_expired(at, kUnbounded);
  out.entries = static_cast<int64_t>(entries_.size());
  out.bytes = static_cast<int64_t>(bytes_);
  out.max_entries = limits_.max_entries ? static_cast<int64_t>(*limits_.max_entries) : -1;
  out.max_bytes = limits_.max_bytes ? static_cast<int64_t>(*limits_.max_bytes) : -1;
  out.evictions = static_cast<int64_t>(evictions_);
  return sp::Status::ok();
}

}  // namespace sitecache_memory

SITECACHE_PLUGIN(sitecache_memory::MemoryBackend)
