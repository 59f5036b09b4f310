// Failures of the environment: a database locked past the busy timeout, and a disk that
// fills up mid-write.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

#include "support.hpp"

namespace sitecache::sqlite_test {
namespace {

class Failures : public SqliteTest {};

// The write lock is held by another process, as it would be in use: the plugin links its
// own copy of SQLite, and two copies in one process do not see each other's locks.
class LockHolder {
 public:
  explicit LockHolder(const std::string& db) {
    int ready[2], release[2];
    if (::pipe(ready) != 0 || ::pipe(release) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(release[1]);  // else the read below never sees the parent close its end
      sqlite3* holder = nullptr;
      char byte = 1;
      if (sqlite3_open(db.c_str(), &holder) != SQLITE_OK ||
          sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        byte = 0;
      }
      (void)!::write(ready[1], &byte, 1);
      (void)!::read(release[0], &byte, 1);  // until the parent closes its end
      sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(holder);
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    release_fd_ = release[1];
    char byte = 0;
    held_ = ::read(ready[0], &byte, 1) == 1 && byte == 1;
    ::close(ready[0]);
  }
  ~LockHolder() { release(); }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

  bool held() const { return held_; }
  void release() {
    if (release_fd_ >= 0) ::close(release_fd_);
    release_fd_ = -1;
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int release_fd_ = -1;
  bool held_ = false;
};

TEST_F(Failures, WriteLockHeldPastTheTimeoutIsBusy) {
  auto client = open(options({{"busy_timeout_ms", "150"}}));
  ASSERT_TRUE(client->ok()) << client->last_error();
  ASSERT_EQ(client->set("k", "before"), SC_OK);

  LockHolder holder(path("cache.db"));
  ASSERT_TRUE(holder.held());

  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(client->set("k", "after"), SC_BUSY);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(140));
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_NE(client->last_error().find("locked"), std::string::npos) << client->last_error();
  // WAL: readers are not blocked by the writer.
  EXPECT_EQ(client->get("k"), "before");

  holder.release();
  EXPECT_EQ(client->set("k", "after"), SC_OK) << client->last_error();
  EXPECT_EQ(client->get("k"), "after");
}

// A file size limit makes every write past it fail as a full disk would (EFBIG instead of
// ENOSPC); the limit applies to the child process only.
TEST_F(Failures, FullDiskIsAnIoErrorAndLosesNothingCommitted) {
  ASSERT_TRUE(open()->ok());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    AbiClient client(SQLITE_PLUGIN_PATH, options());
    if (!client.ok()) _exit(3);
    rlimit limit{1 << 20, 1 << 20};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(4);
    for (uint32_t i = 0; i < 1000; ++i) {
      sc_status status = client.set("f:" + std::to_string(i), encode_value(1, i, 20000));
      if (status == SC_OK) continue;
      if (status != SC_IO) {
        std::fprintf(stderr, "status %d: %s\n", status, client.last_error().c_str());
        _exit(5);
      }
      if (client.last_error().find("cache.db") == std::string::npos) _exit(6);
      if (i == 0 || !client.get("f:0")) _exit(7);
      _exit(0);
    }
    _exit(8);  // never filled up
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "5: not SC_IO, 6: no path in the message, "
                                       "7: earlier entries lost, 8: no failure";

  auto client = open();
  ASSERT_TRUE(client->ok()) << client->last_error();
  auto keys = client->keys("f:");
  EXPECT_FALSE(keys.empty());
  for (const auto& key : keys) {
    auto value = client->get(key);
    ASSERT_TRUE(value.has_value()) << key;
    EXPECT_TRUE(valid_value(*value)) << key;
  }
  EXPECT_EQ(client->stats().entries, static_cast<int64_t>(keys.size()));
  EXPECT_EQ(client->set("after", "v"), SC_OK) << client->last_error();
}

}  // namespace
}  // namespace sitecache::sqlite_test
