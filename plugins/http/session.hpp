// A curl multi handle and its easy handles: runs a batch of transfers concurrently over
// the multi handle's connection cache (kept-alive connections survive between batches).
//
// Not thread-safe: a session is used by one thread at a time (Client pools them).
#ifndef SITECACHE_PLUGINS_HTTP_SESSION_HPP
#define SITECACHE_PLUGINS_HTTP_SESSION_HPP

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "settings.hpp"
#include "transfer.hpp"

namespace sitecache_http {

class Session {
 public:
  // nullptr when curl cannot allocate a multi handle. `settings` must outlive the session.
  static std::unique_ptr<Session> make(const Settings& settings);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs every transfer once, at most `parallel` at a time, until each has an
  // outcome. After a timeout, the transfers still running or not started are cancelled
  // with outcome skipped. Returns within about timeout_ms per wave of parallel transfers.
  // With a handler, each final answer is handed to it at once and the transfer's body
  // buffer is then recycled (Client::AnswerHandler).
  void perform(std::span<Transfer* const> transfers,
               const std::function<void(Transfer&)>& on_answer);

 private:
  Session(CURLM* multi, curl_slist* headers, const Settings& settings)
      : multi_(multi), headers_(headers), settings_(settings) {}
  // An idle easy handle, or a new configured one; nullptr when curl cannot make one.
  CURL* take_easy();

  // Keeps `buffer` for another transfer unless enough are kept or it is very large.
  void recycle(std::string buffer, size_t parallel);

  CURLM* multi_;
  curl_slist* headers_;  // Transfer::common_headers, owned
  const Settings& settings_;
  std::vector<CURL*> idle_;                 // easy handles not attached to a transfer
  std::vector<CURL*> all_;                  // every easy handle, for cleanup
  std::vector<std::string> spare_buffers_;  // emptied response buffers
};

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_SESSION_HPP
