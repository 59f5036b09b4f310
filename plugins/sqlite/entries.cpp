#include "entries.hpp"

#include "access_log.hpp"

namespace sitecache::sqlite {

namespace {

// What a row counts for in the "bytes" total.
constexpr std::string_view kFootprint = "size + length(CAST(key AS BLOB))";
// An entry's last use: its access row's time, or its write time (schema.hpp).
constexpr std::string_view kLastUsed = "coalesce(a.last_access_ms, e.rowid >> 20)";
static_assert(kRowidTimeShift == 20, "kLastUsed spells out kRowidTimeShift");

int64_t footprint(std::string_view key, int64_t value_size) {
  return static_cast<int64_t>(key.size()) + value_size;
}

std::string scan_sql(bool values, bool bounded) {
  std::string sql = "SELECT e.rowid, e.key, e.size, e.expires_ms, " + std::string(kLastUsed);
  if (values) sql += ", e.value";
  // NOT INDEXED: walking the table in rowid order makes a whole scan one pass. With the key
  // index, a prefix that matches most keys (every key shares the cache's key_prefix) would
  // re-read and sort all remaining matches for every batch.
  sql +=
      " FROM entries AS e NOT INDEXED LEFT JOIN entry_access AS a ON a.entry_id = e.rowid"
      " WHERE e.rowid > ?1 AND e.key >= ?2";
  if (bounded) sql += " AND e.key < ?3";
  sql += " AND (e.expires_ms = 0 OR e.expires_ms > ?4) ORDER BY e.rowid LIMIT ?5";
  return sql;
}

}  // namespace

std::optional<std::string> prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xFF) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

Status EntryTable::prepare(Connection& connection, std::unique_ptr<EntryTable>& out) {
  std::unique_ptr<EntryTable> table(new EntryTable(connection));
  EntryTable& t = *table;
  const std::string returning = " RETURNING rowid, " + std::string(kFootprint);
  const std::pair<Statement*, std::string> statements[] = {
      // No join with entry_access: AccessLog decides from the write time (access_log.hpp).
      {&t.lookup_, "SELECT expires_ms, rowid, value FROM entries WHERE key = ?1"},
      {&t.find_, "SELECT rowid, expires_ms, size FROM entries WHERE key = ?1"},
      // The rowid encodes the write time and stays above every existing one (schema.hpp);
      // max(rowid) is a seek to the last page, which the insert touches anyway.
      {&t.insert_,
       "INSERT INTO entries(rowid, key, expires_ms, size, value) VALUES "
       "(max(?5, coalesce((SELECT max(rowid) FROM entries), 0) + 1), ?1, ?2, ?3, ?4)"},
      {&t.update_, "UPDATE entries SET expires_ms = ?2, size = ?3, value = ?4 WHERE rowid = ?1"},
      {&t.erase_key_, "DELETE FROM entries WHERE key = ?1 RETURNING rowid, expires_ms, size"},
      {&t.touch_,
       "UPDATE entries SET expires_ms = ?2 WHERE key = ?1 AND (expires_ms = 0 OR expires_ms > ?3) "
       "RETURNING rowid"},
      {&t.set_access_,
       "INSERT INTO entry_access(entry_id, last_access_ms) VALUES (?1, ?2) "
       "ON CONFLICT(entry_id) DO UPDATE SET last_access_ms = excluded.last_access_ms"},
      {&t.record_access_,
       "INSERT INTO entry_access(entry_id, last_access_ms) "
       "SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM entries WHERE rowid = ?1) "
       "ON CONFLICT(entry_id) DO UPDATE SET last_access_ms = excluded.last_access_ms "
       "WHERE last_access_ms <= excluded.last_access_ms - ?3"},
      {&t.erase_access_, "DELETE FROM entry_access WHERE entry_id = ?1"},
      {&t.erase_range_, "DELETE FROM entries WHERE key >= ?1 AND key < ?2" + returning},
      {&t.erase_from_, "DELETE FROM entries WHERE key >= ?1" + returning},
      {&t.expiry_window_,
       "SELECT rowid, expires_ms FROM entries WHERE rowid > ?1 ORDER BY rowid LIMIT ?2"},
      // Eviction merges two streams that indexes already order (lru_victims).
      // CROSS JOIN keeps entry_access outer, so the LRU index gives the order.
      {&t.lru_accessed_,
       "SELECT a.entry_id, a.last_access_ms, e.size + length(CAST(e.key AS BLOB)) "
       "FROM entry_access AS a CROSS JOIN entries AS e ON e.rowid = a.entry_id "
       "ORDER BY a.last_access_ms, a.entry_id"},
      {&t.lru_unread_,
       "SELECT e.rowid, e.rowid >> 20, e.size + length(CAST(e.key AS BLOB)) FROM entries AS e "
       "WHERE NOT EXISTS (SELECT 1 FROM entry_access AS a WHERE a.entry_id = e.rowid) "
       "ORDER BY e.rowid"},
      {&t.erase_rowid_, "DELETE FROM entries WHERE rowid = ?1" + returning},
      {&t.totals_,
       "SELECT coalesce((SELECT value FROM meta WHERE key = 'entries'), 0), "
       "coalesce((SELECT value FROM meta WHERE key = 'bytes'), 0)"},
      // One point update per counter: an IN list makes SQLite build an ephemeral table
      // on every write transaction (measured: a heap grow/shrink per set).
      {&t.add_totals_, "UPDATE meta SET value = value + ?1 WHERE key = ?2"},
      {&t.purge_position_, "SELECT value FROM meta WHERE key = 'purge_after'"},
      {&t.set_purge_position_,
       "INSERT INTO meta(key, value) VALUES ('purge_after', ?1) "
       "ON CONFLICT(key) DO UPDATE SET value = excluded.value"},
      {&t.scan_keys_range_, scan_sql(false, true)},
      {&t.scan_keys_from_, scan_sql(false, false)},
      {&t.scan_values_range_, scan_sql(true, true)},
      {&t.scan_values_from_, scan_sql(true, false)},
  };
  for (const auto& [statement, sql] : statements) {
    if (Status status = connection.prepare(*statement, sql, "prepare statements");
        !status.is_ok()) {
      return status;
    }
  }
  out = std::move(table);
  return Status::ok();
}

