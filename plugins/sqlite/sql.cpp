#include "sql.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <thread>
#include <utility>

namespace sitecache::sqlite {

namespace {

// A non-null address for empty blobs: sqlite3_column_blob returns NULL for them, and
// binding a NULL pointer would store SQL NULL instead of an empty value.
const uint8_t kEmpty[1] = {0};

int busy_handler(void* context, int attempt) {
  auto* policy = static_cast<BusyPolicy*>(context);
  if (policy->no_wait) return 0;
  auto now = std::chrono::steady_clock::now();
  if (attempt == 0) policy->started = now;
  if (now - policy->started >= std::chrono::milliseconds(policy->timeout_ms)) return 0;
  // Short jittered polls: waiters that sleep in lockstep keep missing the free slot.
  thread_local std::minstd_rand random(
      static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id()) ^
                            static_cast<size_t>(now.time_since_epoch().count())));
  int64_t ceiling_us = std::min<int64_t>(2000, int64_t{50} << std::min(attempt, 6));
  int64_t sleep_us = ceiling_us / 2 + static_cast<int64_t>(random() % (ceiling_us / 2 + 1));
  std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
  return 1;
}

}  // namespace

// --- Statement ---------------------------------------------------------------------------

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      sql_(std::move(other.sql_)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(other.bind_rc_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    sql_ = std::move(other.sql_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

int Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(std::exchange(stmt_, nullptr));
  db_ = db;
  sql_ = std::string(sql);
  return SQLITE_OK;
}

bool Statement::compiled() {
  if (stmt_ != nullptr) return true;
  const int rc = sqlite3_prepare_v3(db_, sql_.data(), static_cast<int>(sql_.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc == SQLITE_OK && stmt_ != nullptr) return true;
  sqlite3_finalize(std::exchange(stmt_, nullptr));
  note_bind(rc == SQLITE_OK ? SQLITE_MISUSE : rc);
  return false;
}

void Statement::note_bind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind(int index, int64_t value) {
  if (compiled()) note_bind(sqlite3_bind_int64(stmt_, index, value));
}

void Statement::bind_text(int index, std::string_view text) {
  const char* data = text.empty() ? reinterpret_cast<const char*>(kEmpty) : text.data();
  if (compiled()) {
    note_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
}

void Statement::bind_zeroblob(int index, int64_t size) {
  if (compiled())
    note_bind(sqlite3_bind_zeroblob64(stmt_, index, static_cast<sqlite3_uint64>(size)));
}

void Statement::bind_blob(int index, Bytes blob) {
  const uint8_t* data = blob.empty() ? kEmpty : blob.data();
  if (compiled()) note_bind(sqlite3_bind_blob64(stmt_, index, data, blob.size(), SQLITE_STATIC));
}

void Statement::bind_null(int index) {
  if (compiled()) note_bind(sqlite3_bind_null(stmt_, index));
}

int Statement::step() {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  if (!compiled()) return bind_rc_;
  return sqlite3_step(stmt_);
}

void Statement::reset() {
  if (stmt_ != nullptr) sqlite3_reset(stmt_);
  bind_rc_ = SQLITE_OK;
}

int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string_view Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<size_t>(size)};
}

Bytes Statement::column_blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size == 0) return {kEmpty, 0};
  return {static_cast<const uint8_t*>(data), static_cast<size_t>(size)};
}

// --- Connection --------------------------------------------------------------------------

Connection::Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Connection::~Connection() {
  // Statements first: sqlite3_close_v2 would otherwise linger as a zombie until they go.
  begin_write_ = Statement();
  begin_read_ = Statement();
  commit_ = Statement();
  rollback_ = Statement();
  sqlite3_close_v2(db_);
}

Status Connection::open(const std::string& path, int flags, int64_t busy_timeout_ms,
                        std::unique_ptr<Connection>& out) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status(code_for(rc), "sqlite cache " + path + ": cannot open: " + message);
  }
  std::unique_ptr<Connection> connection(new Connection(db, path));
  sqlite3_extended_result_codes(db, 1);
  connection->busy_.timeout_ms = busy_timeout_ms;
  sqlite3_busy_handler(db, &busy_handler, &connection->busy_);
  struct Fixed {
    Statement* statement;
    const char* sql;
  };
  for (Fixed fixed :
       {Fixed{&connection->begin_write_, "BEGIN IMMEDIATE"},
        Fixed{&connection->begin_read_, "BEGIN"}, Fixed{&connection->commit_, "COMMIT"},
        Fixed{&connection->rollback_, "ROLLBACK"}}) {
    if (Status status = connection->prepare(*fixed.statement, fixed.sql, "prepare");
        !status.is_ok()) {
      return status;
    }
  }
  out = std::move(connection);
  return Status::ok();
}

Status Connection::exec(std::string_view sql, std::string_view action) {
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::ok() : error(rc, action);
}

Status Connection::query_text(std::string_view sql, std::string_view action, std::string& out) {
  Statement statement;
  if (Status status = prepare(statement, sql, action); !status.is_ok()) return status;
  int rc = statement.step();
  if (rc == SQLITE_ROW) {
    out = std::string(statement.column_text(0));
    rc = SQLITE_DONE;
  }
  return rc == SQLITE_DONE ? Status::ok() : error(rc, action);
}

Status Connection::prepare(Statement& out, std::string_view sql, std::string_view action) {
  int rc = out.prepare(db_, sql);
  return rc == SQLITE_OK ? Status::ok() : error(rc, action);
}

namespace {
Status run_once(Connection& connection, Statement& statement, std::string_view action) {
  int rc = statement.step();
  statement.reset();
  return rc == SQLITE_DONE ? Status::ok() : connection.error(rc, action);
}
}  // namespace

Status Connection::begin_write() {
  return run_once(*this, begin_write_, "begin write");
}
Status Connection::begin_read() {
  return run_once(*this, begin_read_, "begin read");
}
Status Connection::commit() {
  return run_once(*this, commit_, "commit");
}

void Connection::rollback() noexcept {
  if (sqlite3_get_autocommit(db_) != 0) return;
  rollback_.step();
  rollback_.reset();
}

Status Connection::error(int rc, std::string_view action) const {
  // errmsg describes the connection's last failure; a bind error never reached it.
  const char* message = (sqlite3_extended_errcode(db_) == rc || sqlite3_errcode(db_) == rc)
                            ? sqlite3_errmsg(db_)
                            : sqlite3_errstr(rc);
  return Status(code_for(rc),
                "sqlite cache " + path_ + ": " + std::string(action) + " failed: " + message);
}

Code code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
      return Code::ok;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Code::busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::corruption;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return Code::io;
    case SQLITE_TOOBIG:
      return Code::invalid_argument;
    default:
      return Code::internal;
  }
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sitecache::sqlite
