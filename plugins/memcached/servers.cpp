// parse_servers: the strict grammar of servers.hpp.
#include "servers.hpp"

#include <algorithm>
#include <charconv>

namespace sitecache_memcached {

namespace {

sp::Status invalid(std::string_view location, std::string_view reason) {
  return sp::Status(
      sp::Code::invalid_argument,
      "invalid memcached location '" + std::string(location) + "': " + std::string(reason));
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

sp::Status parse_port(std::string_view location, std::string_view text, uint16_t& out) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > 65535) {
    return invalid(location,
                   "the port must be a number from 1 to 65535, got '" + std::string(text) + "'");
  }
  out = static_cast<uint16_t>(value);
  return sp::Status::ok();
}

sp::Status parse_one(std::string_view location, std::string_view text, Server& out) {
  if (text.empty()) return invalid(location, "empty server entry");
  if (text.find_first_of(" \t") != std::string_view::npos) {
    return invalid(location, "whitespace inside '" + std::string(text) + "'");
  }
  if (text.starts_with('/')) {
    if (text.size() > 107) return invalid(location, "the socket path is longer than 107 bytes");
    out.host = std::string(text);
    out.port = 0;
    return sp::Status::ok();
  }
  if (text.find("://") != std::string_view::npos) {
    return invalid(location, "expected HOST:PORT[,HOST:PORT...] without a scheme");
  }
  std::string_view host;
  std::string_view rest;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid(location, "unclosed '['");
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != host.npos) {
      return invalid(location, "'" + std::string(host) + "' is not an IPv6 address");
    }
  } else {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    if (!valid_host_name(host)) {
      return invalid(location, "'" + std::string(host) + "' is not a valid host name");
    }
  }
  out.host = std::string(host);
  out.port = 11211;
  if (rest.empty()) return sp::Status::ok();
  if (rest[0] != ':') return invalid(location, "unexpected text after '" + out.host + "'");
  return parse_port(location, rest.substr(1), out.port);
}

}  // namespace

std::string Server::describe() const {
  if (is_socket()) return host;
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

sp::Status parse_servers(std::string_view location, std::vector<Server>& out) {
  out.clear();
  if (trim(location).empty()) {
    out.push_back(Server{"127.0.0.1", 11211});
    return sp::Status::ok();
  }
  size_t start = 0;
  for (;;) {
    size_t comma = location.find(',', start);
    std::string_view entry = trim(location.substr(start, comma - start));
    Server server;
    if (sp::Status s = parse_one(location, entry, server); !s.is_ok()) return s;
    for (const Server& seen : out) {
      if (seen.host == server.host && seen.port == server.port) {
        return invalid(location, server.describe() + " is listed twice");
      }
    }
    out.push_back(std::move(server));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return sp::Status::ok();
}

}  // namespace sitecache_memcached
