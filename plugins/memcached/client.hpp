// libmemcached clients for one handle: a configured master and a pool of its clones, plus
// the mapping of libmemcached return codes to plugin statuses.
//
// Thread safety: a memcached_st is not thread-safe, so each call takes a clone of its own
// from the pool (a mutex guards only the idle list and clone creation, never I/O). Clones
// carry the master's behaviours and server list; each keeps its own connections and its
// own record of failed servers. At most max_idle clones are kept between calls.
//
// Timeouts and dead servers (set on the master, so on every clone):
//   CONNECT_TIMEOUT = connect_timeout_ms; POLL_TIMEOUT, SND_TIMEOUT, RCV_TIMEOUT =
//   io_timeout_ms (non-blocking I/O, so every wait is a poll bounded by it). After a
//   failure, a server is skipped for retry_interval_ms, rounded up to whole seconds (the
//   granularity of libmemcached's RETRY_TIMEOUT): calls whose key lives on it fail at once
//   with UNAVAILABLE instead of waiting for a timeout again; the first call after that
//   window tries it again, so the same handle recovers when the server comes back.
//   (libmemcached compares whole seconds: the window is between N and N + 1 seconds, and
//   0 still skips the server until the next second begins.)
//   Failed servers are not ejected from the ring (AUTO_EJECT_HOSTS off): ejecting would
//   move keys to other servers in this process only, and different clients would then
//   disagree on placement; a dead server's keys are misses instead.
#ifndef SITECACHE_PLUGINS_MEMCACHED_CLIENT_HPP
#define SITECACHE_PLUGINS_MEMCACHED_CLIENT_HPP

#include <libmemcached/memcached.h>

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "servers.hpp"

namespace sitecache_memcached {

struct ClientSettings {
  std::vector<Server> servers;
  int connect_timeout_ms = 200;
  int io_timeout_ms = 500;
  int retry_interval_ms = 1000;
  size_t max_idle = 8;
};

// SUCCESS -> ok, NOTFOUND -> not_found; connection failures, timeouts and skipped servers
// -> UNAVAILABLE; E2BIG, bad keys -> INVALID_ARGUMENT; server out of memory -> IO;
// anything else INTERNAL. The message names `what` and libmemcached's own description
// (which includes the server).
sp::Status status_of(const memcached_st* client, memcached_return_t rc, std::string_view what);

class ClientPool {
 public:
  // Builds the master; fails with INTERNAL only when libmemcached refuses a server or a
  // behaviour (out of memory, or a bug here).
  static sp::Status create(const ClientSettings& settings, std::unique_ptr<ClientPool>& out);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // A clone for the duration of one call; returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(ClientPool& pool, memcached_st* client) : pool_(pool), client_(client) {}
    ~Lease() { pool_.release(client_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    memcached_st* get() const { return client_; }

   private:
    ClientPool& pool_;
    memcached_st* client_;
  };
  // Throws std::bad_alloc when no clone can be made (the adapter turns it into INTERNAL).
  Lease acquire();

 private:
  ClientPool(memcached_st* master, size_t max_idle) : master_(master), max_idle_(max_idle) {}
  void release(memcached_st* client);

  std::mutex mutex_;
  memcached_st* master_;  // configured once, only ever cloned
  size_t max_idle_;
  std::vector<memcached_st*> idle_;
};

}  // namespace sitecache_memcached

#endif  // SITECACHE_PLUGINS_MEMCACHED_CLIENT_HPP
