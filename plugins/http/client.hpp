// Runs Transfers against the server: connection reuse, parallelism, retries and the down
// window. One Client per backend handle.
//
// Connections: a run takes a Session from a pool (or makes one). A Session is a curl multi
// handle with up to `parallel` easy handles; its connection cache keeps HTTP keep-alive
// connections (and TLS sessions) open between runs, so consecutive calls reuse them. At
// most pool_size idle sessions are kept.
//
// Thread safety: run() may be called from any number of threads at once; each run has a
// session of its own. The mutex guards only the idle list and the down reason, never I/O.
//
// Retries: a transfer that was unreachable, broke mid-exchange (including a truncated
// body) or got 500/502/503/504 is sent again, up to `retries` more times, after 25 ms,
// 50 ms, 100 ms... Every method sitecache sends is idempotent (GET, PUT, DELETE,
// PROPFIND, MKCOL); a DELETE whose answer was lost may report NOT_FOUND on its retry. A
// timeout is not retried: the server is hung or overloaded and a retry would multiply the
// wait. Once one transfer of a batch times out, the batch's other transfers are cancelled
// (outcome skipped), so a batch fails within about one timeout_ms, not one per transfer.
//
// Down window: when a run reached nothing (every failure unreachable or timed out), the
// server counts as down for retry_interval_ms: runs in that window return UNAVAILABLE at
// once without touching the network, so a build against a dead cache server pays the
// connect or request timeout about once per interval instead of once per operation. Any
// answer ends the window. retry_interval_ms = 0 disables it.
#ifndef SITECACHE_PLUGINS_HTTP_CLIENT_HPP
#define SITECACHE_PLUGINS_HTTP_CLIENT_HPP

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "settings.hpp"
#include "transfer.hpp"

namespace sitecache_http {

class Session;

class Client {
 public:
  explicit Client(Settings settings);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Settings& settings() const { return settings_; }

  // Called on the running thread for each transfer as soon as it has its final answer
  // (a status that is not retried), while the others go on. The body is valid only
  // during the call: its buffer then serves another transfer, which keeps the memory of
  // a large batch at about `parallel` bodies and spares the page faults of fresh ones.
  using AnswerHandler = std::function<void(Transfer&)>;

  // Runs every transfer to an outcome (see above). Returns UNAVAILABLE without sending
  // anything while the server counts as down, INTERNAL when curl cannot be set up, and
  // OK otherwise: each transfer's outcome then tells how it went. Without a handler,
  // bodies stay in their transfers after the run.
  sp::Status run(std::span<Transfer* const> transfers, const AnswerHandler& on_answer = {});
  sp::Status run(Transfer& transfer, const AnswerHandler& on_answer = {});

 private:
  sp::Status check_down() const;
  // Starts or ends the down window after a run.
  void note_outcomes(std::span<Transfer* const> transfers);
  std::unique_ptr<Session> acquire();
  void release(std::unique_ptr<Session> session);

  const Settings settings_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Session>> idle_;  // guarded by mutex_
  std::string down_reason_;                     // guarded by mutex_
  // Steady-clock ms until which the server counts as down; 0 when it does not.
  std::atomic<int64_t> down_until_ms_{0};
};

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_CLIENT_HPP
