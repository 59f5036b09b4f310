// Internal state of a Cache and the operations the core builds on.
//
// Two kinds of operations live here:
//   - internal operations (read, write, add_key, remove_key, ...) return a backend failure
//     as it is. Build sessions, maintenance and memoization call them and decide per
//     call what a failure means;
//   - the public boundary (settle, degrade) applies on_error: under "miss" a failure is
//     counted, warned about once and becomes a miss; under "fail" it is counted and
//     returned. Only the public Cache methods settle.
//
// Thread safety: every member function may be called from any thread.
#ifndef SITECACHE_CACHE_CACHE_IMPL_HPP
#define SITECACHE_CACHE_CACHE_IMPL_HPP

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>

#include "base/clock.hpp"
#include "format/entry_format.hpp"
#include "format/key_space.hpp"
#include "sitecache/cache.hpp"
#include "storage/plugin_store.hpp"
#include "storage/write_batch.hpp"

namespace sitecache {

// How to store one value.
struct StoreOptions {
  Timeout timeout;  // cache default when unset
  std::string label;
  std::string slot;
  std::vector<std::string> tags;
  uint64_t cost_us = 0;
  uint64_t generation = 0;
  int64_t created_ms = 0;  // 0: now (a rewrite such as touch keeps the original)
  // A file step's manifest (memo/manifest.hpp) and the blobs it references.
  bool files = false;
  std::vector<Digest> references;
};

// A verified entry and what its envelope says.
struct StoredValue {
  std::string value;
  EntryInfo info;
};

// Whether a read counts in the cache's hits and misses: lookups of values do; the core's
// own reads of build records and of what maintenance lists do not.
enum class Counting { yes, no };

// How a store reaches the backend.
enum class WritePath {
  direct,   // now, in its own backend call
  batched,  // queued in the write batch when the cache allows it (on_error = "miss")
};

// One entry as a backend delivers it (Store::get_into): the parts decoding needs are
// verified and copied out of the backend's bytes once; decompressed after the call.
struct TakenEntry {
  explicit TakenEntry(uint64_t max_value_size_in) : max_value_size(max_value_size_in) {}
  uint64_t max_value_size;  // the cache's: a larger value is refused before it is copied
  bool delivered = false;
  int64_t stored_size = 0;  // envelope bytes
  Result<VerifiedEntry> entry = Status(StatusCode::corruption, "no bytes");

  // Replaces whatever an earlier delivery left.
  void take(std::span<const uint8_t> bytes) {
    delivered = true;
    stored_size = static_cast<int64_t>(bytes.size());
    entry = take_entry(bytes, max_value_size);
  }
  // The verified entry, or corruption (also when nothing was delivered).
  Result<DecodedEntry> finish() {
    if (!entry) return entry.status();
    return finish_entry(std::move(*entry));
  }
};

struct CacheImpl {
  CacheImpl(CacheConfig settings, const Config& config, WarningSink warnings);
  ~CacheImpl();  // flushes the write batch
  CacheImpl(const CacheImpl&) = delete;
  CacheImpl& operator=(const CacheImpl&) = delete;

  CacheConfig settings;
  Config config;  // plugin path and base dir
  WarningSink warnings;
  KeySpace keys;  // every backend key this cache uses

  // --- The backend ----------------------------------------------------------------------
  // The backend, or the reason there is none (creation is attempted once per process).
  // acquire() first flushes the write batch, so the caller sees every store made so far;
  // acquire_store() does not (for reads, which look in the batch themselves, and for
  // operations on keys that are never batched, such as leases).
  Result<Store*> acquire();
  Result<Store*> acquire_store();
  // Whether the backend has a capability (false when it failed to open).
  bool has(Capability capability);

