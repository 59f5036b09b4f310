#include "client.hpp"

#include <chrono>
#include <thread>

#include "session.hpp"

namespace sitecache_http {

namespace {

constexpr int kFirstBackoffMs = 25;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Client::Client(Settings settings) : settings_(std::move(settings)) {}

Client::~Client() = default;

sp::Status Client::check_down() const {
  const int64_t until = down_until_ms_.load(std::memory_order_acquire);
  if (until == 0) return sp::Status::ok();
  const int64_t left = until - now_ms();
  if (left <= 0) return sp::Status::ok();
  std::lock_guard lock(mutex_);
  return sp::Status(sp::Code::unavailable,
                    down_reason_ + " (not retrying for another " + std::to_string(left) + " ms)");
}

std::unique_ptr<Session> Client::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Session> session = std::move(idle_.back());
      idle_.pop_back();
      return session;
    }
  }
  return Session::make(settings_);
}

void Client::release(std::unique_ptr<Session> session) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < settings_.pool_size) idle_.push_back(std::move(session));
}

sp::Status Client::run(Transfer& transfer, const AnswerHandler& on_answer) {
  Transfer* one[] = {&transfer};
  return run(one, on_answer);
}

sp::Status Client::run(std::span<Transfer* const> transfers, const AnswerHandler& on_answer) {
  if (transfers.empty()) return sp::Status::ok();
  if (sp::Status down = check_down(); !down.is_ok()) return down;
  std::unique_ptr<Session> session = acquire();
  if (!session) return sp::Status(sp::Code::internal, "out of memory (curl_multi_init)");
  std::vector<Transfer*> pending(transfers.begin(), transfers.end());
  for (int attempt = 0;; ++attempt) {
    session->perform(pending, on_answer);
    if (attempt >= settings_.retries) break;
    std::vector<Transfer*> again;
    bool timed_out = false;
    for (Transfer* transfer : pending) {
      timed_out = timed_out || transfer->outcome() == Outcome::timed_out;
      if (transfer->retryable()) again.push_back(transfer);
    }
    if (timed_out || again.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(kFirstBackoffMs << attempt));
    pending = std::move(again);
  }
  note_outcomes(transfers);
  if (down_until_ms_.load(std::memory_order_relaxed) == 0) {
    release(std::move(session));
  }
  return sp::Status::ok();
}

void Client::note_outcomes(std::span<Transfer* const> transfers) {
  const Transfer* unreachable = nullptr;
  for (const Transfer* transfer : transfers) {
    switch (transfer->outcome()) {
      case Outcome::answered:
        down_until_ms_.store(0, std::memory_order_release);
        return;
      case Outcome::unreachable:
      case Outcome::timed_out:
        if (unreachable == nullptr) unreachable = transfer;
        break;
      default:
        break;
    }
  }
  if (unreachable == nullptr || settings_.retry_interval_ms <= 0) return;
  std::vector<std::unique_ptr<Session>> dropped;  // their connections are dead
  std::lock_guard lock(mutex_);
  dropped.swap(idle_);
  down_reason_ = unreachable->failure(settings_).message();
  down_until_ms_.store(now_ms() + settings_.retry_interval_ms, std::memory_order_release);
}

}  // namespace sitecache_http
