#include "settings.hpp"

#include <curl/curl.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

namespace sitecache_http {

namespace {

constexpr int64_t kMaxMs = 600000;

sp::Status invalid(std::string message) {
  return sp::Status(sp::Code::invalid_argument, std::move(message));
}

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// The part of `url`, or an empty string when it is absent.
std::string url_part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK || raw == nullptr) return {};
  return CurlString(raw).get();
}

sp::Status parse_location(std::string_view location, std::string& base_url) {
  if (location.empty()) {
    return invalid("option 'location' is required: the base URL, http://HOST[:PORT]/PATH/");
  }
  const std::string quoted = "location '" + std::string(location) + "'";
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url) return sp::Status(sp::Code::internal, "out of memory");
  const std::string text(location);
  if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return invalid(quoted + " is not a URL (expected http://HOST[:PORT]/PATH/)");
  }
  const std::string scheme = url_part(url.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") {
    return invalid(quoted + " must start with http:// or https://");
  }
  if (!url_part(url.get(), CURLUPART_USER).empty() ||
      !url_part(url.get(), CURLUPART_PASSWORD).empty()) {
    return invalid(
        "the location must not contain credentials: use username and password_env, or "
        "token_env, which name environment variables");
  }
  if (!url_part(url.get(), CURLUPART_QUERY).empty() ||
      !url_part(url.get(), CURLUPART_FRAGMENT).empty()) {
    return invalid(quoted + " must not have a query or a fragment");
  }
  std::string path = url_part(url.get(), CURLUPART_PATH);
  if (path.empty() || path.back() != '/') {
    path += '/';
    curl_url_set(url.get(), CURLUPART_PATH, path.c_str(), 0);
  }
  base_url = url_part(url.get(), CURLUPART_URL);
  if (base_url.empty()) return invalid(quoted + " could not be normalised");
  return sp::Status::ok();
}

// The value of the environment variable named by option `option`; an error when the
// option is set and the variable is unset or empty.
sp::Status secret_from_env(const sp::Options& options, std::string_view option, std::string& out) {
  auto name = options.get(option);
  if (!name) return sp::Status::ok();
  if (name->empty()) return invalid("option '" + std::string(option) + "' is empty");
  const char* value = std::getenv(std::string(*name).c_str());
  if (value == nullptr || *value == '\0') {
    return invalid("option '" + std::string(option) + "' names the environment variable " +
                   std::string(*name) + ", which is not set");
  }
  out = value;
  return sp::Status::ok();
}

}  // namespace

sp::Status parse_settings(const sp::Options& options, Settings& out) {
  sp::Status status =
      options.check_known({"layout", "listing", "token_env", "username", "password_env",
                           "connect_timeout_ms", "timeout_ms", "retries", "retry_interval_ms",
                           "parallel", "pool_size", "ca_file", "verify_tls"},
                          "http");
  if (!status.is_ok()) return status;
  Settings settings;
  status = parse_location(options.get_or("location", ""), settings.base_url);
  if (!status.is_ok()) return status;

  const std::string layout = options.get_or("layout", "flat");
  if (layout == "subdirs") {
    settings.layout = Layout::subdirs;
  } else if (layout != "flat") {
    return invalid("option 'layout' must be flat or subdirs, got '" + layout + "'");
  }
  const std::string listing = options.get_or("listing", "propfind");
  if (listing == "none") {
    settings.listing = Listing::none;
  } else if (listing != "propfind") {
    return invalid("option 'listing' must be propfind or none, got '" + listing + "'");
  }

  settings.username = options.get_or("username", "");
  const bool has_token = options.get("token_env").has_value();
  const bool has_password = options.get("password_env").has_value();
  if (has_token && (has_password || !settings.username.empty())) {
    return invalid("token_env (bearer) and username/password_env (basic) exclude each other");
  }
  if (has_password != !settings.username.empty()) {
    return invalid("basic authentication needs both username and password_env");
  }
  if (settings.username.find(':') != std::string::npos) {
    return invalid("option 'username' must not contain ':'");
  }
  if (status = secret_from_env(options, "token_env", settings.bearer_token); !status.is_ok()) {
    return status;
  }
  if (status = secret_from_env(options, "password_env", settings.password); !status.is_ok()) {
    return status;
  }
  for (char c : settings.bearer_token) {
    if (c == '\r' || c == '\n') return invalid("the bearer token contains a line break");
  }

  settings.connect_timeout_ms = options.get_int("connect_timeout_ms", 1000, 1, kMaxMs, status);
  settings.timeout_ms = options.get_int("timeout_ms", 5000, 1, kMaxMs, status);
  settings.retries = static_cast<int>(options.get_int("retries", 2, 0, 10, status));
  settings.retry_interval_ms = options.get_int("retry_interval_ms", 1000, 0, kMaxMs, status);
  settings.parallel = static_cast<size_t>(options.get_int("parallel", 8, 1, 256, status));
  settings.pool_size = static_cast<size_t>(options.get_int("pool_size", 8, 1, 1024, status));
  if (!options.get_bool("verify_tls", true, status)) settings.tls = TlsVerify::skip;
  if (!status.is_ok()) return status;
  // A relative ca_file is relative to the configuration file, like every other path.
  std::filesystem::path ca_file = options.get_or("ca_file", "");
  if (!ca_file.empty()) {
    if (ca_file.is_relative())
      ca_file = std::filesystem::path(options.get_or("base_dir", ".")) / ca_file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(ca_file, ec)) {
      return invalid("option 'ca_file': " + ca_file.string() + " is not a readable file");
    }
    settings.ca_file = ca_file.string();
  }
  for (const char* variable : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                               "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    const char* value = std::getenv(variable);
    settings.proxy_from_environment =
        settings.proxy_from_environment || (value != nullptr && *value != '\0');
  }
  out = std::move(settings);
  return sp::Status::ok();
}

std::string describe(const Settings& settings) {
  return settings.base_url + (settings.layout == Layout::flat ? " (flat)" : " (subdirs)");
}

}  // namespace sitecache_http
