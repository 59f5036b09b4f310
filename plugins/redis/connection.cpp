// Connection: connect with a deadline, RESP formatting, and the poll loop of exchange().
#include "connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <new>

namespace sitecache_redis {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReceiveChunk = 64 * 1024;
constexpr size_t kKeptSendBuffer = 1024 * 1024;

int ms_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

std::string errno_text(int error) {
  return std::strerror(error);
}

sp::Status unavailable(const std::string& peer, const std::string& what) {
  return sp::Status(sp::Code::unavailable, peer + ": " + what);
}

// Waits for a non-blocking connect() on `fd` to finish. 0 or an errno value.
int finish_connect(int fd, Clock::time_point deadline) {
  pollfd p{fd, POLLOUT, 0};
  for (;;) {
    int ready = poll(&p, 1, ms_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return errno;
    if (ready == 0) return ETIMEDOUT;
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
  }
}

// A connected non-blocking socket, or -1 with `error` describing why not.
int connect_socket(const sockaddr* address, socklen_t length, Clock::time_point deadline,
                   std::string& error) {
  int fd = socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = "socket: " + errno_text(errno);
    return -1;
  }
  int result = connect(fd, address, length) == 0 ? 0 : errno;
  if (result == EINPROGRESS) result = finish_connect(fd, deadline);
  if (result != 0) {
    error = result == ETIMEDOUT ? "connect timed out" : "connect: " + errno_text(result);
    close(fd);
    return -1;
  }
  if (address->sa_family != AF_UNIX) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

// Tries every address of the endpoint until one connects. Name resolution is the one step
// not bounded by the deadline (getaddrinfo has no timeout); numeric addresses skip it.
int connect_endpoint(const Endpoint& endpoint, Clock::time_point deadline, std::string& error) {
  if (endpoint.kind == Endpoint::Kind::unix_socket) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, endpoint.path.c_str(), endpoint.path.size() + 1);
    return connect_socket(reinterpret_cast<const sockaddr*>(&address), sizeof(address), deadline,
                          error);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(endpoint.port);
  int rc = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    error = "cannot resolve '" + endpoint.host + "': " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = connect_socket(a->ai_addr, a->ai_addrlen, deadline, error);
    if (ms_until(deadline) == 0) break;
  }
  freeaddrinfo(found);
  return fd;
}

void append_length_line(std::string& out, char kind, size_t n) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof(digits), n);
  out += kind;
  out.append(digits, result.ptr);
  out += "\r\n";
}

bool starts_with_word(const redisReply& reply, std::string_view word) {
  std::string_view text(reply.str, reply.len);
  return text.starts_with(word) && (text.size() == word.size() || text[word.size()] == ' ');
}

}  // namespace

sp::Status error_reply_status(const redisReply& reply, std::string_view context) {
  std::string text = std::string(context) + ": " + std::string(reply.str, reply.len);
  auto code = sp::Code::internal;
  for (auto word : {"NOAUTH", "WRONGPASS", "READONLY", "NOPERM"}) {
    if (starts_with_word(reply, word)) code = sp::Code::invalid_argument;
  }
  for (auto word : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN"}) {
    if (starts_with_word(reply, word)) code = sp::Code::busy;
  }
  if (starts_with_word(reply, "OOM")) code = sp::Code::io;
  if (starts_with_word(reply, "WRONGTYPE")) {
    code = sp::Code::corruption;
    text += " (a key of another type, not written by sitecache)";
  }
  for (auto word : {"MOVED", "ASK", "CLUSTERDOWN", "CROSSSLOT"}) {
    if (starts_with_word(reply, word)) {
      code = sp::Code::unsupported;
      text += " (redis cluster is not supported)";
    }
  }
  if (std::string_view(reply.str, reply.len).starts_with("ERR unknown command")) {
    code = sp::Code::unsupported;
  }
  return sp::Status(code, std::move(text));
}

Connection::Connection(int fd, std::string peer, Timeouts timeouts)
    : fd_(fd), peer_(std::move(peer)), timeouts_(timeouts), reader_(redisReaderCreate()) {
  if (reader_ == nullptr) throw std::bad_alloc();
  in_.resize(kReceiveChunk);
}