Status EntryTable::set_access(int64_t rowid, int64_t ms, std::string_view action) {
  ResetOnExit reset(set_access_);
  set_access_.bind(1, rowid);
  set_access_.bind(2, ms);
  int rc = set_access_.step();
  return rc == SQLITE_DONE ? Status::ok() : connection_.error(rc, action);
}

Status EntryTable::erase_access(int64_t rowid, std::string_view action) {
  ResetOnExit reset(erase_access_);
  erase_access_.bind(1, rowid);
  int rc = erase_access_.step();
  return rc == SQLITE_DONE ? Status::ok() : connection_.error(rc, action);
}

namespace {

// Values from this size on are written through incremental blob I/O.
constexpr size_t kLargeValueBytes = size_t{1} << 20;

}  // namespace

void EntryTable::bind_value(Statement& statement, int index, Bytes value) {
  if (value.size() < kLargeValueBytes) {
    statement.bind_blob(index, value);
  } else {
    statement.bind_zeroblob(index, static_cast<int64_t>(value.size()));
  }
}

Status EntryTable::write_large_value(int64_t rowid, Bytes value, std::string_view action) {
  if (value.size() < kLargeValueBytes) return Status::ok();
  sqlite3_blob* blob = nullptr;
  int rc = sqlite3_blob_open(connection_.db(), "main", "entries", "value", rowid, 1, &blob);
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; rc == SQLITE_OK && at < value.size(); at += kChunk) {
    const size_t n = std::min(kChunk, value.size() - at);
    rc = sqlite3_blob_write(blob, value.data() + at, static_cast<int>(n), static_cast<int>(at));
  }
  const int closed = sqlite3_blob_close(blob);
  if (rc == SQLITE_OK) rc = closed;
  return rc == SQLITE_OK ? Status::ok() : connection_.error(rc, action);
}

