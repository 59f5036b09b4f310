// The FileBackend operations that walk shards: scan, clear, stats, and maintenance.
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "file_backend.hpp"

namespace sitecache::file {

void FileBackend::after_write(int64_t entries, int64_t bytes, std::string_view written) {
  if (!accounting_) return;
  Totals known = accounting_->known();
  bool near = limits_.near(known.entries + entries, known.bytes + bytes);
  Totals totals = accounting_->adjust(entries, bytes, near);
  if (limits_.exceeded(totals.entries, totals.bytes) ||
      now_ms() - totals.last_pass_ms >= kMaintenanceIntervalMs) {
    maintain(false, written);
  }
}

void FileBackend::maintain(bool force, std::string_view written) {
  if (read_only_ || !accounting_) return;
  PassLock lock = PassLock::try_acquire(location_fd_.get());
  if (!lock.locked()) return;  // another thread or process is doing it right now
  Totals start = accounting_->read();
  int64_t now = now_ms();
  // Re-checked under the lock: the pass that just finished elsewhere may have done the job.
  bool due = limits_.exceeded(start.entries, start.bytes) ||
             now - start.last_pass_ms >= kMaintenanceIntervalMs;
  if (!force && !due) return;
  PassResult result = run_pass(location_fd_.get(), limits_, now, written);
  evictions_.fetch_add(result.evicted, std::memory_order_relaxed);
  accounting_->finish_pass(start, result.entries, result.bytes, now);
}

Status FileBackend::clear(std::string_view prefix) {
  if (Status status = check_writable(); !status.is_ok()) return status;
  int64_t removed = 0;
  int64_t removed_bytes = 0;
  int64_t now = now_ms();
  for_each_shard(location_fd_.get(), 0, [&](uint32_t, int shard_fd) {
    std::vector<std::string> names = list_dir(shard_fd);
    remove_stale_temps(shard_fd, names, now);
    for (const std::string& name : names) {
      if (!is_entry_name(name)) continue;
      LoadedEntry entry;
      LoadOutcome outcome = load_entry(shard_fd, name.c_str(), false, entry);
      bool matches = outcome == LoadOutcome::ok && entry.key.starts_with(prefix);
      bool gone = false;
      if (matches) {
        gone = unlinkat(shard_fd, name.c_str(), 0) == 0;
      } else if (outcome == LoadOutcome::garbled) {
        gone = remove_if_same(shard_fd, name.c_str(), entry.st.st_ino);
      }
      if (gone) {
        ++removed;
        removed_bytes += entry.st.st_size;
      }
    }
    return true;
  });
  if (accounting_) accounting_->adjust(-removed, -removed_bytes, true);
  return Status::ok();
}

Status FileBackend::scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint,
                         plugin::ScanMode mode, plugin::ScanVisitor& visitor) {
  if (cursor > kShardCount) {
    return Status(Code::invalid_argument,
                  "scan cursor " + std::to_string(cursor) + " was not returned by this backend");
  }
  if (!location_fd_.valid()) {
    cursor = 0;
    return Status::ok();
  }
  const bool with_values = mode == plugin::ScanMode::values;
  const size_t batch = std::max<size_t>(batch_hint, 1);
  // Also bound the files examined, so that a narrow prefix does not walk the whole tree
  // in one call.
  const size_t examine_limit = batch * 16;
  size_t visited = 0;
  size_t examined = 0;
  int64_t now = now_ms();
  auto first = static_cast<uint32_t>(cursor == 0 ? 0 : cursor - 1);
  uint32_t stopped_at = for_each_shard(location_fd_.get(), first, [&](uint32_t, int shard_fd) {
    // Batches end at shard boundaries: the cursor then resumes at this (unvisited) shard.
    if (visited >= batch || examined >= examine_limit) return false;
    std::vector<std::string> names = list_dir(shard_fd);
    if (!read_only_) remove_stale_temps(shard_fd, names, now);
    for (const std::string& name : names) {
      if (!is_entry_name(name)) continue;
      ++examined;
      LoadedEntry entry;
      LoadOutcome outcome = load_entry(shard_fd, name.c_str(), with_values, entry);
      if (outcome == LoadOutcome::garbled && !read_only_) {
        remove_if_same(shard_fd, name.c_str(), entry.st.st_ino);
      }
      if (outcome != LoadOutcome::ok || is_expired(entry.header.expires_ms, now) ||
          !entry.key.starts_with(prefix)) {
        continue;
      }
      plugin::ScanEntry item;
      item.key = entry.key;
      if (with_values) item.value = entry.value();
      item.value_size = static_cast<int64_t>(entry.header.value_size);
      item.expires_ms = entry.header.expires_ms;
      item.last_access_ms = entry.last_access_ms();
      ++visited;
      // Stopped mid-shard: the cursor resumes at this shard, revisiting some of its entries
      // (allowed: "at least once").
      if (!visitor.visit(item)) return false;
    }
    return true;
  });
  cursor = stopped_at >= kShardCount ? 0 : uint64_t{stopped_at} + 1;
  return Status::ok();
}

Status FileBackend::stats(plugin::Stats& out) {
  out.max_entries = limits_.max_entries > 0 ? limits_.max_entries : -1;
  out.max_bytes = limits_.max_bytes > 0 ? limits_.max_bytes : -1;
  out.evictions = evictions_.load(std::memory_order_relaxed);
  out.entries = 0;
  out.bytes = 0;
  if (!location_fd_.valid()) return Status::ok();
  Totals totals = accounting_->read();
  if (totals.last_pass_ms == 0) {
    // The counters were never established (new or damaged state file): count now.
    if (read_only_) {
      PassResult counted = count_live(location_fd_.get(), now_ms());
      totals.entries = counted.entries;
      totals.bytes = counted.bytes;
    } else {
      maintain(true);
      totals = accounting_->read();
    }
  }
  out.entries = totals.entries;
  out.bytes = totals.bytes;
  out.evictions = evictions_.load(std::memory_order_relaxed);
  return Status::ok();
}

}  // namespace sitecache::file
