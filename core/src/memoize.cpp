// Cache::memoize: hit, or render once (single-flight in-process, lease across processes),
// store, and record the use in the open build session.
#include <thread>

#include "build_state.hpp"
#include "cache_impl.hpp"

namespace sitecache {
namespace {

using Clock = std::chrono::steady_clock;

// A lease outlives any sane render of one step but not a crashed build: a holder that
// died leaves the lease to expire, and waiters give up well before that anyway.
constexpr std::chrono::seconds kLeaseTtl{30};
constexpr std::chrono::seconds kLeaseMaxWait{10};
constexpr std::chrono::milliseconds kLeasePollFirst{10};
constexpr std::chrono::milliseconds kLeasePollMax{200};

std::vector<RecordedInput> recorded_inputs(const Inputs& inputs) {
  std::vector<RecordedInput> out;
  out.reserve(inputs.entries().size());
  for (const auto& input : inputs.entries()) {
    // 64 bits of the typed digest are plenty to say *which* input changed.
    out.push_back(RecordedInput{input.name, input.digest.hex().substr(0, 16)});
  }
  return out;
}

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

}  // namespace

Result<std::string> Cache::memoize(const Step& step, const Inputs& inputs,
                                   const std::function<std::string()>& render,
                                   const MemoOptions& options) {
  if (!inputs.status()) return inputs.status();
  const Digest key = step_key(step, inputs);

  std::promise<Impl::FlightResult> promise;
  std::shared_future<Impl::FlightResult> flight;
  bool leader = false;
  {
    std::lock_guard lock(impl_->flights_mutex);
    auto it = impl_->flights.find(key);
    if (it == impl_->flights.end()) {
      flight = promise.get_future().share();
      impl_->flights.emplace(key, Impl::Flight{flight, 0});
      leader = true;
    } else {
      flight = it->second.result;
      ++it->second.followers;
    }
  }
  if (!leader) {
    // get() rethrows the leader's render exception to every follower.
    Impl::FlightResult shared = flight.get();
    if (shared.value) {
      if (auto session = impl_->current_session()) {
        session->record_use(BuildSession::State::Use::hit, backend_key(key), step.name,
                            options.slot, shared.cost_us, recorded_inputs(inputs));
      }
    }
    return shared.value;
  }

  // Closes the flight to newcomers and says how many callers wait on it.
  auto finish_flight = [&] {
    std::lock_guard lock(impl_->flights_mutex);
    auto it = impl_->flights.find(key);
    const size_t followers = it->second.followers;
    impl_->flights.erase(it);
    return followers;
  };
  try {
    uint64_t cost_us = 0;  // what a follower saves by not rendering
    Result<std::string> value = memoize_once(step, inputs, key, render, options, cost_us);
    // Copying a page into the future costs as much as the rest of a hit: only when read.
    if (finish_flight() > 0) {
      promise.set_value(Impl::FlightResult{value, cost_us});
    } else {
      promise.set_value(Impl::FlightResult{Status(StatusCode::internal, "unread"), cost_us});
    }
    return value;
  } catch (...) {
    finish_flight();
    promise.set_exception(std::current_exception());
    throw;
  }
}

Result<std::string> Cache::memoize_once(const Step& step, const Inputs& inputs, const Digest& key,
                                        const std::function<std::string()>& render,
                                        const MemoOptions& options, uint64_t& cost_us) {
  CacheWorkTimer cache_work;
  const std::string bkey = backend_key(key);
  std::shared_ptr<BuildSession::State> session = impl_->current_session();
  auto record = [&](BuildSession::State::Use use, uint64_t micros) {
    if (session) {
      session->record_use(use, bkey, step.name, options.slot, micros, recorded_inputs(inputs));
    }
  };

  Result<std::optional<StoredValue>> found = impl_->read(bkey);
  if (!found) return found.status();
  if (found->has_value()) {
    cost_us = (*found)->info.cost_us;
    record(BuildSession::State::Use::hit, cost_us);
    return std::move((*found)->value);
  }

  // Across processes (single_flight = "shared"): whoever adds the lease renders; the
  // others poll for its output.
  std::string lease_key;
  if (impl_->settings.single_flight == SingleFlight::shared && !impl_->settings.read_only &&
      backend_has(SC_CAP_ADD) && backend_has(SC_CAP_SHARED)) {
    EntryMeta lease_meta;
    lease_meta.created_ms = now_ms();
    lease_meta.expires_ms = lease_meta.created_ms + kLeaseTtl.count() * 1000;
    lease_meta.label = "lease";
    // Straight to the store, not through add_backend_key: a failed add must mean "render
    // now", never "someone else holds the lease, wait for them". Shared backends expire
    // a lease natively if its holder dies.
    const std::string candidate = key_space() + "lease:" + key.hex();
    Result<Store*> store = impl_->acquire_store();
    Result<bool> leased =
        store ? (*store)->add(candidate, encode_entry(lease_meta, "", PayloadCompression::none),
                              kLeaseTtl.count() * 1000)
              : Result<bool>(store.status());
    if (!leased) {
      if (Status s = impl_->degrade(leased.status(), "lease"); !s) return s;
    } else if (*leased) {
      lease_key = candidate;
    } else {
      const auto give_up = Clock::now() + kLeaseMaxWait;
      auto pause = kLeasePollFirst;
      while (Clock::now() < give_up) {
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, kLeasePollMax);
        Result<std::optional<StoredValue>> theirs = impl_->read(bkey);
        if (theirs && theirs->has_value()) {
          cost_us = (*theirs)->info.cost_us;
          record(BuildSession::State::Use::hit, cost_us);
          return std::move((*theirs)->value);
        }
        // The holder finished without storing (or the store failed): stop waiting.
        Result<std::optional<std::string>> lease = (*store)->get(candidate);
        if (!lease || !lease->has_value()) break;
      }
    }
  }

  struct LeaseRelease {
    Cache* cache;
    const std::string& key;
    ~LeaseRelease() {
      if (!key.empty()) (void)cache->remove_backend_key(key);
    }
  } release{this, lease_key};

  const uint64_t nested_before = t_cache_work_us;
  const auto start = Clock::now();
  std::string output = render();  // may throw: nothing is stored, the lease is released
  const uint64_t elapsed_us = micros_between(start, Clock::now());
  cache_work.rendered(elapsed_us);
  const uint64_t nested_us = t_cache_work_us - nested_before;
  const uint64_t render_us = elapsed_us > nested_us ? elapsed_us - nested_us : 0;
  cost_us = render_us;

  StoreOptions store_options;
  store_options.timeout = options.timeout;
  store_options.label = step.name;
  store_options.slot = options.slot;
  store_options.tags = options.tags;
  store_options.cost_us = render_us;
  store_options.generation = session ? session->record.generation : 0;
  // Batched within a build session; a leased step is stored at once, because the lease
  // is released right after and waiters in other processes poll for the entry.
  const WritePath path = session && lease_key.empty() ? WritePath::batched : WritePath::direct;
  if (Status status = impl_->write(bkey, output, store_options, path); !status) return status;
  record(BuildSession::State::Use::miss, render_us);
  return output;
}

}  // namespace sitecache
