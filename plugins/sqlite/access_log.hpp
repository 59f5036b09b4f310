// Last-access times noticed by reads, waiting to be written.
//
// A read must not take the database write lock, so a hit only notes the time here; the
// notes are written in one transaction at the start of the next write, or on a read once
// the batch is big or old enough (only if the lock is free at that instant), or when the
// handle closes. A hit is not noted when the entry was written, or its access already
// noted or recorded by this handle, less than kGranularityMs ago. So reads never look up
// the access table (schema.hpp: an entry's write time is in its rowid), and an entry read
// over and over costs one access write per second at most. LRU order is approximate to
// about a second, and across processes to the flush delay.
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
  // Past this many notes (writes keep failing) the oldest information is dropped, and past
  // this many remembered times they are forgotten: access times are advisory, memory is not.
  static constexpr size_t kCap = 65536;

  // Notes a hit at `now` on the entry with this rowid, written at `written_ms`. Rowids
  // rather than keys: writing them back needs no key lookup.
  void note(int64_t rowid, int64_t written_ms, int64_t now) {
    if (now - written_ms < kGranularityMs) return;
    if (auto it = recorded_.find(rowid);
        it != recorded_.end() && now - it->second < kGranularityMs) {
      return;
    }
    if (pending_.size() >= kCap) pending_.clear();
    if (pending_.empty()) oldest_ms_ = now;
    pending_.insert_or_assign(rowid, now);
    if (recorded_.size() >= kCap) recorded_.clear();
    recorded_.insert_or_assign(rowid, now);
  }

  // True when a read should try to write the notes.
  bool due(int64_t now) const {
    return !pending_.empty() && (pending_.size() >= kBatch || now - oldest_ms_ >= kMaxDelayMs);
  }

  bool empty() const { return pending_.empty(); }
  const std::unordered_map<int64_t, int64_t>& pending() const { return pending_; }
  // The pending notes were written (or given up on): forget them.
  void clear() { pending_.clear(); }
  // Forgets everything, for a handle that starts over with another database file.
  void reset() {
    pending_.clear();
    recorded_.clear();
  }

 private:
  std::unordered_map<int64_t, int64_t> pending_;   // rowid -> access time, not yet written
  std::unordered_map<int64_t, int64_t> recorded_;  // rowid -> last access time noted
  int64_t oldest_ms_ = 0;
};

}  // namespace sitecache::sqlite

#endif  // SITECACHE_PLUGINS_SQLITE_ACCESS_LOG_HPP