Connection::~Connection() {
  if (reader_ != nullptr) redisReaderFree(reader_);
  if (fd_ >= 0) close(fd_);
}

sp::Status Connection::open(const Endpoint& endpoint, const Timeouts& timeouts,
                            std::unique_ptr<Connection>& out) {
  const std::string peer = endpoint.describe();
  std::string error;
  int fd = connect_endpoint(endpoint, Clock::now() + std::chrono::milliseconds(timeouts.connect_ms),
                            error);
  if (fd < 0) return unavailable(peer, error);
  std::unique_ptr<Connection> connection(new Connection(fd, peer, timeouts));
  std::string db = std::to_string(endpoint.db);
  size_t setup = 0;
  if (endpoint.has_password && endpoint.username.empty()) {
    connection->append({"AUTH", endpoint.password});
    ++setup;
  } else if (endpoint.has_password) {
    connection->append({"AUTH", endpoint.username, endpoint.password});
    ++setup;
  }
  if (endpoint.db != 0) {
    connection->append({"SELECT", db});
    ++setup;
  }
  if (setup > 0) {
    std::vector<Reply> replies;
    if (sp::Status s = connection->exchange(replies); !s.is_ok()) return s;
    for (const Reply& reply : replies) {
      if (reply->type == REDIS_REPLY_ERROR) {
        sp::Status s = error_reply_status(*reply, peer + " refused the connection setup");
        return sp::Status(sp::Code::invalid_argument, s.message());
      }
    }
  }
  out = std::move(connection);
  return sp::Status::ok();
}

void Connection::append(std::span<const std::string_view> args) {
  append_length_line(out_, '*', args.size());
  for (std::string_view arg : args) {
    append_length_line(out_, '$', arg.size());
    out_.append(arg);
    out_ += "\r\n";
  }
  ++queued_;
}

sp::Status Connection::fail(std::string what, bool timeout) {
  broken_ = true;
  timed_out_ = timeout;
  out_.clear();
  queued_ = 0;
  return unavailable(peer_, what);
}

sp::Status Connection::command(std::initializer_list<std::string_view> args, Reply& reply) {
  append(args);
  std::vector<Reply> replies;
  sp::Status status = exchange(replies);
  if (status.is_ok()) reply = std::move(replies.front());
  return status;
}

sp::Status Connection::exchange(std::vector<Reply>& replies) {
  replies.clear();
  if (broken_) return fail("connection already failed", timed_out_);
  const size_t expected = queued_;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeouts_.command_ms);
  size_t sent = 0;
  for (;;) {
    // Try to send first: usually the socket buffer has room and no poll is needed.
    while (sent < out_.size()) {
      ssize_t n = send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return fail("send: " + errno_text(errno), false);
    }
    while (replies.size() < expected) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        return fail(std::string("protocol error: ") + reader_->errstr, false);
      }
      if (raw == nullptr) break;
      replies.emplace_back(static_cast<redisReply*>(raw));
    }
    if (replies.size() == expected && sent == out_.size()) break;
    int wait_ms = ms_until(deadline);
    if (wait_ms == 0) {
      return fail("no reply within command_timeout_ms=" + std::to_string(timeouts_.command_ms),
                  true);
    }
    pollfd p{fd_, static_cast<short>(POLLIN | (sent < out_.size() ? POLLOUT : 0)), 0};
    int ready = poll(&p, 1, wait_ms);
    if (ready < 0 && errno != EINTR) return fail("poll: " + errno_text(errno), false);
    if (ready <= 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    ssize_t n = recv(fd_, in_.data(), in_.size(), 0);
    if (n == 0) return fail("connection closed by the server", false);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return fail("recv: " + errno_text(errno), false);
    }
    if (redisReaderFeed(reader_, in_.data(), static_cast<size_t>(n)) != REDIS_OK) {
      return fail("out of memory reading a reply", false);
    }
  }
  // A pipeline of large values must not pin its buffer for the connection's lifetime.
  if (out_.capacity() > kKeptSendBuffer) out_ = std::string();
  out_.clear();
  queued_ = 0;
  return sp::Status::ok();
}

}  // namespace sitecache_redis
