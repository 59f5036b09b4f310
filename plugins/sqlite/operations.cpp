// SqliteBackend operations: what each plugin call does, on top of EntryTable.
#include <algorithm>
#include <limits>
#include <vector>

#include "backend.hpp"

namespace sitecache::sqlite {

namespace {

constexpr size_t kDefaultScanBatch = 256;
constexpr size_t kMaxScanBatch = 10'000;
// A scan batch stops copying values past this many bytes (the rest comes next call).
constexpr size_t kMaxScanValueBytes = size_t{16} << 20;

int64_t expiry(int64_t ttl_ms, int64_t now) {
  if (ttl_ms == 0) return 0;
  constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
  return ttl_ms > kForever - now ? kForever : now + ttl_ms;
}

size_t footprint(std::string_view key, Bytes value) {
  return key.size() + value.size();
}

}  // namespace

Status SqliteBackend::get(std::string_view key, plugin::ValueSink& sink) {
  std::lock_guard lock(mutex_);
  if (Status status = ready(); !status.is_ok()) return status;
  const int64_t now = now_ms();
  bool found = false;
  Status status =
      table_->lookup(key, now, found, [&](Bytes value, int64_t rowid, int64_t written_ms) {
        sink.deliver(value);
        if (!settings_.read_only) access_.note(rowid, written_ms, now);
      });
  if (!status.is_ok()) return recover(status);
  if (access_.due(now)) flush_access(false);
  return found ? Status::ok() : Status::not_found();
}

Status SqliteBackend::get_many(std::span<const std::string_view> keys, plugin::IndexedSink& sink) {
  std::lock_guard lock(mutex_);
  if (Status status = ready(); !status.is_ok()) return status;
  const int64_t now = now_ms();
  Status status = connection_->begin_read();
  for (size_t i = 0; status.is_ok() && i < keys.size(); ++i) {
    bool found = false;
    status =
        table_->lookup(keys[i], now, found, [&](Bytes value, int64_t rowid, int64_t written_ms) {
          sink.deliver(i, value);
          if (!settings_.read_only) access_.note(rowid, written_ms, now);
        });
  }
  if (status.is_ok()) status = connection_->commit();
  if (!status.is_ok()) {
    connection_->rollback();
    return recover(status);
  }
  if (access_.due(now)) flush_access(false);
  return Status::ok();
}

Status SqliteBackend::set(std::string_view key, Bytes value, int64_t ttl_ms) {
  std::lock_guard lock(mutex_);
  if (Status status = validate_write("set", ttl_ms, footprint(key, value)); !status.is_ok()) {
    return status;
  }
  return write("set", [&](int64_t now) {
    bool stored = false;
    return table_->put(key, value, expiry(ttl_ms, now), now, false, stored);
  });
}

Status SqliteBackend::set_many(std::span<const plugin::Item> items) {
  std::lock_guard lock(mutex_);
  for (const plugin::Item& item : items) {
    Status status = validate_write("set_many", item.ttl_ms, footprint(item.key, item.value));
    if (!status.is_ok()) return status;
  }
  return write("set_many", [&](int64_t now) {
    for (const plugin::Item& item : items) {
      bool stored = false;
      Status status =
          table_->put(item.key, item.value, expiry(item.ttl_ms, now), now, false, stored);
      if (!status.is_ok()) return status;
    }
    return Status::ok();
  });
}

Status SqliteBackend::add(std::string_view key, Bytes value, int64_t ttl_ms, bool& stored) {
  std::lock_guard lock(mutex_);
  stored = false;
  if (Status status = validate_write("add", ttl_ms, footprint(key, value)); !status.is_ok()) {
    return status;
  }
  bool added = false;
  Status status = write("add", [&](int64_t now) {
    return table_->put(key, value, expiry(ttl_ms, now), now, true, added);
  });
  // Only a committed insert counts as stored.
  stored = status.is_ok() && added;
  return status;
}

Status SqliteBackend::remove(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (Status status = validate_write("remove", 0, 0); !status.is_ok()) return status;
  bool removed = false;
  Status status = write("remove", [&](int64_t now) { return table_->erase(key, now, removed); });
  if (!status.is_ok()) return status;
  return removed ? Status::ok() : Status::not_found();
}

Status SqliteBackend::touch(std::string_view key, int64_t ttl_ms) {
  std::lock_guard lock(mutex_);
  if (Status status = validate_write("touch", ttl_ms, 0); !status.is_ok()) return status;
  bool touched = false;
  Status status = write(
      "touch", [&](int64_t now) { return table_->touch(key, expiry(ttl_ms, now), now, touched); });
  if (!status.is_ok()) return status;
  return touched ? Status::ok() : Status::not_found();
}

Status SqliteBackend::clear(std::string_view prefix) {
  std::lock_guard lock(mutex_);
  if (Status status = validate_write("clear", 0, 0); !status.is_ok()) return status;
  return write("clear", [&](int64_t) {
    int64_t removed = 0;
    return table_->erase_prefix(prefix, removed);
  });
}

Status SqliteBackend::scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint,
                           plugin::ScanMode mode, plugin::ScanVisitor& visitor) {
  const size_t batch = batch_hint == 0 ? kDefaultScanBatch : std::min(batch_hint, kMaxScanBatch);
  if (cursor > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status(Code::invalid_argument, "scan: invalid cursor " + std::to_string(cursor));
  }
  std::vector<ScanRow> rows;
  bool complete = false;
  {
    std::lock_guard lock(mutex_);
    if (Status status = ready(); !status.is_ok()) return status;
    Status status =
        table_->scan(prefix, static_cast<int64_t>(cursor), now_ms(), batch,
                     mode == plugin::ScanMode::values, kMaxScanValueBytes, rows, complete);
    if (!status.is_ok()) return recover(status);
  }
  for (const ScanRow& row : rows) {
    plugin::ScanEntry entry;
    entry.key = row.key;
    if (row.value) entry.value = Bytes(row.value->data(), row.value->size());
    entry.value_size = row.size;
    entry.expires_ms = row.expires_ms;
    entry.last_access_ms = row.last_access_ms;
    if (!visitor.visit(entry)) {
      cursor = static_cast<uint64_t>(row.rowid);
      return Status::ok();
    }
  }
  cursor = complete || rows.empty() ? 0 : static_cast<uint64_t>(rows.back().rowid);
  return Status::ok();
}

Status SqliteBackend::stats(plugin::Stats& out) {
  std::lock_guard lock(mutex_);
  if (Status status = ready(); !status.is_ok()) return status;
  Totals totals;
  if (Status status = table_->totals(totals); !status.is_ok()) return recover(status);
  out.entries = totals.entries;
  out.bytes = totals.bytes;
  out.max_entries = limits_.max_entries > 0 ? limits_.max_entries : -1;
  out.max_bytes = limits_.max_bytes > 0 ? limits_.max_bytes : -1;
  out.evictions = evictions_;
  return Status::ok();
}

}  // namespace sitecache::sqlite
