// The "http" backend: entries are files on an HTTP server that accepts GET, PUT and DELETE
// on URL/<key> (a WebDAV server such as nginx with dav_methods, or a build-cache server),
// one file per entry. Documented for users in docs/backends/http.md.
//
// Options:
//   location             the base URL, http:// or https://, required. Credentials in it
//                        are refused; a missing trailing '/' is added.
//   layout               flat (default): URL/<name>; subdirs: URL/<2 hex digits>/<name>,
//                        the digits from a hash of the key (names.hpp).
//   listing              propfind (default): scan and clear list the server's
//                        collections with WebDAV PROPFIND (Depth: 1); a server that
//                        answers 405 or 501 makes them UNSUPPORTED at run time. none:
//                        UNSUPPORTED without asking.
//   token_env            name of an environment variable holding a bearer token, sent as
//                        "Authorization: Bearer <token>".
//   username             basic authentication user, with
//   password_env         the name of an environment variable holding the password.
//   connect_timeout_ms   1..600000, default 1000: bound on establishing a connection
//                        (TCP and TLS).
//   timeout_ms           1..600000, default 5000: bound on a whole request, connect
//                        included. Raise it for large values on slow links.
//   retries              0..10, default 2: further attempts after a retryable failure
//                        (client.hpp).
//   retry_interval_ms    0..600000, default 1000: after the server was found unreachable
//                        or timed out, calls fail at once with UNAVAILABLE for this long.
//   parallel             1..256, default 8: concurrent requests of one get_many,
//                        set_many, scan or clear call (and connections kept per session).
//   pool_size            1..1024, default 8: idle sessions (sets of kept-alive
//                        connections) kept between calls.
//   ca_file              PEM file of CA certificates for https (relative to the config
//                        file); default: the system's store.
//   verify_tls           true (default) | false: check the server's certificate and name.
// Reserved options other than location are ignored: limits are the server's business
// (sitecache gc works where the server lists), and read_only is enforced by the host.
// create() never connects: a handle is created while the server is down and starts
// working when it comes up. The secrets are read from the environment once, in create().
//
// Semantics: get = GET (200 a value, 404/410 a miss); set = PUT (the server writes a
// temporary file and renames it, so readers see the old or the new value); in the subdirs
// layout a PUT answered 409, 404 or 500 (how servers without nginx's create_full_put_path
// answer a missing collection; nginx says 500) creates the subdirectory with MKCOL and is
// sent once more; remove =
// DELETE (404 = NOT_FOUND); get_many/set_many = concurrent requests through one curl
// multi handle, at most `parallel` in flight. TTLs are not sent: the server has no TTL,
// and the host enforces expiry from the entry envelope.
// No add: nginx 1.22 ignores "If-None-Match: *" on PUT (it overwrites and answers 204), so
// set-if-absent cannot be atomic; the host emulates it. No touch: the host rewrites the
// entry. No stats: a server-wide count would need a listing of every collection.
//
// Thread safety: SC_CAP_THREAD_SAFE; every call runs on a pooled session of its own.
// Failures: UNAVAILABLE when the server cannot be reached, times out, breaks a connection
// or answers 5xx (after retries); NOT_FOUND only for 404/410; see Transfer::failure for
// the mapping of other statuses. A truncated body is never a value.
#ifndef SITECACHE_PLUGINS_HTTP_BACKEND_HPP
#define SITECACHE_PLUGINS_HTTP_BACKEND_HPP

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client.hpp"
#include "names.hpp"
#include "sitecache/plugin.hpp"

namespace sitecache_http {

// One file of a listed collection that this backend could have written.
struct ListedEntry {
  std::string key;
  int64_t size = -1;      // getcontentlength, -1 when not reported
  uint64_t position = 0;  // scan order within its directory (scan_position)
};

class HttpBackend {
 public:
  static constexpr std::string_view plugin_name = "http";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "HTTP/WebDAV server (libcurl): GET/PUT/DELETE per entry, parallel batches, PROPFIND "
      "listing";
  static constexpr uint64_t plugin_flags = SC_CAP_THREAD_SAFE | SC_CAP_PERSISTENT | SC_CAP_SHARED;

  // INVALID_ARGUMENT naming the option when one is unknown or malformed. Does not connect.
  static sp::Status create(const sp::Options& options, std::unique_ptr<HttpBackend>& out);
  // What create() checks (parse_settings), without a handle.
  static sp::Status validate(const sp::Options& options);

  explicit HttpBackend(Settings settings);

  sp::Status get(std::string_view key, sp::ValueSink& sink);
  sp::Status set(std::string_view key, sp::Bytes value, int64_t ttl_ms);
  sp::Status remove(std::string_view key);
  // Keys go in rounds of 256 (at most `parallel` GETs in flight); a round's values are delivered
  // when it completes. A failure other than a miss ends the call after its round's found values
  // were delivered.
  sp::Status get_many(std::span<const std::string_view> keys, sp::IndexedSink& sink);
  // Validates every item before sending any. Not atomic: on a failure, other items of the
  // call may be stored.
  sp::Status set_many(std::span<const sp::Item> items);
  // Lists the directories in groups of `parallel` and deletes the matching files.
  sp::Status clear(std::string_view prefix);
  // One call lists the next group of up to `parallel` directories (http_listing.cpp) and
  // visits their entries under the prefix, ordered by scan position; the cursor is the
  // directory and position to resume from. Values (ScanMode::values) are fetched with
  // concurrent GETs, a few dozen at a time; an entry removed meanwhile is skipped.
  sp::Status scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint, sp::ScanMode mode,
                  sp::ScanVisitor& visitor);

 private:
  // The URL of key, or INVALID_ARGUMENT when the key is empty or its file name too long.
  sp::Status url_of(std::string_view key, std::string& url) const;
  // Runs PUTs, creating missing subdirectories (subdirs layout) and resending once; the
  // first failure, or OK.
  sp::Status put_all(std::span<Transfer* const> puts);
  // Lists directories [first, first + count) into listings (one vector per directory):
  // the files whose key starts with `prefix` and belongs in that directory, in scan order.
  sp::Status list_directories(unsigned first, unsigned count, std::string_view prefix,
                              std::vector<std::vector<ListedEntry>>& listings);

  Naming naming_;
  Client client_;
};

// Scan order of a key inside its directory: 56 bits of its FNV-1a hash, never 0. A scan
// cursor is (directory << 56) | position, so resuming does not depend on entries added or
// removed meanwhile.
uint64_t scan_position(std::string_view key);

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_BACKEND_HPP
