// Pool: idle list and down window (see pool.hpp for the policy).
#include "pool.hpp"

#include <chrono>

namespace sitecache_redis {

int64_t Pool::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

sp::Status Pool::acquire(std::unique_ptr<Connection>& out, bool& reused) {
  int64_t down_until = down_until_ms_.load(std::memory_order_acquire);
  if (down_until != 0) {
    int64_t left = down_until - now_ms();
    if (left > 0) {
      std::lock_guard lock(mutex_);
      return sp::Status(sp::Code::unavailable, down_reason_ + " (not retrying for another " +
                                                   std::to_string(left) + " ms)");
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      out = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return sp::Status::ok();
    }
  }
  reused = false;
  sp::Status status = Connection::open(settings_.endpoint, settings_.timeouts, out);
  if (status.code() == sp::Code::unavailable) {
    mark_down(status.message());
  } else if (status.is_ok()) {
    down_until_ms_.store(0, std::memory_order_release);
  }
  return status;
}

void Pool::release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < settings_.max_idle) idle_.push_back(std::move(connection));
}

void Pool::discard(const Connection& connection, const sp::Status& failure) {
  if (connection.timed_out()) {
    mark_down(failure.message());
    return;
  }
  std::vector<std::unique_ptr<Connection>> dropped;
  std::lock_guard lock(mutex_);
  dropped.swap(idle_);
}

void Pool::mark_down(const std::string& reason) {
  std::vector<std::unique_ptr<Connection>> dropped;
  std::lock_guard lock(mutex_);
  dropped.swap(idle_);
  if (settings_.retry_interval_ms <= 0) return;
  down_reason_ = reason;
  down_until_ms_.store(now_ms() + settings_.retry_interval_ms, std::memory_order_release);
}

}  // namespace sitecache_redis
