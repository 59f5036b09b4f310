// One connection to a redis server: RESP over a non-blocking socket, replies parsed by
// hiredis's reader.
//
// Why not redisContext: hiredis 0.14 writes with write(2), which raises SIGPIPE (killing a
// host that does not ignore it) when the server has gone away, and its timeouts are per
// system call, not per command. Here every socket call is non-blocking and driven by
// poll(2) against one deadline per exchange, and sends use MSG_NOSIGNAL. hiredis still
// does the protocol parsing (redisReader); commands are formatted here (RESP is five lines
// of code and this avoids one allocation per command).
//
// Failure contract: open() returns UNAVAILABLE when the server cannot be reached within
// connect_timeout_ms, and INVALID_ARGUMENT when it rejects AUTH or SELECT (a
// configuration error). exchange() returns UNAVAILABLE when the connection fails or the
// command timeout passes; the connection is then broken() for good and must be
// discarded, since replies may be out of step with requests. Redis error replies
// ("-ERR ...") are ordinary replies and do not break the connection.
//
// Thread safety: none; a connection is used by one thread at a time (see pool.hpp).
#ifndef SITECACHE_PLUGINS_REDIS_CONNECTION_HPP
#define SITECACHE_PLUGINS_REDIS_CONNECTION_HPP

#include <hiredis/hiredis.h>

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "location.hpp"

namespace sitecache_redis {

struct Timeouts {
  int connect_ms = 200;
  int command_ms = 500;
};

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// Maps an error reply to a status: NOAUTH/WRONGPASS/READONLY are configuration errors
// (INVALID_ARGUMENT), LOADING/BUSY/TRYAGAIN/MASTERDOWN are BUSY, OOM is IO (the server is
// full and does not evict), WRONGTYPE is CORRUPTION (a key sitecache did not write),
// MOVED/ASK/CLUSTERDOWN and unknown commands are UNSUPPORTED, anything else INTERNAL.
sp::Status error_reply_status(const redisReply& reply, std::string_view context);

class Connection {
 public:
  // Connects, then sends AUTH and SELECT when the endpoint needs them.
  static sp::Status open(const Endpoint& endpoint, const Timeouts& timeouts,
                         std::unique_ptr<Connection>& out);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues one command; nothing is sent until exchange().
  void append(std::span<const std::string_view> args);
  void append(std::initializer_list<std::string_view> args) {
    append(std::span<const std::string_view>(args.begin(), args.size()));
  }
  // Sends every queued command and reads one reply per command into `replies` (cleared
  // first), all within command_ms. On failure the connection is broken().
  sp::Status exchange(std::vector<Reply>& replies);
  // Convenience: one command, one reply.
  sp::Status command(std::initializer_list<std::string_view> args, Reply& reply);

  bool broken() const { return broken_; }
  // The last failure was the deadline passing (the server may be hung), not a refused or
  // closed connection.
  bool timed_out() const { return timed_out_; }

 private:
  Connection(int fd, std::string peer, Timeouts timeouts);
  sp::Status fail(std::string what, bool timeout);

  int fd_ = -1;
  std::string peer_;  // Endpoint::describe(), for messages
  Timeouts timeouts_;
  redisReader* reader_ = nullptr;
  std::string out_;  // queued, formatted commands
  size_t queued_ = 0;
  std::vector<char> in_;  // receive buffer
  bool broken_ = false;
  bool timed_out_ = false;
};

}  // namespace sitecache_redis

#endif  // SITECACHE_PLUGINS_REDIS_CONNECTION_HPP
