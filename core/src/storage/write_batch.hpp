// The stores a build session defers: memoize's misses are queued here and written with
// one set_many per batch (one SQLite transaction, one Redis pipeline, one memcached
// round of sets) instead of one backend write each. A cold build of 1,000 pages makes
// several thousand stores; one transaction each was most of what the cache added to a
// cold build.
//
// Contract:
// - A queued entry is visible to find() from the moment add() returns until the store
//   has written it (entries being written stay findable until finish_flush()), so a
//   reader in this process never misses an entry that was handed over.
// - Other processes see an entry only once its batch is flushed: the cost of batching.
//   The owner flushes when add() says a batch is due, before any operation that must
//   see the backend as a whole (delete, clear, scan, stats, add...), when the session
//   finishes, and when the Cache is destroyed.
// - Entries that are lost (the process is killed before a flush, or the flush fails) are
//   misses in the next build, never wrong values: the cache is a cache.
//
// Thread safety: every method may be called from any thread. Only one flush runs at a
// time (begin_flush hands the batch to exactly one caller).
#ifndef SITECACHE_STORAGE_WRITE_BATCH_HPP
#define SITECACHE_STORAGE_WRITE_BATCH_HPP

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/store.hpp"

namespace sitecache {

class WriteBatch {
 public:
  // Measured on a cold 10,000-page build (47,000 stores, SQLite): batches of 2,048 made
  // it 8-10% faster than batches of 256; the bytes bound caps the memory held.
  struct Limits {
    size_t entries = 2048;
    size_t bytes = size_t{32} << 20;
    // A batch older than this is flushed by the next add(), so a slow build still shares
    // its renders with concurrent builds within about this long.
    std::chrono::milliseconds age{500};
  };

  explicit WriteBatch(Limits limits);
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // Replaces the limits; the next add() applies them. For tests whose outcome must not
  // depend on how fast the machine is (a very long age leaves only the entry and byte
  // limits).
  void set_limits(Limits limits);

  enum class Due { no, yes };
  // Queues one encoded entry, replacing a queued one with the same key. Says whether a
  // limit is reached.
  Due add(std::string key, std::string encoded, int64_t ttl_ms);

  // The encoded bytes queued (or being flushed) for key.
  std::optional<std::string> find(std::string_view key) const;

  // Cheap check without the lock: nothing queued and nothing being flushed.
  bool empty() const { return queued_.load(std::memory_order_acquire) == 0; }

  // Flushing, in three steps so the backend call runs without the lock:
  //   std::unique_lock lock = batch.lock_flush();         // one flush at a time
  //   std::span<const StoreItem> items = batch.begin_flush();
  //   store.set_many(items);
  //   batch.finish_flush();
  // lock_flush(std::try_to_lock) returns an unlocked lock when a flush is running.
  std::unique_lock<std::mutex> lock_flush();
  std::unique_lock<std::mutex> lock_flush(std::try_to_lock_t);
  // Moves the queue into the in-flight batch and returns it; empty when nothing is
  // queued. Requires the flush lock.
  std::span<const StoreItem> begin_flush();
  // Drops the in-flight batch. Requires the flush lock.
  void finish_flush();

 private:
  struct Queued {
    std::string encoded;
    int64_t ttl_ms = 0;
  };
  // Lets find() look a string_view up without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };

  std::mutex flush_mutex_;    // held by the one caller flushing
  mutable std::mutex mutex_;  // guards everything below
  Limits limits_;
  std::unordered_map<std::string, Queued, KeyHash, std::equal_to<>> queue_;
  size_t queue_bytes_ = 0;
  std::chrono::steady_clock::time_point oldest_;
  // Being written by the flusher: read-only while the flush lock is held, so the flusher
  // reads it without mutex_ while find() reads it under mutex_.
  std::vector<StoreItem> in_flight_;
  std::unordered_map<std::string_view, size_t> in_flight_index_;
  std::atomic<size_t> queued_{0};  // queue_.size() + in_flight_.size()
};

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_WRITE_BATCH_HPP
