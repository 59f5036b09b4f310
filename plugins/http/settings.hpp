// The http backend's options, parsed and checked once in create() (see http_backend.hpp
// for the list a user sees).
//
// Secrets never appear in the configuration text: token_env and password_env name
// environment variables, read here, and a location with credentials in it
// (http://user:pass@host/) is refused. Error messages never quote a secret.
#ifndef SITECACHE_PLUGINS_HTTP_SETTINGS_HPP
#define SITECACHE_PLUGINS_HTTP_SETTINGS_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "names.hpp"
#include "sitecache/plugin.hpp"

namespace sitecache_http {

namespace sp = sitecache::plugin;

// Whether scan and clear ask the server for listings (WebDAV PROPFIND) or report
// UNSUPPORTED without asking (for servers known not to list: plain GET/PUT caches).
enum class Listing { propfind, none };
enum class TlsVerify { verify, skip };

struct Settings {
  std::string base_url;  // http:// or https://, normalised, ends with '/'
  Layout layout = Layout::flat;
  Listing listing = Listing::propfind;
  std::string bearer_token;  // "Authorization: Bearer" when not empty
  std::string username;      // basic authentication when not empty
  std::string password;
  int64_t connect_timeout_ms = 1000;
  int64_t timeout_ms = 5000;
  int retries = 2;
  int64_t retry_interval_ms = 1000;
  size_t parallel = 8;
  size_t pool_size = 8;
  std::string ca_file;  // empty: the system's CA store
  TlsVerify tls = TlsVerify::verify;
  // Whether a proxy variable (http_proxy, https_proxy, all_proxy, no_proxy, or their
  // upper-case forms) was set at create(): curl then applies them as it always does.
  bool proxy_from_environment = false;
};

// INVALID_ARGUMENT naming the option when one is unknown, malformed, or names an unset
// environment variable.
sp::Status parse_settings(const sp::Options& options, Settings& out);

// The base URL and layout as a user wrote them, for messages ("http://host/cache/ (flat)").
std::string describe(const Settings& settings);

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_SETTINGS_HPP