  // --- Internal operations: failures returned as they are ---------------------------------
  // Reads and verifies one entry (the write batch first): nullopt for absent, expired or
  // corrupt entries (corrupt ones are removed unless read_only). Counts corrupt entries,
  // and hits and misses with Counting::yes; a backend failure is returned and counts
  // nothing.
  Result<std::optional<StoredValue>> read(std::string_view backend_key,
                                          Counting counting = Counting::yes);
  // Encodes and stores (or queues) one entry; nothing under read_only.
  Status write(std::string_view backend_key, std::string_view value, const StoreOptions& options,
               WritePath path = WritePath::direct);
  // Stores already encoded entry bytes without expiry (build records); nothing under
  // read_only.
  Status write_raw(std::string_view backend_key, std::string_view encoded);
  // Atomic add of encoded entry bytes where the backend has add; false when an entry is
  // present. An entry that is present but expired or corrupt is removed and the add
  // retried once.
  Result<bool> add_key(std::string_view backend_key, std::string_view encoded, Timeout timeout);
  // true when something was removed.
  Result<bool> remove_key(std::string_view backend_key);
  // Removes every key of this cache's key space.
  Status clear_keys();
  // Visits every entry and blob of this cache (KeyKind::entry, KeyKind::blob), decoding
  // each envelope; corrupt ones are skipped and counted. unsupported when the backend
  // cannot scan.
  Status scan_entries(const std::function<bool(const EntryInfo&)>& visit);

  // --- The public boundary: on_error -----------------------------------------------------
  // With "miss": counts the failure, warns once and returns Status::ok(). With "fail":
  // counts it and returns it.
  Status degrade(const Status& failure, std::string_view operation);
  Status settle(Status status, std::string_view operation) {
    return status ? status : degrade(status, operation);
  }
  // A failed result becomes `miss` under "miss".
  template <class T>
  Result<T> settle(Result<T> result, std::string_view operation, T miss) {
    if (result) return result;
    if (Status failed = degrade(result.status(), operation); !failed) return failed;
    return miss;
  }
  // read() at the public boundary: a backend failure is a miss (counted) under "miss".
  Result<std::optional<StoredValue>> lookup(std::string_view backend_key);

  // --- Write batching (write_batch.hpp) --------------------------------------------------
  // Writes everything queued. Failures follow on_error "miss" (batching is off with
  // "fail"): counted and warned once. Waits for a flush another thread is running.
  void flush_batch();
  // Flushes unless another thread is already flushing (then that flush will do).
  void try_flush_batch();

  // --- Helpers ---------------------------------------------------------------------------
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
  // One plugin backend, or a TieredStore over the caches named in settings.levels.
  Result<std::unique_ptr<Store>> open_store();

  // --- State -----------------------------------------------------------------------------
  std::mutex backend_mutex;
  std::unique_ptr<Store> backend;  // set once, then immutable
  std::atomic<bool> backend_ready{false};
  Status backend_failure;  // set once when creation failed

  std::atomic<bool> warned{false};
  std::atomic<bool> warned_rejected{false};  // one warning per process for rejected reads
  struct {
    std::atomic<uint64_t> hits{0}, misses{0}, sets{0}, deletes{0}, errors{0}, corrupt{0},
        bytes_read{0}, bytes_written{0}, rejected{0};
  } counters;
  void count(std::atomic<uint64_t>& counter, uint64_t by = 1) {
    counter.fetch_add(by, std::memory_order_relaxed);
  }

  // Stores batched by build sessions.
  WriteBatch batch{WriteBatch::Limits{}};

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
};

// The deliberate seam between the public Cache and BuildSession and the core code that
// works below them (build sessions, maintenance, memoization). Nothing outside core/src
// can name it.
class CacheInternals {
 public:
  static CacheImpl& of(Cache& cache) { return *cache.impl_; }
  static const CacheImpl& of(const Cache& cache) { return *cache.impl_; }
  static BuildSession make_session(std::shared_ptr<BuildSession::State> state) {
    return BuildSession(std::move(state));
  }
  static const std::shared_ptr<BuildSession::State>& state_of(const BuildSession& session) {
    return session.state_;
  }
};

}  // namespace sitecache

#endif  // SITECACHE_CACHE_CACHE_IMPL_HPP
