// One HTTP exchange: the request (method, URL, body, extra headers), and what came of it
// (how it ended, the status code, the response body).
//
// A Transfer is run by Client (client.hpp), which attaches it to a pooled curl easy handle
// for each attempt; between attempts it may be retried. The request body is borrowed: it
// must stay valid until the transfer is done.
//
// Response bodies: only a 2xx body is kept (error pages are counted, then dropped), up to
// 1 GiB (more is refused). A body that ends before its Content-Length, or a chunked body
// cut short, is never an answer: the outcome is `broken` and the bytes are discarded.
//
// Not thread-safe: one thread drives a Transfer.
#ifndef SITECACHE_PLUGINS_HTTP_TRANSFER_HPP
#define SITECACHE_PLUGINS_HTTP_TRANSFER_HPP

#include <curl/curl.h>

#include <string>
#include <string_view>
#include <vector>

#include "settings.hpp"

namespace sitecache_http {

enum class Method { get, put, remove, propfind, mkcol };

std::string_view method_name(Method method);

// How an attempt ended, as far as retries and the down window are concerned.
enum class Outcome {
  pending,      // not run yet
  answered,     // a complete response arrived: see http_status()
  unreachable,  // no connection (refused, no route, name not resolved): retried
  timed_out,    // connect_timeout_ms or timeout_ms passed: not retried
  broken,       // the connection failed mid-exchange (reset, closed, truncated): retried
  tls,          // TLS handshake or certificate check failed: not retried
  aborted,      // the body was refused: a consumer's verdict (malformed listing), over
                // 1 GiB, or no memory for it
  local,        // anything else (out of memory, a bad URL): not retried
  skipped,      // not sent: the server was found down by another transfer of the batch
};

// Receives a 207 (Multi-Status) answer's body piece by piece, instead of Transfer::body().
class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  // Called before each attempt: forget what an earlier attempt delivered.
  virtual void restart() = 0;
  // The next piece; false aborts the transfer (outcome aborted).
  virtual bool consume(std::string_view piece) = 0;
};

class Transfer {
 public:
  Transfer(Method method, std::string url) : method_(method), url_(std::move(url)) {}
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  void set_request_body(sp::Bytes body) { request_body_ = body; }
  void add_header(std::string line) { extra_headers_.push_back(std::move(line)); }
  // `consumer` is borrowed and must outlive the transfer.
  void set_consumer(BodyConsumer* consumer) { consumer_ = consumer; }

  Method method() const { return method_; }
  const std::string& url() const { return url_; }
  Outcome outcome() const { return outcome_; }
  long http_status() const { return http_status_; }
  bool answered_with(long status) const {
    return outcome_ == Outcome::answered && http_status_ == status;
  }
  // The response body of a 2xx answer (empty otherwise, and after a failed attempt).
  std::string& body() { return body_; }
  // The caller's number for this transfer (e.g. the index of its key), for handlers.
  void set_tag(size_t tag) { tag_ = tag; }
  size_t tag() const { return tag_; }
  int attempts() const { return attempts_; }
  // Whether another attempt may succeed: unreachable, broken, or a 500/502/503/504.
  bool retryable() const;

  // Why the transfer did not succeed, for a caller that rejects its outcome: UNAVAILABLE
  // for transport and TLS failures and 5xx (but 507), UNSUPPORTED for 405/501,
  // INVALID_ARGUMENT for 413, IO for a refused body and other statuses. The message names
  // method, URL and cause.
  sp::Status failure(const Settings& settings) const;

  // --- Used by Session ----------------------------------------------------------------------
  // Sets the options every request of a new easy handle shares (timeouts, TLS, auth,
  // callbacks). False when curl refuses one.
  static bool configure_handle(CURL* easy, const Settings& settings);
  // The headers every request sends ("Expect:", the bearer token); the caller owns the
  // list (curl_slist_free_all). nullptr when out of memory.
  static curl_slist* common_headers(const Settings& settings);
  // Configures a handle made by configure_handle for the next attempt of this transfer:
  // URL, method, body, headers (`common_headers` must outlive the attempt). False (and
  // outcome local) when curl refuses an option.
  bool attach(CURL* easy, const curl_slist* common_headers);
  // Records the end of the attempt on the attached handle.
  void complete(CURLcode code);
  // Marks the attempt as not sent, with the reason.
  void skip(std::string reason);
  // Lends the transfer a buffer for its response body (its capacity is reused), and
  // takes it back emptied, so that a session can recycle buffers between transfers.
  void lend_body_buffer(std::string buffer) {
    body_ = std::move(buffer);
    body_.clear();
  }
  std::string take_body_buffer() {
    body_.clear();
    return std::move(body_);
  }

 private:
  static size_t on_write(char* data, size_t size, size_t count, void* self);
  static size_t on_read(char* data, size_t size, size_t count, void* self);
  static int on_seek(void* self, curl_off_t offset, int origin);
  bool keeps_body();

  const Method method_;
  const std::string url_;
  sp::Bytes request_body_;
  std::vector<std::string> extra_headers_;
  BodyConsumer* consumer_ = nullptr;

  CURL* easy_ = nullptr;               // while attached
  curl_slist* own_headers_ = nullptr;  // common headers + extra_headers_, when there are any
  size_t read_offset_ = 0;
  int keep_state_ = -1;  // -1 unknown, 0 drop, 1 keep (decided on the first body byte)
  int64_t received_ = 0;
  std::string refusal_;  // why on_write ended the transfer; empty when it did not
  char error_text_[CURL_ERROR_SIZE] = {0};

  Outcome outcome_ = Outcome::pending;
  long http_status_ = 0;
  std::string detail_;  // the failure's cause in words
  std::string body_;
  int attempts_ = 0;
  size_t tag_ = 0;
};

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_TRANSFER_HPP
