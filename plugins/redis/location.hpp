// Where the redis backend connects: the parsed `location` option.
//
// Grammar (strict: anything else is INVALID_ARGUMENT with the reason):
//   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
//   unix://[[USER]:PASSWORD@]/ABSOLUTE/PATH[?db=DB]
// HOST is a host name, an IPv4 address or a bracketed IPv6 address; PORT is 1..65535
// (default 6379); DB is a decimal number (default 0; the server checks its range).
// USER and PASSWORD are percent-decoded ("%40" for '@'); a USER sends `AUTH USER PASSWORD`
// (redis 6 ACLs), no USER sends `AUTH PASSWORD`. An empty location means
// redis://127.0.0.1:6379/0, the server's own default. rediss:// (TLS) is refused: hiredis
// 0.14 has no TLS.
#ifndef SITECACHE_PLUGINS_REDIS_LOCATION_HPP
#define SITECACHE_PLUGINS_REDIS_LOCATION_HPP

#include <cstdint>
#include <string>
#include <string_view>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache_redis {

namespace sp = sitecache::plugin;

struct Endpoint {
  enum class Kind { tcp, unix_socket };
  Kind kind = Kind::tcp;
  std::string host = "127.0.0.1";  // tcp only; IPv6 without brackets
  uint16_t port = 6379;            // tcp only
  std::string path;                // unix_socket only
  std::string username;            // empty: AUTH with the password alone
  std::string password;            // meaningful when has_password
  bool has_password = false;
  int64_t db = 0;

  // "redis 127.0.0.1:6379 db 0" or "redis unix:/run/redis.sock db 0", for error
  // messages; never contains the password.
  std::string describe() const;
};

// Parses `location` into `out`. Fails with INVALID_ARGUMENT naming what is wrong.
sp::Status parse_location(std::string_view location, Endpoint& out);

}  // namespace sitecache_redis

#endif  // SITECACHE_PLUGINS_REDIS_LOCATION_HPP
