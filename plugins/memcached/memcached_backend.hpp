// The "memcached" backend (libmemcached): entries on one or more memcached servers,
// spread by consistent (ketama) hashing, over the binary protocol.
//
// Options:
//   location              comma-separated servers, HOST[:PORT] (servers.hpp); empty means
//                         127.0.0.1:11211.
//   connect_timeout_ms    1..600000, default 200.
//   io_timeout_ms         1..600000, default 500: bound on each wait for a server to accept
//                         or answer (client.hpp).
//   retry_interval_ms     0..600000, default 1000: how long a failed server is skipped
//                         (whole seconds, rounded up).
//   pool_size             1..1024, default 8: idle clients kept between calls.
//   item_size_max         65536..1073741824, default 1048576: the servers' item size limit
//                         (memcached -I). Values that do not fit one item are chunked
//                         (chunks.hpp); 1 KiB per item is reserved for memcached's item
//                         header and our key.
//   namespace_refresh_ms  0..60000, default 250: how long a namespace generation is
//                         trusted before it is read again (generations.hpp): the bound on
//                         how late this handle sees another process's clear.
// Reserved options other than location are ignored: memcached enforces its own memory
// limit (-m) by LRU eviction, and read_only is enforced by the host.
// create() never connects: a handle is created while the servers are down and starts
// working when they come up.
//
// Semantics: keys are mapped to real keys by namespace generation (keys.hpp). set/add =
// memcached set/add; remove = delete (a chunked value's chunks are left to age out,
// chunks.hpp); get_many = one multi-get, where keys on a server that does not answer are
// misses (UNAVAILABLE only when no server answers); set_many = one set per item
// (libmemcached has no multi-set with per-item results). TTLs are rounded up to whole
// seconds (memcached's resolution; its clock ticks once a second, so an entry may go up to
// about a second early or late: the host checks expiry itself); a TTL over 30 days is sent
// as an absolute Unix time, as memcached requires, which assumes the clocks of client and
// server agree.
// touch reads the entry first (to find a chunked value's chunks), so it costs a get.
// clear(prefix) only accepts one whole namespace, "<name>:" with no other ':' (what the
// core passes); anything else is UNSUPPORTED, because memcached cannot select keys by a
// finer prefix. No scan: memcached cannot list keys, so SC_CAP_SCAN is not declared.
// stats: bytes and max_bytes are the sum over the servers (all their items, not only this
// cache's); entries is -1 (curr_items counts every client's items).
//
// Thread safety: SC_CAP_THREAD_SAFE; each call uses a pooled client of its own.
// Failures: UNAVAILABLE when a server cannot be reached, times out or is being skipped;
// never longer than connect_timeout_ms plus a few io_timeout_ms per call.
#ifndef SITECACHE_PLUGINS_MEMCACHED_BACKEND_HPP
#define SITECACHE_PLUGINS_MEMCACHED_BACKEND_HPP

#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "client.hpp"
#include "generations.hpp"
#include "sitecache/plugin_adapter.hpp"

namespace sitecache_memcached {

class MemcachedBackend {
 public:
  static constexpr std::string_view plugin_name = "memcached";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "shared memcached servers (libmemcached, ketama, binary protocol); chunks large values";
  static constexpr uint64_t plugin_flags =
      SC_CAP_THREAD_SAFE | SC_CAP_NATIVE_TTL | SC_CAP_PERSISTENT | SC_CAP_SHARED;

  // INVALID_ARGUMENT naming the option when one is unknown or malformed. Does not connect.
  static sp::Status create(const sp::Options& options, std::unique_ptr<MemcachedBackend>& out);
  // What create() checks of the options, without a handle.
  static sp::Status validate(const sp::Options& options);

  MemcachedBackend(std::unique_ptr<ClientPool> pool, size_t chunk_size, int refresh_ms)
      : pool_(std::move(pool)), chunk_size_(chunk_size), generations_(refresh_ms) {}

  sp::Status get(std::string_view key, sp::ValueSink& sink);
  sp::Status set(std::string_view key, sp::Bytes value, int64_t ttl_ms);
  sp::Status remove(std::string_view key);
  sp::Status get_many(std::span<const std::string_view> keys, sp::IndexedSink& sink);
  // Validates every item before storing any; stops at the first failure.
  sp::Status set_many(std::span<const sp::Item> items);
  sp::Status touch(std::string_view key, int64_t ttl_ms);
  sp::Status clear(std::string_view prefix);
  sp::Status stats(sp::Stats& out);
  sp::Status add(std::string_view key, sp::Bytes value, int64_t ttl_ms, bool& stored);

  // memcached's expiration for a TTL: 0 for none, else whole seconds rounded up, as an
  // absolute Unix time beyond 30 days. Public for the tests' sake.
  static time_t expiration_for(int64_t ttl_ms, time_t now);

 private:
  // The real key of host key `key` (its namespace's current generation folded in).
  sp::Status real_key(memcached_st* client, std::string_view key, std::string& out);
  // Stores `value` under real key `key`, chunked when it does not fit one item. With
  // only_if_absent the (head) item is added, and `stored` says whether it was.
  sp::Status write_value(memcached_st* client, const std::string& key, sp::Bytes value,
                         time_t expiration, bool only_if_absent, bool& stored);
  // The value of a fetched item: itself, or for a chunk head the reassembled chunks (in
  // `assembled`). not_found when chunks are gone or damaged (the head is then deleted).
  sp::Status complete(memcached_st* client, const std::string& key, uint32_t flags, sp::Bytes item,
                      std::string& assembled, sp::Bytes& value);

  std::unique_ptr<ClientPool> pool_;
  const size_t chunk_size_;  // largest value stored as one item
  Generations generations_;
};

}  // namespace sitecache_memcached

#endif  // SITECACHE_PLUGINS_MEMCACHED_BACKEND_HPP