Status EntryTable::put(std::string_view key, Bytes value, int64_t expires_ms, int64_t now,
                       bool only_if_absent, bool& stored) {
  stored = false;
  const auto size = static_cast<int64_t>(value.size());
  // Insert first: a new key (the common case: new content is a new key) then costs one
  // statement. The UNIQUE index refuses an existing key before the row is written.
  {
    ResetOnExit reset_insert(insert_);
    insert_.bind_text(1, key);
    insert_.bind(2, expires_ms);
    insert_.bind(3, size);
    bind_value(insert_, 4, value);
    insert_.bind(5, rowid_floor(now));
    int rc = insert_.step();
    if (rc == SQLITE_DONE) {
      if (Status status =
              write_large_value(sqlite3_last_insert_rowid(connection_.db()), value, "set");
          !status.is_ok()) {
        return status;
      }
      // No access row: the rowid records the write time.
      pending_.entries += 1;
      pending_.bytes += footprint(key, size);
      stored = true;
      return Status::ok();
    }
    if (rc != SQLITE_CONSTRAINT_UNIQUE) return connection_.error(rc, "set");
  }
  ResetOnExit reset_find(find_);
  find_.bind_text(1, key);
  int rc = find_.step();
  if (rc != SQLITE_ROW) return connection_.error(rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "set");
  if (only_if_absent && is_live(find_.column_int(1), now)) return Status::ok();
  const int64_t rowid = find_.column_int(0);
  const int64_t old_size = find_.column_int(2);
  find_.reset();
  ResetOnExit reset_update(update_);
  update_.bind(1, rowid);
  update_.bind(2, expires_ms);
  update_.bind(3, size);
  bind_value(update_, 4, value);
  rc = update_.step();
  if (rc != SQLITE_DONE) return connection_.error(rc, "set");
  if (Status status = write_large_value(rowid, value, "set"); !status.is_ok()) return status;
  pending_.bytes += size - old_size;
  // The rowid keeps the first write's time; the access row records this one.
  if (Status status = set_access(rowid, now, "set"); !status.is_ok()) return status;
  stored = true;
  return Status::ok();
}

Status EntryTable::erase(std::string_view key, int64_t now, bool& removed) {
  removed = false;
  ResetOnExit reset(erase_key_);
  erase_key_.bind_text(1, key);
  int rc = erase_key_.step();
  if (rc == SQLITE_DONE) return Status::ok();
  if (rc != SQLITE_ROW) return connection_.error(rc, "remove");
  const int64_t rowid = erase_key_.column_int(0);
  removed = is_live(erase_key_.column_int(1), now);
  pending_.entries -= 1;
  pending_.bytes -= footprint(key, erase_key_.column_int(2));
  rc = erase_key_.step();
  if (rc != SQLITE_DONE) return connection_.error(rc, "remove");
  return erase_access(rowid, "remove");
}

Status EntryTable::touch(std::string_view key, int64_t expires_ms, int64_t now, bool& touched) {
  touched = false;
  ResetOnExit reset(touch_);
  touch_.bind_text(1, key);
  touch_.bind(2, expires_ms);
  touch_.bind(3, now);
  int rc = touch_.step();
  if (rc == SQLITE_DONE) return Status::ok();
  if (rc != SQLITE_ROW) return connection_.error(rc, "touch");
  const int64_t rowid = touch_.column_int(0);
  rc = touch_.step();
  if (rc != SQLITE_DONE) return connection_.error(rc, "touch");
  touched = true;
  return set_access(rowid, now, "touch");
}

Status EntryTable::record_access(int64_t rowid, int64_t ms) {
  ResetOnExit reset(record_access_);
  record_access_.bind(1, rowid);
  record_access_.bind(2, ms);
  record_access_.bind(3, AccessLog::kGranularityMs);
  int rc = record_access_.step();
  return rc == SQLITE_DONE ? Status::ok() : connection_.error(rc, "record access time");
}

