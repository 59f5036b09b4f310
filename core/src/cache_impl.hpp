// Internal state of a Cache: settings, the lazily created backend, counters, and the
// failure policy shared by every operation.
#ifndef SITECACHE_CACHE_IMPL_HPP
#define SITECACHE_CACHE_IMPL_HPP

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>

#include "backend.hpp"
#include "entry_format.hpp"
#include "sitecache/cache.hpp"
#include "write_batch.hpp"

namespace sitecache {

int64_t now_ms();

// How a store reaches the backend.
enum class WritePath {
  direct,   // now, in its own backend call
  batched,  // queued in the write batch when the cache allows it (on_error = "miss")
};

// One entry as a backend delivers it (Store::get_into): the parts decoding needs are
// verified and copied out of the backend's bytes once; decompressed after the call.
struct TakenEntry {
  bool delivered = false;
  int64_t stored_size = 0;  // envelope bytes
  Result<VerifiedEntry> entry = Status(StatusCode::corruption, "no bytes");

  // Replaces whatever an earlier delivery left.
  void take(std::span<const uint8_t> bytes) {
    delivered = true;
    stored_size = static_cast<int64_t>(bytes.size());
    entry = take_entry(bytes);
  }
  // The verified entry, or corruption (also when nothing was delivered).
  Result<DecodedEntry> finish() {
    if (!entry) return entry.status();
    return finish_entry(std::move(*entry));
  }
};

struct Cache::Impl {
  Impl(CacheConfig settings, const Config& config, WarningSink warnings);
  ~Impl();  // flushes the write batch
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  CacheConfig settings;
  Config config;  // plugin path and base dir
  WarningSink warnings;

  std::mutex backend_mutex;
  std::unique_ptr<Store> backend;  // set once, then immutable
  std::atomic<bool> backend_ready{false};
  Status backend_failure;  // set once when creation failed

  std::atomic<bool> warned{false};
  struct {
    std::atomic<uint64_t> hits{0}, misses{0}, sets{0}, deletes{0}, errors{0}, corrupt{0},
        bytes_read{0}, bytes_written{0};
  } counters;

  // The backend, or the reason there is none (creation is attempted once per process).
  // acquire() first flushes the write batch, so the caller sees every store made so far;
  // acquire_store() does not (for reads, which look in the batch themselves, and for
  // operations on keys that are never batched, such as leases).
  Result<Store*> acquire();
  Result<Store*> acquire_store();

  // Stores batched by build sessions (write_batch.hpp).
  WriteBatch batch{WriteBatch::Limits{}};
  // Writes everything queued. Failures follow on_error "miss" (batching is off with
  // "fail"): counted and warned once. Waits for a flush another thread is running.
  void flush_batch();
  // Flushes unless another thread already is.
  void flush_batch_if_idle();
  // One plugin backend, or a TieredStore over the caches named in settings.levels.
  Result<std::unique_ptr<Store>> open_store();

  // Applies on_error to a backend failure: with "miss" counts it, warns once and
  // returns Status::ok(); with "fail" counts it and returns it.
  Status degrade(const Status& failure, std::string_view operation);

  // In-process single-flight: the callers rendering a key right now. The leader
  // publishes its outcome through the shared future; followers wait on it.
  struct FlightResult {
    Result<std::string> value = Status(StatusCode::internal, "unset");
    uint64_t cost_us = 0;
  };
  struct Flight {
    std::shared_future<FlightResult> result;
    size_t followers = 0;  // the leader copies its value into the future only for them
  };
  std::mutex flights_mutex;
  std::map<Digest, Flight> flights;

  // The open build session, if any (memoize records into it).
  std::mutex session_mutex;
  std::shared_ptr<BuildSession::State> session;
  std::shared_ptr<BuildSession::State> current_session() {
    std::lock_guard lock(session_mutex);
    return session;
  }

  // Reads and verifies one entry (the write batch first): a miss for absent, expired or
  // corrupt entries (corrupt ones are removed unless read_only).
  Result<std::optional<StoredValue>> read(std::string_view backend_key);
  Status write(std::string_view backend_key, std::string_view value, const StoreOptions& options,
               WritePath path = WritePath::direct);
  // Stores already encoded entry bytes without expiry (build records). Honours read_only
  // and on_error like write().
  Status write_raw(std::string_view backend_key, std::string_view encoded);

  // Milliseconds to hand the backend for a resolved timeout (0 = none), and the
  // envelope's expires_ms.
  static int64_t ttl_ms(Timeout resolved);
  static int64_t expires_at(Timeout resolved, int64_t now);
  Timeout resolve(Timeout timeout) const { return timeout.or_default(settings.timeout); }

  PayloadCompression compression() const {
    return settings.compress == Compression::zstd ? PayloadCompression::zstd
                                                  : PayloadCompression::none;
  }
  Status read_only_error(std::string_view operation) const;
  EntryInfo info_from(std::string_view key, const EntryMeta& meta, int64_t stored_size) const;
};

}  // namespace sitecache

#endif  // SITECACHE_CACHE_IMPL_HPP
