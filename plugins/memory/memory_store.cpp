// MemoryBackend internals: lookup, insertion, the limits and the LRU list. Every function
// here requires mutex_ to be held by the caller (see memory_backend.cpp).
#include <algorithm>
#include <limits>
#include <utility>

#include "memory_backend.hpp"

namespace sitecache_memory {

namespace {

// a + b for a, b >= 0, saturating instead of overflowing on absurd TTLs.
int64_t add_saturating(int64_t a, int64_t b) {
  return b > std::numeric_limits<int64_t>::max() - a ? std::numeric_limits<int64_t>::max() : a + b;
}

}  // namespace

MemoryBackend::Node* MemoryBackend::find_live(std::string_view key, const Now& now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  Node* node = it->second.get();
  if (expired(node->deadline_ms, now)) {
    erase(node);
    return nullptr;
  }
  return node;
}

// Stores or overwrites `key`, then enforces the limits. On an allocation failure the
// store is left consistent (the entry is either fully written or absent) and bad_alloc
// propagates to the adapter, which reports SC_INTERNAL.
void MemoryBackend::store(std::string_view key, std::vector<uint8_t> value, int64_t ttl_ms,
                          const Now& now) {
  Node* node = find_live(key, now);
  const size_t entries_before = entries_.size();
  if (node) {
    set_deadline(node, ttl_ms, now);  // the only step that can throw: do it first
    bytes_ = bytes_ - node->value.size() + value.size();
    node->value = std::move(value);
    promote(node);
  } else {
    make_room_for_new_entry(now);
    const int64_t deadline = ttl_ms > 0 ? add_saturating(now.steady_ms, ttl_ms) : 0;
    const int64_t expires = ttl_ms > 0 ? add_saturating(now.wall_ms, ttl_ms) : 0;
    node = insert_new(key, std::move(value), deadline, expires, now);
  }
  node->last_access_ms = now.wall_ms;
  enforce_max_bytes(node, entries_before, now);
}

MemoryBackend::Node* MemoryBackend::insert_new(std::string_view key, std::vector<uint8_t> value,
                                               int64_t deadline_ms, int64_t expires_ms,
                                               const Now& now) {
  auto owned = std::make_unique<Node>();
  Node* node = owned.get();
  node->key.assign(key);
  node->value = std::move(value);
  node->id = next_id_;
  node->deadline_ms = deadline_ms;
  node->expires_ms = expires_ms;
  node->last_access_ms = now.wall_ms;
  auto entry = entries_.emplace(std::string_view(node->key), std::move(owned)).first;
  try {
    node->id_pos = by_id_.emplace(node->id, node).first;
    try {
      if (deadline_ms != 0) node->expiry_pos = by_expiry_.emplace(deadline_ms, node);
    } catch (...) {
      by_id_.erase(node->id_pos);
      throw;
    }
  } catch (...) {
    entries_.erase(entry);
    throw;
  }
  ++next_id_;
  bytes_ += node->key.size() + node->value.size();
  link_front(node);
  return node;
}

// Replaces the deadline of a stored entry. The new index slot is allocated before the old
// one is released, so a bad_alloc leaves the entry as it was.
void MemoryBackend::set_deadline(Node* node, int64_t ttl_ms, const Now& now) {
  const int64_t deadline = ttl_ms > 0 ? add_saturating(now.steady_ms, ttl_ms) : 0;
  ExpiryIndex::iterator position{};
  if (deadline != 0) position = by_expiry_.emplace(deadline, node);
  if (node->deadline_ms != 0) by_expiry_.erase(node->expiry_pos);
  node->expiry_pos = position;
  node->deadline_ms = deadline;
  node->expires_ms = ttl_ms > 0 ? add_saturating(now.wall_ms, ttl_ms) : 0;
}

// Django locmem's cull, run before a new key is inserted into a full store: expired
// entries go first; if the store is still full, 1/cull_frequency of it (at least one
// entry) is evicted from the least recently used end, or all of it for cull_frequency 0.
void MemoryBackend::make_room_for_new_entry(const Now& now) {
  if (!limits_.max_entries || entries_.size() < *limits_.max_entries) return;
  purge_expired(now, kUnbounded);
  if (entries_.size() < *limits_.max_entries) return;
  if (limits_.cull_frequency == 0) {
    evictions_ += entries_.size();
    clear_all();
    return;
  }
  size_t count = std::max<size_t>(1, entries_.size() / limits_.cull_frequency);
  for (; count > 0 && least_recent_ != nullptr; --count) {
    erase(least_recent_);
    ++evictions_;
  }
}

// The same cull for max_size, after the write (plugin_abi.h): expired entries first; then
// max(1, entries_before / cull_frequency) least recently used entries (every other one for
// cull_frequency 0), and more until the total fits. `keep`, just written, stays.
void MemoryBackend::enforce_max_bytes(const Node* keep, size_t entries_before, const Now& now) {
  if (!limits_.max_bytes || bytes_ <= *limits_.max_bytes) return;
  purge_expired(now, kUnbounded);
  if (bytes_ <= *limits_.max_bytes) return;
  size_t cull = limits_.cull_frequency == 0
                    ? entries_.size()
                    : std::max<size_t>(1, entries_before / limits_.cull_frequency);
  while ((cull > 0 || bytes_ > *limits_.max_bytes) && least_recent_ != nullptr &&
         least_recent_ != keep) {
    erase(least_recent_);
    ++evictions_;
    if (cull > 0) --cull;
  }
}

void MemoryBackend::purge_expired(const Now& now, size_t budget) {
  while (budget-- > 0 && !by_expiry_.empty() && by_expiry_.begin()->first <= now.steady_ms) {
    erase(by_expiry_.begin()->second);
  }
}

void MemoryBackend::erase(Node* node) {
  if (node->deadline_ms != 0) by_expiry_.erase(node->expiry_pos);
  by_id_.erase(node->id_pos);
  unlink(node);
  bytes_ -= node->key.size() + node->value.size();
  entries_.erase(entries_.find(std::string_view(node->key)));  // destroys node
}

void MemoryBackend::clear_all() {
  by_expiry_.clear();
  by_id_.clear();
  most_recent_ = least_recent_ = nullptr;
  entries_.clear();
  bytes_ = 0;
}

void MemoryBackend::promote(Node* node) {
  if (node == most_recent_) return;
  unlink(node);
  link_front(node);
}

void MemoryBackend::unlink(Node* node) {
  (node->newer ? node->newer->older : most_recent_) = node->older;
  (node->older ? node->older->newer : least_recent_) = node->newer;
  node->newer = node->older = nullptr;
}

void MemoryBackend::link_front(Node* node) {
  node->newer = nullptr;
  node->older = most_recent_;
  (most_recent_ ? most_recent_->newer : least_recent_) = node;
  most_recent_ = node;
}

}  // namespace sitecache_memory
