#include "transfer.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace sitecache_http {

namespace {

// A response body is reserved up to this size from its Content-Length, so a lying header
// cannot make us allocate more than we receive.
constexpr int64_t kMaxReserve = 64 << 20;
// The largest response body kept: a server that sends more is refused rather than allowed
// to exhaust memory. Far above any render; nginx's client_max_body_size caps what is put.
constexpr size_t kMaxBody = size_t{1} << 30;
constexpr const char* kUserAgent = "sitecache-http/1.0";

Outcome classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return Outcome::unreachable;
    case CURLE_OPERATION_TIMEDOUT:
      return Outcome::timed_out;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_WEIRD_SERVER_REPLY:
      return Outcome::broken;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return Outcome::tls;
    default:
      return Outcome::local;
  }
}

// Sockets are close-on-exec: a host that starts subprocesses (renderers, compilers) must
// not hand them our kept-alive connections, which would then outlive our close().
curl_socket_t open_socket(void*, curlsocktype, curl_sockaddr* address) {
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// setopt that remembers the first failure.
struct Setter {
  CURL* easy;
  bool ok = true;
  template <class T>
  void operator()(CURLoption option, T value) {
    if (ok && curl_easy_setopt(easy, option, value) != CURLE_OK) ok = false;
  }
};

}  // namespace

std::string_view method_name(Method method) {
  switch (method) {
    case Method::get:
      return "GET";
    case Method::put:
      return "PUT";
    case Method::remove:
      return "DELETE";
    case Method::propfind:
      return "PROPFIND";
    case Method::mkcol:
      return "MKCOL";
  }
  return "?";
}

Transfer::~Transfer() {
  curl_slist_free_all(own_headers_);
}

bool Transfer::retryable() const {
  switch (outcome_) {
    case Outcome::unreachable:
    case Outcome::broken:
      return true;
    case Outcome::answered:
      return http_status_ == 500 || http_status_ == 502 || http_status_ == 503 ||
             http_status_ == 504;
    default:
      return false;
  }
}

bool Transfer::configure_handle(CURL* easy, const Settings& settings) {
  Setter set{easy};
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_USERAGENT, kUserAgent);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout_ms));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout_ms));
  set(CURLOPT_OPENSOCKETFUNCTION, &open_socket);
  set(CURLOPT_TCP_NODELAY, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  set(CURLOPT_READFUNCTION, &Transfer::on_read);
  set(CURLOPT_SEEKFUNCTION, &Transfer::on_seek);
  // With no proxy variable in the environment, say so once: curl would otherwise look
  // them all up again for every request.
  if (!settings.proxy_from_environment) set(CURLOPT_PROXY, "");
  if (settings.tls == TlsVerify::skip) {
    set(CURLOPT_SSL_VERIFYPEER, 0L);
    set(CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!settings.ca_file.empty()) set(CURLOPT_CAINFO, settings.ca_file.c_str());
  if (!settings.username.empty()) {
    set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    set(CURLOPT_USERNAME, settings.username.c_str());
    set(CURLOPT_PASSWORD, settings.password.c_str());
  }
  return set.ok;
}

curl_slist* Transfer::common_headers(const Settings& settings) {
  // No "Expect: 100-continue" round trip before a body: servers answer PUT at once.
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  if (headers != nullptr && !settings.bearer_token.empty()) {
    const std::string line = "Authorization: Bearer " + settings.bearer_token;
    curl_slist* more = curl_slist_append(headers, line.c_str());
    if (more == nullptr) {
      curl_slist_free_all(headers);
      return nullptr;
    }
    headers = more;
  }
  return headers;
}

bool Transfer::attach(CURL* easy, const curl_slist* common_headers) {
  easy_ = easy;
  ++attempts_;
  outcome_ = Outcome::pending;
  http_status_ = 0;
  detail_.clear();
  body_.clear();
  read_offset_ = 0;
  keep_state_ = -1;
  received_ = 0;
  refusal_.clear();
  error_text_[0] = '\0';
  if (consumer_ != nullptr) consumer_->restart();

  Setter set{easy};
  const curl_slist* headers = common_headers;
  if (!extra_headers_.empty() && own_headers_ == nullptr) {
    for (const curl_slist* line = common_headers; line != nullptr; line = line->next) {
      own_headers_ = curl_slist_append(own_headers_, line->data);
    }
    for (const std::string& line : extra_headers_) {
      own_headers_ = curl_slist_append(own_headers_, line.c_str());
    }
    if (own_headers_ == nullptr) set.ok = false;
  }
  if (own_headers_ != nullptr) headers = own_headers_;
  set(CURLOPT_URL, url_.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(this));
  set(CURLOPT_ERRORBUFFER, error_text_);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  set(CURLOPT_HTTPHEADER, headers);
  // The handle served other requests before: undo their method first. HTTPGET also
  // turns off UPLOAD and NOBODY; POSTFIELDS would make it a POST, so it goes before.
  set(CURLOPT_CUSTOMREQUEST, static_cast<const char*>(nullptr));
  set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(-1));
  set(CURLOPT_POSTFIELDS, static_cast<const char*>(nullptr));
  set(CURLOPT_HTTPGET, 1L);
  switch (method_) {
    case Method::get:
      break;
    case Method::put:
      set(CURLOPT_UPLOAD, 1L);
      set(CURLOPT_READDATA, static_cast<void*>(this));
      set(CURLOPT_SEEKDATA, static_cast<void*>(this));
      set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request_body_.size()));
      break;
    case Method::propfind:
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_body_.size()));
      set(CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(request_body_.data()));
      set(CURLOPT_CUSTOMREQUEST, "PROPFIND");
      break;
    case Method::remove:
      set(CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
    case Method::mkcol:
      set(CURLOPT_CUSTOMREQUEST, "MKCOL");
      break;
  }
  if (!set.ok) {
    outcome_ = Outcome::local;
    detail_ = "could not configure the request";
  }
  return set.ok;
}

