// For tests/conformance: a WebDAV server for the http plugin's cases, named by
// $SITECACHE_TEST_HTTP (a base URL without a trailing '/', e.g. http://127.0.0.1:8080/cache,
// whose location allows PUT, DELETE, MKCOL and PROPFIND and creates missing directories).
//
// When the environment names none, the first call starts an nginx for this test process
// (nginx_server.hpp; it lives until the process exits, and dies with it) and exports its
// /cache location as $SITECACHE_TEST_HTTP. Call it from the main thread (the conformance
// suite's SetUp does): the nginx is tied to the thread that started it.
//
// Returns "" when a server is there, else why the http cases skip.
#ifndef SITECACHE_TESTS_HTTP_CONFORMANCE_SERVER_HPP
#define SITECACHE_TESTS_HTTP_CONFORMANCE_SERVER_HPP

#include <cstdlib>
#include <string>

#include "nginx_server.hpp"

namespace sitecache::testing {

inline std::string http_conformance_server() {
  static const std::string reason = []() -> std::string {
    const char* given = std::getenv("SITECACHE_TEST_HTTP");
    if (given != nullptr && *given != '\0') return {};
    std::string unavailable = NginxServer::unavailable_reason();
    if (!unavailable.empty()) return "SITECACHE_TEST_HTTP is not set and " + unavailable;
    static NginxServer server;
    if (!server.start()) return "nginx did not start:\n" + server.error_log();
    setenv("SITECACHE_TEST_HTTP", server.url("/cache").c_str(), 1);
    return {};
  }();
  return reason;
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_HTTP_CONFORMANCE_SERVER_HPP
