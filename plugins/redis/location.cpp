// parse_location: the strict grammar of location.hpp.
#include "location.hpp"

#include <charconv>
#include <optional>

namespace sitecache_redis {

namespace {

constexpr std::string_view kForms =
    "expected redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH/TO/SOCKET[?db=DB]";
// sockaddr_un::sun_path holds 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

// The location with its credentials replaced by "***", for messages: configuration
// errors end up in build logs.
std::string redacted(std::string_view location) {
  size_t scheme = location.find("://");
  size_t at = location.rfind('@');
  if (scheme == std::string_view::npos || at == std::string_view::npos || at < scheme) {
    return std::string(location);
  }
  return std::string(location.substr(0, scheme + 3)) + "***" + std::string(location.substr(at));
}

sp::Status invalid(std::string_view location, std::string_view reason) {
  return sp::Status(sp::Code::invalid_argument,
                    "invalid redis location '" + redacted(location) + "': " + std::string(reason));
}

std::optional<int64_t> parse_number(std::string_view text, int64_t max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text`; nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int high = hex_digit(text[i + 1]);
    int low = hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// "[USER]:PASSWORD" into the endpoint.
sp::Status parse_userinfo(std::string_view location, std::string_view userinfo, Endpoint& out) {
  size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    return invalid(location, "credentials must be ':PASSWORD@' or 'USER:PASSWORD@'");
  }
  std::optional<std::string> user = percent_decode(userinfo.substr(0, colon));
  std::optional<std::string> password = percent_decode(userinfo.substr(colon + 1));
  if (!user || !password) return invalid(location, "bad percent-escape in the credentials");
  if (password->empty()) return invalid(location, "the password after ':' is empty");
  out.username = std::move(*user);
  out.password = std::move(*password);
  out.has_password = true;
  return sp::Status::ok();
}

bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "HOST[:PORT]" or "[IPV6][:PORT]".
sp::Status parse_host_port(std::string_view location, std::string_view text, Endpoint& out) {
  std::string_view host;
  std::string_view rest;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid(location, "unclosed '[' in the host");
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != host.npos) {
      return invalid(location, "'" + std::string(host) + "' is not an IPv6 address");
    }
  } else {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    if (host.empty()) return invalid(location, "the host is empty");
    if (!valid_host_name(host)) {
      return invalid(location, "'" + std::string(host) + "' is not a valid host name");
    }
  }
  if (!rest.empty()) {
    if (rest[0] != ':') return invalid(location, "unexpected text after the host");
    std::optional<int64_t> port = parse_number(rest.substr(1), 65535);
    if (!port || *port == 0) {
      return invalid(location, "the port must be a number from 1 to 65535, got '" +
                                   std::string(rest.substr(1)) + "'");
    }
    out.port = static_cast<uint16_t>(*port);
  }
  out.host = std::string(host);
  return sp::Status::ok();
}

sp::Status parse_db(std::string_view location, std::string_view text, Endpoint& out) {
  std::optional<int64_t> db = parse_number(text, 2147483647);
  if (!db) {
    return invalid(location,
                   "the database must be a non-negative number, got '" + std::string(text) + "'");
  }
  out.db = *db;
  return sp::Status::ok();
}

// Splits "[USERINFO@]REST" at the last '@' (a password may contain an escaped '@' only).
sp::Status take_userinfo(std::string_view location, std::string_view& text, Endpoint& out) {
  size_t at = text.rfind('@');
  if (at == std::string_view::npos) return sp::Status::ok();
  sp::Status status = parse_userinfo(location, text.substr(0, at), out);
  text = text.substr(at + 1);
  return status;
}

sp::Status parse_tcp(std::string_view location, std::string_view rest, Endpoint& out) {
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid(location, "query strings and fragments are not supported");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (sp::Status s = take_userinfo(location, authority, out); !s.is_ok()) return s;
  if (sp::Status s = parse_host_port(location, authority, out); !s.is_ok()) return s;
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    return parse_db(location, rest.substr(slash + 1), out);
  }
  return sp::Status::ok();
}

sp::Status parse_unix(std::string_view location, std::string_view rest, Endpoint& out) {
  out.kind = Endpoint::Kind::unix_socket;
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return invalid(location, "the socket path must be absolute (unix:///path/to/socket)");
  }
  std::string_view authority = rest.substr(0, slash);
  if (!authority.empty()) {
    if (!authority.ends_with('@')) {
      return invalid(location, "a unix socket takes no host (unix:///path/to/socket)");
    }
    authority.remove_suffix(1);
    if (sp::Status s = parse_userinfo(location, authority, out); !s.is_ok()) return s;
  }
  std::string_view path = rest.substr(slash);
  size_t query = path.find('?');
  if (query != std::string_view::npos) {
    std::string_view params = path.substr(query + 1);
    path = path.substr(0, query);
    if (!params.starts_with("db=")) return invalid(location, "the only parameter is ?db=N");
    if (sp::Status s = parse_db(location, params.substr(3), out); !s.is_ok()) return s;
  }
  if (path.size() < 2) return invalid(location, "the socket path is empty");
  if (path.size() > kMaxSocketPath) {
    return invalid(location, "the socket path is longer than 107 bytes");
  }
  out.path = std::string(path);
  return sp::Status::ok();
}

}  // namespace

std::string Endpoint::describe() const {
  std::string where = kind == Kind::unix_socket
                          ? "unix:" + path
                          : (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                                std::to_string(port);
  return "redis " + where + " db " + std::to_string(db);
}

sp::Status parse_location(std::string_view location, Endpoint& out) {
  out = Endpoint{};
  if (location.empty()) return sp::Status::ok();
  if (location.find_first_of(" \t\r\n") != std::string_view::npos) {
    return invalid(location, "whitespace is not allowed");
  }
  if (location.starts_with("rediss://")) {
    return invalid(location, "TLS (rediss://) is not supported: hiredis 0.14 has no TLS");
  }
  if (location.starts_with("redis://")) return parse_tcp(location, location.substr(8), out);
  if (location.starts_with("unix://")) return parse_unix(location, location.substr(7), out);
  return invalid(location, kForms);
}

}  // namespace sitecache_redis