Status EntryTable::drain_deletes(Statement& statement, std::string_view action, int64_t& removed) {
  deleted_.clear();
  int rc = SQLITE_DONE;
  while ((rc = statement.step()) == SQLITE_ROW) {
    deleted_.push_back(statement.column_int(0));
    pending_.entries -= 1;
    pending_.bytes -= statement.column_int(1);
  }
  statement.reset();
  if (rc != SQLITE_DONE) return connection_.error(rc, action);
  for (int64_t rowid : deleted_) {
    if (Status status = erase_access(rowid, action); !status.is_ok()) return status;
  }
  removed += static_cast<int64_t>(deleted_.size());
  return Status::ok();
}

Status EntryTable::erase_prefix(std::string_view prefix, int64_t& removed) {
  std::optional<std::string> end = prefix_end(prefix);
  Statement& statement = end ? erase_range_ : erase_from_;
  ResetOnExit reset(statement);
  statement.bind_text(1, prefix);
  if (end) statement.bind_text(2, *end);
  return drain_deletes(statement, "clear", removed);
}

Status EntryTable::sweep_expired(int64_t& after, int64_t window, int64_t now, int64_t& removed) {
  expired_.clear();
  int64_t looked_at = 0;
  int64_t last = after;
  {
    ResetOnExit reset(expiry_window_);
    expiry_window_.bind(1, after);
    expiry_window_.bind(2, window);
    int rc = SQLITE_DONE;
    while ((rc = expiry_window_.step()) == SQLITE_ROW) {
      ++looked_at;
      last = expiry_window_.column_int(0);
      if (!is_live(expiry_window_.column_int(1), now)) expired_.push_back(last);
    }
    if (rc != SQLITE_DONE) return connection_.error(rc, "delete expired entries");
  }
  // Deleted after the window is read: a delete under a running SELECT of the same table
  // would leave the SELECT's position undefined.
  for (int64_t rowid : expired_) {
    if (Status status = erase_rowid(rowid); !status.is_ok()) return status;
  }
  removed += static_cast<int64_t>(expired_.size());
  after = looked_at < window ? 0 : last;
  return Status::ok();
}

Status EntryTable::purge_position(int64_t& after) {
  ResetOnExit reset(purge_position_);
  int rc = purge_position_.step();
  if (rc == SQLITE_DONE) {
    after = 0;
    return Status::ok();
  }
  if (rc != SQLITE_ROW) return connection_.error(rc, "read purge position");
  after = purge_position_.column_int(0);
  return Status::ok();
}

Status EntryTable::set_purge_position(int64_t after) {
  ResetOnExit reset(set_purge_position_);
  set_purge_position_.bind(1, after);
  int rc = set_purge_position_.step();
  return rc == SQLITE_DONE ? Status::ok() : connection_.error(rc, "write purge position");
}

Status EntryTable::erase_rowid(int64_t rowid) {
  ResetOnExit reset(erase_rowid_);
  erase_rowid_.bind(1, rowid);
  int64_t removed = 0;
  return drain_deletes(erase_rowid_, "evict", removed);
}

namespace {

// One of lru_victims' two ordered streams: rows of (rowid, last use, footprint).
class LruStream {
 public:
  explicit LruStream(Statement& statement) : statement_(statement), reset_(statement) {}
  LruStream(const LruStream&) = delete;
  LruStream& operator=(const LruStream&) = delete;

  // Moves to the next row; returns SQLITE_ROW, SQLITE_DONE or an error code.
  int advance() {
    rc_ = statement_.step();
    return rc_;
  }
  bool has_row() const { return rc_ == SQLITE_ROW; }
  bool failed() const { return rc_ != SQLITE_ROW && rc_ != SQLITE_DONE; }
  int rc() const { return rc_; }
  int64_t rowid() const { return statement_.column_int(0); }
  int64_t last_used() const { return statement_.column_int(1); }
  int64_t footprint() const { return statement_.column_int(2); }
  // True when this stream's current row was used before `other`'s (ties: older write).
  bool before(const LruStream& other) const {
    if (!other.has_row()) return true;
    if (last_used() != other.last_used()) return last_used() < other.last_used();
    return rowid() < other.rowid();
  }

