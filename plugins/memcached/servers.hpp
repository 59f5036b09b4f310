// The memcached servers of a cache: the parsed `location` option.
//
// Grammar (strict: anything else is INVALID_ARGUMENT with the reason): a comma-separated
// list of servers, each HOST[:PORT] (a host name or IPv4 address), [IPV6][:PORT], or an
// absolute unix socket path. PORT is 1..65535, default 11211. Whitespace around commas is
// allowed; empty entries and duplicates are not. An empty location means 127.0.0.1:11211.
// The order matters to nobody: keys are spread by consistent (ketama) hashing of the
// host:port names, so every client configured with the same set agrees on placement.
#ifndef SITECACHE_PLUGINS_MEMCACHED_SERVERS_HPP
#define SITECACHE_PLUGINS_MEMCACHED_SERVERS_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache_memcached {

namespace sp = sitecache::plugin;

struct Server {
  std::string host;  // IPv6 without brackets; or the socket path when port == 0
  uint16_t port = 11211;
  bool is_socket() const { return port == 0; }
  std::string describe() const;  // "host:port", "[v6]:port" or the path
};

sp::Status parse_servers(std::string_view location, std::vector<Server>& out);

}  // namespace sitecache_memcached

#endif  // SITECACHE_PLUGINS_MEMCACHED_SERVERS_HPP
