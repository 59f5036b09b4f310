// Cross-process single flight (single_flight = "shared"): the first process to add a
// lease key renders a step; the others poll for its entry. Used by memoize and the file
// steps alike.
#ifndef SITECACHE_MEMO_LEASE_HPP
#define SITECACHE_MEMO_LEASE_HPP

#include <optional>
#include <string>

#include "cache/cache_impl.hpp"

namespace sitecache {

// A lease on one key, released (removed) on destruction when held.
class Lease {
 public:
  explicit Lease(CacheImpl& impl) : impl_(impl) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    if (!key_.empty()) (void)impl_.remove_key(key_);
  }
  void hold(std::string key) { key_ = std::move(key); }
  bool held() const { return !key_.empty(); }

 private:
  CacheImpl& impl_;
  std::string key_;
};

// Whether the cache shares renders across processes: single_flight = "shared" on a
// writable backend that can add atomically and is shared.
bool leases_apply(CacheImpl& impl);

// Takes the lease on `key`, or waits (bounded) for its holder to store `backend_key`.
// The holder's entry when it arrived; nullopt when this process is to render (holding the
// lease when it got it). A failure only under on_error = "fail".
Result<std::optional<StoredValue>> lease_or_wait(CacheImpl& impl, const Digest& key,
                                                 const std::string& backend_key, Lease& lease);

}  // namespace sitecache

#endif  // SITECACHE_MEMO_LEASE_HPP
