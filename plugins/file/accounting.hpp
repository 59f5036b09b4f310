// Approximate entry and byte counters shared by every process using one cache directory,
// so that max_entries / max_size can be checked on each write without listing the tree.
//
// The counters live in <location>/sitecache-file.state (40 bytes: magic "SCFSTAT1",
// entries, bytes, last_pass_ms as little-endian i64, XXH3-64 of the preceding 32 bytes).
// Deltas are added to the file under an exclusive flock (plus a mutex, because flock does
// not exclude threads sharing one descriptor). Each process shares its writes' deltas in
// batches: at once when the caller asks (the backend does when a limit is near), else
// after kMaxPendingWrites writes or kMaxPendingMs, and always before it reads the file for
// stats or maintenance and when the handle closes. Far from a limit, other processes
// therefore see a write's delta up to that late, and a crash loses at most one batch.
// The counts drift (a lost batch, two writers creating the same key at once, files removed
// by hand); every maintenance pass recounts the tree and corrects them, and a pass runs at
// least once per kMaintenanceIntervalMs. A missing or damaged state file reads as all
// zeros with no pass ever run, which makes the next write start a pass; a deleted one is
// noticed (and re-created) by every process on its next update of the file.
#ifndef SITECACHE_FILE_ACCOUNTING_HPP
#define SITECACHE_FILE_ACCOUNTING_HPP

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "layout.hpp"

namespace sitecache::file {

inline constexpr int64_t kMaintenanceIntervalMs = 60 * 60 * 1000;

struct Totals {
  int64_t entries = 0;
  int64_t bytes = 0;
  int64_t last_pass_ms = 0;  // 0: never (or the state file was missing or damaged)
};

// Thread-safe. All methods degrade to "no information" (zeros) rather than fail: the
// counters only steer maintenance, they never decide whether a read hits.
class Accounting {
 public:
  // Opens (creating with mode 0600 unless read_only) the state file in `location_fd`.
  // Fails with SC_IO naming the file when a writable cache cannot create it: that is the
  // first write into the location, so an unwritable location is reported at create time.
  static Status open(int location_fd, bool read_only, const std::string& location,
                     std::unique_ptr<Accounting>& out);

  // Shares this process's pending delta, then reads the file.
  Totals read();
  // Adds a delta and returns the totals as this process knows them: the file as last
  // read plus its own pending delta. With `share_now` (or when the batch is full or old)
  // the delta is added to the file first, and the totals are then the file's.
  Totals adjust(int64_t entries, int64_t bytes, bool share_now);
  // The totals as this process knows them, without touching the file.
  Totals known();
  // Ends a maintenance pass that started when the counters were `at_start` and found
  // `entries` / `bytes` after its own removals. Deltas other writers added while the pass
  // ran are kept.
  void finish_pass(const Totals& at_start, int64_t entries, int64_t bytes, int64_t now);
  // Shares the pending delta.
  ~Accounting();
  Accounting(const Accounting&) = delete;
  Accounting& operator=(const Accounting&) = delete;

  static constexpr int64_t kMaxPendingWrites = 64;
  static constexpr int64_t kMaxPendingMs = 100;

 private:
  Accounting(int location_fd, Fd fd, bool read_only)
      : location_fd_(location_fd), fd_(std::move(fd)), read_only_(read_only) {}
  // Adds the pending delta to the file and returns the file's new totals.
  Totals share_locked();
  Totals known_locked() const;
  // Re-opens the state file when ours was deleted (one fstat per call).
  void refresh_locked();
  Totals load_locked() const;
  void store_locked(const Totals& totals) const;

  std::mutex mutex_;
  int location_fd_;  // borrowed: the backend's location descriptor outlives this object
  Fd fd_;            // invalid in a read-only cache without a state file
  bool read_only_;
  Totals shared_;   // the file as this process last read or wrote it
  Totals pending_;  // entries / bytes not yet added to the file
  int64_t pending_writes_ = 0;
  int64_t pending_since_ms_ = 0;
};

// Cross-process "only one maintenance pass at a time": an exclusive, non-blocking flock on
// <location>/sitecache-file.lock through a descriptor of its own (so threads of one process
// exclude each other too). Released on destruction.
class PassLock {
 public:
  // Returns an unlocked object (locked() false) when another pass is running or the lock
  // file cannot be opened.
  static PassLock try_acquire(int location_fd);
  bool locked() const { return fd_.valid(); }

 private:
  Fd fd_;
};

}  // namespace sitecache::file

#endif  // SITECACHE_FILE_ACCOUNTING_HPP
