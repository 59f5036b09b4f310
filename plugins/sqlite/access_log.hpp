// Last-access times noticed by reads, waiting to be written.
//
// A read must not take the database write lock, so a hit only notes the time here when the
// stored last_access_ms is at least kGranularityMs old; the notes are written in one
// transaction at the start of the next write, or on a read once the batch is big or old
// enough (only if the lock is free at that instant), or when the handle closes. LRU order is
// therefore approximate to about a second, and across processes to the flush delay.
//
// Not thread-safe; the backend's lock guards it.
#ifndef SITECACHE_PLUGINS_SQLITE_ACCESS_LOG_HPP
#define SITECACHE_PLUGINS_SQLITE_ACCESS_LOG_HPP

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace sitecache::sqlite {

class AccessLog {
 public:
  static constexpr int64_t kGranularityMs = 1000;
  static constexpr size_t kBatch = 512;
  static constexpr int64_t kMaxDelayMs = 2000;
  // Past this many notes (writes keep failing) the oldest information is dropped: access
  // times are advisory, memory is not.
  static constexpr size_t kCap = 65536;

  // Notes a hit at `now` on the entry with this rowid, whose stored access time is
  // `stored_ms`. Rowids rather than keys: writing them back needs no key lookup.
  void note(int64_t rowid, int64_t stored_ms, int64_t now) {
    if (now - stored_ms < kGranularityMs) return;
    if (pending_.size() >= kCap) pending_.clear();
    if (pending_.empty()) oldest_ms_ = now;
    pending_.insert_or_assign(rowid, now);
  }

  // True when a read should try to write the notes.
  bool due(int64_t now) const {
    return !pending_.empty() && (pending_.size() >= kBatch || now - oldest_ms_ >= kMaxDelayMs);
  }

  bool empty() const { return pending_.empty(); }
  const std::unordered_map<int64_t, int64_t>& pending() const { return pending_; }
  void clear() { pending_.clear(); }

 private:
  std::unordered_map<int64_t, int64_t> pending_;  // rowid -> access time
  int64_t oldest_ms_ = 0;
};

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_ACCESS_LOG_HPP
