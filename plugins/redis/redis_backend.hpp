// The "redis" backend: entries are plain redis strings, one key per entry, in one db.
//
// Options:
//   location             redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or
//                        unix://[[USER]:PASSWORD@]/PATH[?db=DB] (location.hpp); empty means
//                        redis://127.0.0.1:6379/0.
//   connect_timeout_ms   1..600000, default 200: bound on establishing a connection
//                        (TCP/unix connect, then AUTH/SELECT count as a command).
//   command_timeout_ms   1..600000, default 500: bound on one exchange, from the first byte
//                        sent to the last byte of the reply (a pipeline of up to
//                        kPipelineCommands commands or kPipelineBytes bytes is one
//                        exchange).
//   retry_interval_ms    0..600000, default 1000: after a failed connect or a timeout, calls
//                        fail at once with UNAVAILABLE for this long (pool.hpp).
//   pool_size            1..1024, default 8: idle connections kept between calls.
// Reserved options other than location are ignored: limits are the server's business
// (maxmemory, eviction policy), and read_only is enforced by the host.
// create() never connects, so a handle is created even while the server is down and
// starts working when it comes up.
//
// Semantics: set = SET [PX ttl]; add = SET NX [PX ttl]; remove = DEL; touch = PEXPIRE, or
// PERSIST for ttl 0; get_many = MGET; set_many = pipelined SETs; scan = SCAN MATCH with the
// prefix's glob characters escaped (never KEYS, which blocks the server), cursor = redis's
// cursor; clear = SCAN + DEL in batches (never FLUSHDB: the db may hold other caches and
// other applications' keys).
//
// stats: bytes = INFO used_memory and max_bytes = maxmemory (-1 when unlimited) are the
// whole server's, not this cache's; entries is -1, because DBSIZE counts every key of the
// db (other caches, other applications) and counting one prefix would mean a full SCAN.
//
// Thread safety: SC_CAP_THREAD_SAFE. Every call runs on a pooled connection of its own.
// Failures: UNAVAILABLE when the server cannot be reached or times out (pool.hpp bounds
// every call); error replies are mapped by error_reply_status (connection.hpp).
#ifndef SITECACHE_PLUGINS_REDIS_BACKEND_HPP
#define SITECACHE_PLUGINS_REDIS_BACKEND_HPP

#include <memory>
#include <span>
#include <string_view>

#include "pool.hpp"
#include "sitecache/plugin_adapter.hpp"

namespace sitecache_redis {

// Pipelines are cut into exchanges of at most this many commands or bytes, so one
// exchange stays within command_timeout_ms on an ordinary network and a huge batch does
// not build one huge buffer.
constexpr size_t kPipelineCommands = 256;
constexpr size_t kPipelineBytes = 4 * 1024 * 1024;

class RedisBackend {
 public:
  static constexpr std::string_view plugin_name = "redis";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "shared redis server (hiredis): native TTL, pipelined batches, SCAN-based listing";
  static constexpr uint64_t plugin_flags =
      SC_CAP_THREAD_SAFE | SC_CAP_NATIVE_TTL | SC_CAP_PERSISTENT | SC_CAP_SHARED;

  // INVALID_ARGUMENT naming the option when one is unknown or malformed. Does not connect.
  static sp::Status create(const sp::Options& options, std::unique_ptr<RedisBackend>& out);
  // What create() checks of the options, without a handle.
  static sp::Status validate(const sp::Options& options);

  explicit RedisBackend(PoolSettings settings) : pool_(std::move(settings)) {}

  sp::Status get(std::string_view key, sp::ValueSink& sink);
  sp::Status set(std::string_view key, sp::Bytes value, int64_t ttl_ms);
  sp::Status remove(std::string_view key);
  sp::Status get_many(std::span<const std::string_view> keys, sp::IndexedSink& sink);
  // Validates every item before sending any. Not atomic: on a failure midway, earlier
  // exchanges are stored.
  sp::Status set_many(std::span<const sp::Item> items);
  sp::Status touch(std::string_view key, int64_t ttl_ms);
  sp::Status clear(std::string_view prefix);
  // One call runs SCAN rounds until it has found at least one key under the prefix or
  // the scan is complete (at most kScanRounds rounds, so a call stays bounded when the
  // prefix is rare), then reads sizes and expiry (or values) of the batch in one
  // pipeline. Keys removed meanwhile are skipped. When the visitor stops, the cursor
  // points after the current batch.
  sp::Status scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint, sp::ScanMode mode,
                  sp::ScanVisitor& visitor);
  sp::Status stats(sp::Stats& out);
  sp::Status add(std::string_view key, sp::Bytes value, int64_t ttl_ms, bool& stored);

 private:
  // Appends SET key value [NX] [PX ttl] to `connection`'s queue.
  static void append_set(Connection& connection, std::string_view key, sp::Bytes value,
                         int64_t ttl_ms, bool only_if_absent);
  Pool pool_;
};

// The SCAN MATCH pattern selecting exactly the keys that start with `prefix`: the
// prefix with '*', '?', '[', ']' and '\' escaped, then '*'.
std::string match_pattern(std::string_view prefix);

}  // namespace sitecache_redis

#endif  // SITECACHE_PLUGINS_REDIS_BACKEND_HPP
