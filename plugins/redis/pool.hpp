// A pool of connections to one redis server, shared by the threads of one handle.
//
// Thread safety: run() may be called from any number of threads at once. Each call gets a
// connection of its own (an idle one, or a new one when none is idle), so concurrency is
// bounded only by the host's threads; at most max_idle connections are kept between
// calls. The mutex guards only the idle list and the failure state, never I/O.
//
// Failures and retries:
//   - A connection that breaks is discarded, never returned to the pool.
//   - When a connection taken from the pool breaks without timing out (the server closed
//     it: restart, idle timeout, CLIENT KILL), every idle connection is discarded as well
//     (they most likely share its fate) and the body is run once more on a new
//     connection. That is the one retry per command. A timeout is not retried: the server
//     is hung or overloaded and a retry would only double the wait.
//     The server may have carried out a command whose reply was lost with the connection.
//     Everything the backend sends is idempotent except SET NX (add): retried, it can
//     report "not stored" for a value it did store; the lease built on it then ends with
//     its TTL, which is the safe direction.
//   - When a connect fails or a command times out, the server is considered down for
//     retry_interval_ms: calls in that window return UNAVAILABLE at once, without touching
//     the network, so a build against a dead cache pays the connect or command timeout
//     about once per interval instead of once per operation. The first call after the
//     window tries again, so the same handle recovers when the server comes back.
//     retry_interval_ms = 0 disables this.
//   Every run() therefore returns within connect_timeout_ms + command_timeout_ms (+ name
//   resolution, see connection.cpp) once the stale connection has failed, which it does
//   at once. An operation needing several exchanges (clear, scan, large batches) is
//   bounded per exchange and stops at the first failure.
#ifndef SITECACHE_PLUGINS_REDIS_POOL_HPP
#define SITECACHE_PLUGINS_REDIS_POOL_HPP

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "connection.hpp"

namespace sitecache_redis {

struct PoolSettings {
  Endpoint endpoint;
  Timeouts timeouts;
  size_t max_idle = 8;
  int retry_interval_ms = 1000;
};

class Pool {
 public:
  explicit Pool(PoolSettings settings) : settings_(std::move(settings)) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const PoolSettings& settings() const { return settings_; }

  // Runs `body(Connection&) -> sp::Status` on a connection, retried as described above;
  // returns the body's status, or UNAVAILABLE when no connection could be had. The body
  // may run twice, so it must deliver results only after its exchanges succeeded.
  template <class Body>
  sp::Status run(Body&& body) {
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> connection;
      bool reused = false;
      if (sp::Status s = acquire(connection, reused); !s.is_ok()) return s;
      sp::Status status = body(*connection);
      if (!connection->broken()) {
        release(std::move(connection));
        return status;
      }
      bool retry = attempt == 0 && reused && !connection->timed_out();
      discard(*connection, status);
      if (!retry) return status;
    }
  }

 private:
  // An idle connection (reused = true) or a new one. UNAVAILABLE while the server is
  // considered down, or when connecting fails (which starts a down window).
  sp::Status acquire(std::unique_ptr<Connection>& out, bool& reused);
  void release(std::unique_ptr<Connection> connection);
  // Records why a broken connection failed: drops the idle connections, and starts a down
  // window after a timeout.
  void discard(const Connection& connection, const sp::Status& failure);
  void mark_down(const std::string& reason);
  static int64_t now_ms();

  const PoolSettings settings_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::string down_reason_;  // guarded by mutex_
  // Steady-clock ms until which the server counts as down; 0 when it is not.
  std::atomic<int64_t> down_until_ms_{0};
};

}  // namespace sitecache_redis

#endif  // SITECACHE_PLUGINS_REDIS_POOL_HPP
