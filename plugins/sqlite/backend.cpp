// SqliteBackend lifecycle: creation, opening, corruption recovery, and the write
// transaction every mutating operation goes through.
#include "backend.hpp"

#include <utility>

#include "schema.hpp"

namespace sitecache::sqlite {

namespace {

// Expired entries are deleted by writes at most this often, a bounded batch at a time, so
// a cache without limits does not keep dead rows forever.
constexpr int64_t kPurgeIntervalMs = 60'000;
// Rows the periodic purge looks at for expired entries, continuing across handles and
// processes from the meta row 'purge_after'.
constexpr int64_t kPurgeWindow = 4096;

std::string recreate_hint(const Settings& settings) {
  if (settings.read_only) return "";
  return " (set the option on_corrupt = \"recreate\" to move it aside and start a new one)";
}

}  // namespace

SqliteBackend::SqliteBackend(Settings settings)
    : settings_(std::move(settings)), limits_(Limits::from(settings_)) {}

SqliteBackend::~SqliteBackend() {
  std::lock_guard lock(mutex_);
  flush_access(false);
  close();
}

Status SqliteBackend::validate(const plugin::Options& options) {
  Settings settings;
  return parse_settings(options, settings);
}

Status SqliteBackend::create(const plugin::Options& options, std::unique_ptr<SqliteBackend>& out) {
  Settings settings;
  if (Status status = parse_settings(options, settings); !status.is_ok()) return status;
  std::unique_ptr<SqliteBackend> backend(new SqliteBackend(std::move(settings)));
  if (Status status = backend->open(); !status.is_ok()) return status;
  out = std::move(backend);
  return Status::ok();
}

Status SqliteBackend::open_once() {
  // The identity is taken before opening: if the file is replaced in between, recovery
  // sees a mismatch and leaves the replacement alone.
  FileIdentity before = FileIdentity::of(settings_.path);
  Status status = open_database(settings_, connection_);
  identity_ = before.known ? before : FileIdentity::of(settings_.path);
  if (status.is_ok()) status = ensure_schema(*connection_, settings_.read_only);
  if (status.is_ok()) status = EntryTable::prepare(*connection_, table_);
  if (!status.is_ok()) close();
  return status;
}

Status SqliteBackend::open() {
  Status status = open_once();
  if (status.code() != Code::corruption) return status;
  if (settings_.on_corrupt != OnCorrupt::recreate || settings_.read_only) {
    return Status(Code::corruption, status.message() + recreate_hint(settings_));
  }
  std::string moved_to;
  if (Status moved = move_aside(settings_.path, identity_, moved_to); !moved.is_ok()) {
    return Status(Code::corruption, status.message() + "; " + moved.message());
  }
  return open_once();
}

void SqliteBackend::close() noexcept {
  table_.reset();  // finalizes the statements, so that the fold below can run
  if (connection_) fold_long_wal(settings_, *connection_);
  connection_.reset();
}

Status SqliteBackend::ready() {
  if (connection_ && table_) return Status::ok();
  return open();
}

Status SqliteBackend::recover(Status failure) {
  if (failure.code() != Code::corruption) return failure;
  if (settings_.on_corrupt != OnCorrupt::recreate || settings_.read_only) {
    return Status(Code::corruption, failure.message() + recreate_hint(settings_));
  }
  close();
  access_.reset();
  std::string moved_to;
  Status status = move_aside(settings_.path, identity_, moved_to);
  if (status.is_ok()) status = open_once();
  if (!status.is_ok()) {
    return Status(Code::corruption,
                  failure.message() + "; starting a new database failed: " + status.message());
  }
  return Status(Code::corruption,
                failure.message() +
                    (moved_to.empty() ? "; another process already replaced the file"
                                      : "; moved it aside to " + moved_to) +
                    " and started a new database");
}

Status SqliteBackend::validate_write(std::string_view operation, int64_t ttl_ms,
                                     size_t footprint) const {
  if (settings_.read_only) {
    return Status(Code::invalid_argument, "sqlite cache " + settings_.path + " is read-only (" +
                                              std::string(operation) + " refused)");
  }
  if (ttl_ms < 0) {
    return Status(
        Code::invalid_argument,
        std::string(operation) + ": ttl_ms must not be negative, got " + std::to_string(ttl_ms));
  }
  if (limits_.max_bytes > 0 && static_cast<int64_t>(footprint) > limits_.max_bytes) {
    return Status(Code::invalid_argument,
                  std::string(operation) + ": an entry of " + std::to_string(footprint) +
                      " bytes can never fit max_size = " + std::to_string(limits_.max_bytes));
  }
  return Status::ok();
}

Status SqliteBackend::write(std::string_view operation,
                            const std::function<Status(int64_t now)>& body) {
  if (Status status = ready(); !status.is_ok()) return status;
  const int64_t now = now_ms();
  Status status = connection_->begin_write();
  // Pending access times go first, so that eviction below sees them.
  for (auto it = access_.pending().begin(); status.is_ok() && it != access_.pending().end(); ++it) {
    status = table_->record_access(it->first, it->second);
  }
  // The count before this write, for the cull (read only when limits apply).
  Totals before;
  if (status.is_ok() && limits_.any()) status = table_->totals(before);
  if (status.is_ok()) status = body(now);
  if (status.is_ok() && now >= next_purge_ms_) {
    int64_t after = 0;
    int64_t purged = 0;
    status = table_->purge_position(after);
    if (status.is_ok()) status = table_->sweep_expired(after, kPurgeWindow, now, purged);
    if (status.is_ok()) status = table_->set_purge_position(after);
  }
  int64_t evicted = 0;
  if (status.is_ok()) status = enforce_limits(*table_, limits_, now, before.entries, evicted);
  if (status.is_ok()) status = table_->flush_totals();
  if (status.is_ok()) status = connection_->commit();
  if (!status.is_ok()) {
    connection_->rollback();
    table_->discard_pending();
    if (status.code() != Code::busy) access_.clear();
    return recover(Status(status.code(), status.message() + " (" + std::string(operation) + ")"));
  }
  if (now >= next_purge_ms_) next_purge_ms_ = now + kPurgeIntervalMs;
  access_.clear();
  evictions_ += evicted;
  return Status::ok();
}

void SqliteBackend::flush_access(bool wait) {
  if (access_.empty() || settings_.read_only || !connection_ || !table_) return;
  connection_->busy().no_wait = !wait;
  Status status = connection_->begin_write();
  for (auto it = access_.pending().begin(); status.is_ok() && it != access_.pending().end(); ++it) {
    status = table_->record_access(it->first, it->second);
  }
  if (status.is_ok()) status = connection_->commit();
  connection_->busy().no_wait = false;
  if (!status.is_ok()) connection_->rollback();
  // Busy: keep the notes for the next write. Anything else: they are advisory, drop them;
  // a real problem shows up on the next operation that needs the database.
  if (status.is_ok() || status.code() != Code::busy) access_.clear();
}

}  // namespace sitecache::sqlite
