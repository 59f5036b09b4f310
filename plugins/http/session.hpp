// A curl multi handle and its easy handles: runs a batch of transfers concurrently over
// the multi handle's connection cache (kept-alive connections survive between batches).
//
// Not thread-safe: a session is used by one thread at a time (Client pools them).
#ifndef SITECACHE_PLUGINS_HTTP_SESSION_HPP
#define SITECACHE_PLUGINS_HTTP_SESSION_HPP

#include <curl/curl.h>

#include <memory>
#include <span>
#include <vector>

#include "settings.hpp"
#include "transfer.hpp"

namespace sitecache_http {

class Session {
 public:
  // nullptr when curl cannot allocate a multi handle.
  static std::unique_ptr<Session> make(size_t parallel);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs every transfer once, at most `settings.parallel` at a time, until each has an
  // outcome. After a timeout, the transfers still running or not started are cancelled
  // with outcome skipped. Returns within about timeout_ms per wave of parallel transfers.
  void perform(std::span<Transfer* const> transfers, const Settings& settings);

 private:
  explicit Session(CURLM* multi) : multi_(multi) {}
  // An idle easy handle, or a new one; nullptr when curl cannot allocate one.
  CURL* take_easy();

  CURLM* multi_;
  std::vector<CURL*> idle_;  // easy handles not attached to a transfer
  std::vector<CURL*> all_;   // every easy handle, for cleanup
};

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_SESSION_HPP