 private:
  Statement& statement_;
  ResetOnExit reset_;
  int rc_ = SQLITE_DONE;
};

}  // namespace

Status EntryTable::lru_victims(int64_t entries, int64_t bytes, std::vector<int64_t>& rowids) {
  // Entries read since written, by access time (entry_access_lru), and entries never read
  // since written, by rowid = write time. Both are index walks; merged they give the LRU
  // order without an access row per write.
  LruStream accessed(lru_accessed_);
  LruStream unread(lru_unread_);
  accessed.advance();
  unread.advance();
  int64_t covered_bytes = 0;
  while ((static_cast<int64_t>(rowids.size()) < entries || covered_bytes < bytes) &&
         (accessed.has_row() || unread.has_row())) {
    LruStream& next = accessed.has_row() && accessed.before(unread) ? accessed : unread;
    rowids.push_back(next.rowid());
    covered_bytes += next.footprint();
    next.advance();
  }
  for (const LruStream* stream : {&accessed, &unread}) {
    if (stream->failed()) return connection_.error(stream->rc(), "choose entries to evict");
  }
  return Status::ok();
}

Status EntryTable::totals(Totals& out) {
  ResetOnExit reset(totals_);
  int rc = totals_.step();
  if (rc != SQLITE_ROW) return connection_.error(rc, "read totals");
  out.entries = totals_.column_int(0) + pending_.entries;
  out.bytes = totals_.column_int(1) + pending_.bytes;
  return Status::ok();
}

Status EntryTable::flush_totals() {
  if (pending_.entries == 0 && pending_.bytes == 0) return Status::ok();
  for (const auto& [name, delta] : {std::pair<const char*, int64_t>{"entries", pending_.entries},
                                    std::pair<const char*, int64_t>{"bytes", pending_.bytes}}) {
    ResetOnExit reset(add_totals_);
    add_totals_.bind(1, delta);
    add_totals_.bind_text(2, name);
    int rc = add_totals_.step();
    if (rc != SQLITE_DONE) return connection_.error(rc, "update totals");
  }
  pending_ = Totals{};
  return Status::ok();
}

Status EntryTable::scan(std::string_view prefix, int64_t after, int64_t now, size_t limit,
                        bool values, size_t max_value_bytes, std::vector<ScanRow>& out,
                        bool& complete) {
  std::optional<std::string> end = prefix_end(prefix);
  Statement& statement = values ? (end ? scan_values_range_ : scan_values_from_)
                                : (end ? scan_keys_range_ : scan_keys_from_);
  ResetOnExit reset(statement);
  statement.bind(1, after);
  statement.bind_text(2, prefix);
  if (end) statement.bind_text(3, *end);
  statement.bind(4, now);
  statement.bind(5, static_cast<int64_t>(limit));
  size_t value_bytes = 0;
  int rc = SQLITE_DONE;
  while (value_bytes <= max_value_bytes && (rc = statement.step()) == SQLITE_ROW) {
    ScanRow row;
    row.rowid = statement.column_int(0);
    row.key = std::string(statement.column_text(1));
    row.size = statement.column_int(2);
    row.expires_ms = statement.column_int(3);
    row.last_access_ms = statement.column_int(4);
    if (values) {
      Bytes value = statement.column_blob(5);
      row.value.emplace(value.begin(), value.end());
      value_bytes += value.size();
    }
    out.push_back(std::move(row));
  }
  complete = rc == SQLITE_DONE && out.size() < limit;
  if (value_bytes > max_value_bytes || rc == SQLITE_DONE) return Status::ok();
  return connection_.error(rc, "scan");
}

}  // namespace sitecache::sqlite