bool Transfer::keeps_body() {
  if (keep_state_ < 0) {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    keep_state_ = status >= 200 && status < 300 ? 1 : 0;
    curl_off_t length = -1;
    if (keep_state_ == 1 && !consumer_ &&
        curl_easy_getinfo(easy_, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
        length > 0) {
      body_.reserve(static_cast<size_t>(std::min<int64_t>(length, kMaxReserve)));
    }
  }
  return keep_state_ == 1;
}

// Runs inside libcurl (C): nothing may throw through it, so failures become a refusal
// that ends the transfer (CURLE_WRITE_ERROR) with the reason in `refusal_`.
size_t Transfer::on_write(char* data, size_t size, size_t count, void* self_raw) {
  auto* self = static_cast<Transfer*>(self_raw);
  const size_t bytes = size * count;
  self->received_ += static_cast<int64_t>(bytes);
  try {
    if (!self->keeps_body()) return bytes;
    if (self->consumer_) {
      long status = 0;
      curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &status);
      if (status != 207) return bytes;
      if (self->consumer_->consume(std::string_view(data, bytes))) return bytes;
      self->refusal_ = "the response body was refused";
      return 0;
    }
    if (self->body_.size() + bytes > kMaxBody) {
      self->refusal_ = "the response body is larger than " + std::to_string(kMaxBody) + " bytes";
      return 0;
    }
    self->body_.append(data, bytes);
    return bytes;
  } catch (...) {
    self->refusal_ = "out of memory for the response body";
    return 0;
  }
}

size_t Transfer::on_read(char* data, size_t size, size_t count, void* self_raw) {
  auto* self = static_cast<Transfer*>(self_raw);
  const size_t left = self->request_body_.size() - self->read_offset_;
  const size_t bytes = std::min(left, size * count);
  if (bytes > 0) std::memcpy(data, self->request_body_.data() + self->read_offset_, bytes);
  self->read_offset_ += bytes;
  return bytes;
}

// curl rewinds the body when it resends a request on a new connection (a kept-alive
// connection the server had closed).
int Transfer::on_seek(void* self_raw, curl_off_t offset, int origin) {
  auto* self = static_cast<Transfer*>(self_raw);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<size_t>(offset) > self->request_body_.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  self->read_offset_ = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

void Transfer::complete(CURLcode code) {
  CURL* easy = easy_;
  easy_ = nullptr;
  if (code == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http_status_);
    curl_off_t expected = -1;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
    // curl already fails a body cut short (CURLE_PARTIAL_FILE); this is the second check
    // that a truncated value can never be delivered.
    if (expected >= 0 && expected != received_) {
      outcome_ = Outcome::broken;
      detail_ = "the body has " + std::to_string(received_) + " bytes, Content-Length says " +
                std::to_string(expected);
      body_.clear();
      return;
    }
    outcome_ = Outcome::answered;
    return;
  }
  body_.clear();
  if (!refusal_.empty()) {
    outcome_ = Outcome::aborted;
    detail_ = refusal_;
    return;
  }
  outcome_ = classify(code);
  detail_ = error_text_[0] != '\0' ? error_text_ : curl_easy_strerror(code);
}

void Transfer::skip(std::string reason) {
  easy_ = nullptr;
  outcome_ = Outcome::skipped;
  detail_ = std::move(reason);
  body_.clear();
}

sp::Status Transfer::failure(const Settings& settings) const {
  std::string prefix = std::string(method_name(method_)) + " " + url_ + ": ";
  const std::string tries =
      attempts_ > 1 ? " (after " + std::to_string(attempts_) + " attempts)" : "";
  switch (outcome_) {
    case Outcome::answered:
      break;
    case Outcome::timed_out:
      return sp::Status(sp::Code::unavailable,
                        prefix + detail_ + " (connect_timeout_ms = " +
                            std::to_string(settings.connect_timeout_ms) +
                            ", timeout_ms = " + std::to_string(settings.timeout_ms) + ")");
    case Outcome::unreachable:
    case Outcome::broken:
    case Outcome::skipped:
      return sp::Status(sp::Code::unavailable, prefix + detail_ + tries);
    case Outcome::tls:
      return sp::Status(sp::Code::unavailable,
                        prefix + detail_ + " (TLS: see the options ca_file and verify_tls)");
    case Outcome::aborted:
      return sp::Status(sp::Code::io, prefix + detail_);
    case Outcome::pending:
    case Outcome::local:
      return sp::Status(sp::Code::internal, prefix + detail_);
  }
  const long s = http_status_;
  prefix += "HTTP " + std::to_string(s);
  if (s == 401 || s == 403 || s == 407) {
    return sp::Status(sp::Code::io, prefix +
                                        ": access denied (check token_env, or username "
                                        "and password_env)");
  }
  if (s == 405 || s == 501) {
    return sp::Status(sp::Code::unsupported, prefix + ": the server does not allow " +
                                                 std::string(method_name(method_)) + " here");
  }
  if (s == 413) {
    return sp::Status(sp::Code::invalid_argument,
                      prefix +
                          ": the value is too large for the server (nginx: raise "
                          "client_max_body_size)");
  }
  if (s >= 300 && s < 400) {
    return sp::Status(sp::Code::io,
                      prefix + ": redirects are not followed; set location to the final URL");
  }
  if (s >= 500 && s != 507) return sp::Status(sp::Code::unavailable, prefix + tries);
  return sp::Status(sp::Code::io, prefix + tries);
}

}  // namespace sitecache_http
