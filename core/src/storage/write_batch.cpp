#include "storage/write_batch.hpp"

namespace sitecache {

WriteBatch::WriteBatch(Limits limits) : limits_(limits) {}

void WriteBatch::set_limits(Limits limits) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
}

WriteBatch::Due WriteBatch::add(std::string key, std::string encoded, int64_t ttl_ms) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (queue_.empty()) oldest_ = now;
  queue_bytes_ += key.size() + encoded.size();
  auto [it, inserted] = queue_.try_emplace(std::move(key));
  if (!inserted) queue_bytes_ -= it->first.size() + it->second.encoded.size();
  it->second = Queued{std::move(encoded), ttl_ms};
  queued_.store(queue_.size() + in_flight_.size(), std::memory_order_release);
  const bool due = queue_.size() >= limits_.entries || queue_bytes_ >= limits_.bytes ||
                   now - oldest_ >= limits_.age;
  return due ? Due::yes : Due::no;
}

std::optional<std::string> WriteBatch::find(std::string_view key) const {
  std::lock_guard lock(mutex_);
  // The queue first: it holds the newer value when a key is queued again mid-flush.
  if (auto it = queue_.find(key); it != queue_.end()) return it->second.encoded;
  if (auto it = in_flight_index_.find(key); it != in_flight_index_.end()) {
    return in_flight_[it->second].value;
  }
  return std::nullopt;
}

std::unique_lock<std::mutex> WriteBatch::lock_flush() {
  return std::unique_lock(flush_mutex_);
}

std::unique_lock<std::mutex> WriteBatch::lock_flush(std::try_to_lock_t) {
  return std::unique_lock(flush_mutex_, std::try_to_lock);
}

std::span<const StoreItem> WriteBatch::begin_flush() {
  std::lock_guard lock(mutex_);
  in_flight_.reserve(queue_.size());
  for (auto& [key, queued] : queue_) {
    in_flight_.push_back(StoreItem{key, std::move(queued.encoded), queued.ttl_ms});
  }
  queue_.clear();
  queue_bytes_ = 0;
  // Indexed only once the vector is complete: the views point into its keys.
  for (size_t i = 0; i < in_flight_.size(); ++i) in_flight_index_.emplace(in_flight_[i].key, i);
  return in_flight_;
}

void WriteBatch::finish_flush() {
  std::lock_guard lock(mutex_);
  in_flight_index_.clear();
  in_flight_.clear();
  queued_.store(queue_.size(), std::memory_order_release);
}

}  // namespace sitecache
