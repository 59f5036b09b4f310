// Cache::memoize: hit, or render once (single-flight in-process, lease across processes),
// store, and record the use in the open build session.
#include "cache/cache_impl.hpp"
#include "memo/build_state.hpp"
#include "memo/lease.hpp"

namespace sitecache {
namespace {

using Clock = std::chrono::steady_clock;
using Use = BuildSession::State::Use;

uint64_t micros_between(Clock::time_point start, Clock::time_point end) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(end - start).count());
}

// Microseconds this thread has spent in cache work (lookups, leases, stores) of memoize
// calls, nested ones included. A step's recorded cost is its render time minus the cache
// work of the memoize calls nested in it, so "time saved" counts rendering only and a
// hit of the outer step is not credited with the inner steps' cache traffic.
thread_local uint64_t t_cache_work_us = 0;

// Adds the cache work of one memoize call on scope exit: its whole duration minus the
// render (the render's own nested cache work is already in t_cache_work_us).
class CacheWorkTimer {
 public:
  CacheWorkTimer() : start_(Clock::now()) {}
  CacheWorkTimer(const CacheWorkTimer&) = delete;
  CacheWorkTimer& operator=(const CacheWorkTimer&) = delete;
  ~CacheWorkTimer() { t_cache_work_us += micros_between(start_, Clock::now()) - render_us_; }
  void rendered(uint64_t render_us) { render_us_ = render_us; }

 private:
  Clock::time_point start_;
  uint64_t render_us_ = 0;
};

// One memoize call: what it is about and where it records.
struct MemoCall {
  CacheImpl& impl;
  const Step& step;
  const Inputs& inputs;
  const Digest& key;
  const std::function<std::string()>& render;
  const MemoOptions& options;
  std::string backend_key;
  std::shared_ptr<BuildSession::State> session;
  int64_t parent = -1;  // the use whose render made this call, in the session's record

  // Adds the use to the session's record before a render (-1 without a session).
  int64_t open() const {
    return session ? session->open_use(backend_key, step.name, options.slot,
                                       recorded_inputs(inputs), parent)
                   : -1;
  }
  void close(int64_t index, Use use, uint64_t micros, uint64_t cost_us) const {
    if (session) session->close_use(index, use, micros, cost_us);
  }
  void record_hit(uint64_t cost_us) const { close(open(), Use::hit, cost_us, cost_us); }
};

// Renders, stores (batched within a build session, unless a lease is held: waiters in
// other processes poll for the entry right after its release) and records the miss.
Result<std::string> render_and_store(const MemoCall& call, const Lease& lease,
                                     CacheWorkTimer& cache_work, uint64_t& cost_us) {
  const int64_t use = call.open();
  const uint64_t nested_before = t_cache_work_us;
  const auto start = Clock::now();
  std::string output;
  {
    CurrentUse current(call.session.get(), use);  // nested memoize calls name this use
    output = call.render();  // may throw: nothing is stored, the lease released
  }
  const uint64_t elapsed_us = micros_between(start, Clock::now());
  cache_work.rendered(elapsed_us);
  const uint64_t nested_us = t_cache_work_us - nested_before;
  cost_us = elapsed_us > nested_us ? elapsed_us - nested_us : 0;

  StoreOptions store_options;
  store_options.timeout = call.options.timeout;
  store_options.label = call.step.name;
  store_options.slot = call.options.slot;
  store_options.tags = call.options.tags;
  store_options.cost_us = cost_us;
  store_options.generation = call.session ? call.session->record.generation : 0;
  const WritePath path = call.session && !lease.held() ? WritePath::batched : WritePath::direct;
  Status stored = call.impl.write(call.backend_key, output, store_options, path);
  if (Status s = call.impl.settle(stored, "set"); !s) return s;
  call.close(use, Use::miss, cost_us, cost_us);
  return output;
}

// The whole memoize of one key by the one in-process caller rendering it.
Result<std::string> memoize_once(const MemoCall& call, uint64_t& cost_us) {
  CacheWorkTimer cache_work;
  Result<std::optional<StoredValue>> found = call.impl.lookup(call.backend_key);
  if (!found) return found.status();
  Lease lease(call.impl);
  if (!found->has_value() && leases_apply(call.impl)) {
    found = lease_or_wait(call.impl, call.key, call.backend_key, lease);
    if (!found) return found.status();
  }
  if (found->has_value()) {
    cost_us = (*found)->info.cost_us;
    call.record_hit(cost_us);
    return std::move((*found)->value);
  }
  return render_and_store(call, lease, cache_work, cost_us);
}

// In-process single-flight: the first caller of a key leads; later callers of the same
// key follow and receive the leader's outcome (or its exception).
class Flight {
 public:
  Flight(CacheImpl& impl, const Digest& key) : impl_(impl), key_(key) {
    std::lock_guard lock(impl_.flights_mutex);
    auto it = impl_.flights.find(key_);
    if (it == impl_.flights.end()) {
      future_ = promise_.get_future().share();
      impl_.flights.emplace(key_, CacheImpl::Flight{future_, 0});
      leader_ = true;
    } else {
      future_ = it->second.result;
      ++it->second.followers;
    }
  }
  Flight(const Flight&) = delete;
  Flight& operator=(const Flight&) = delete;

  bool leader() const { return leader_; }
  // Followers: the leader's outcome; rethrows its render exception.
  CacheImpl::FlightResult wait() const { return future_.get(); }

  // Leader: closes the flight and hands the outcome to the followers. Copying a page into
  // the future costs as much as the rest of a hit, so it happens only when someone waits.
  void publish(const Result<std::string>& value, uint64_t cost_us) {
    if (close() > 0) {
      promise_.set_value(CacheImpl::FlightResult{value, cost_us});
    } else {
      promise_.set_value(CacheImpl::FlightResult{Status(StatusCode::internal, "unread"), cost_us});
    }
  }
  void publish_exception(std::exception_ptr error) {
    close();
    promise_.set_exception(std::move(error));
  }

 private:
  // Removes the flight; returns how many followers joined it.
  size_t close() {
    std::lock_guard lock(impl_.flights_mutex);
    auto it = impl_.flights.find(key_);
    const size_t followers = it->second.followers;
    impl_.flights.erase(it);
    return followers;
  }

  CacheImpl& impl_;
  const Digest& key_;
  std::promise<CacheImpl::FlightResult> promise_;
  std::shared_future<CacheImpl::FlightResult> future_;
  bool leader_ = false;
};

}  // namespace

Result<std::string> Cache::memoize(const Step& step, const Inputs& inputs,
                                   const std::function<std::string()>& render,
                                   const MemoOptions& options) {
  if (!inputs.status()) return inputs.status();
  const Digest key = step_key(step, inputs);
  std::shared_ptr<BuildSession::State> session = impl_->current_session();
  const int64_t parent = current_parent(session.get());
  MemoCall call{
      *impl_, step, inputs, key, render, options, impl_->keys.entry(key), std::move(session),
      parent};
  Flight flight(*impl_, key);
  if (!flight.leader()) {
    CacheImpl::FlightResult shared = flight.wait();
    if (shared.value) call.record_hit(shared.cost_us);
    return shared.value;
  }
  try {
    uint64_t cost_us = 0;  // what a follower saves by not rendering
    Result<std::string> value = memoize_once(call, cost_us);
    flight.publish(value, cost_us);
    return value;
  } catch (...) {
    flight.publish_exception(std::current_exception());
    throw;
  }
}

}  // namespace sitecache
