// A minimal, incremental reader of WebDAV PROPFIND answers (RFC 4918 "207 Multi-Status"):
// for each <response>, its <href>, whether its resourcetype holds <collection/>, and its
// <getcontentlength>. Everything else is skipped.
//
// It reads exactly the XML a WebDAV server writes: elements, attributes, text, the five
// predefined entities and character references, CDATA, comments, processing instructions
// and a DOCTYPE without an internal subset. Namespace prefixes are dropped (D:href,
// d:href, lp1:getcontentlength and href all match); namespace URIs are not checked.
// Properties inside a <propstat> whose <status> is not 200 are ignored, and so is a
// <response> whose own <status> is not 200.
//
// Hostile input: the body is fed piece by piece as it arrives, so memory is bounded by
// Limits, not by the body: an unfinished token, a text value, the nesting depth and the
// number of resources each have a cap. Any malformed or over-limit input makes feed()
// return false with error() saying why; nothing is ever read out of bounds, and no entity
// is expanded beyond the predefined ones (no internal subset, so no entity bombs).
//
// Not thread-safe: one parser per body.
#ifndef SITECACHE_PLUGINS_HTTP_MULTISTATUS_HPP
#define SITECACHE_PLUGINS_HTTP_MULTISTATUS_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sitecache_http {

struct DavResource {
  std::string href;  // entity-decoded, still percent-encoded
  bool collection = false;
  int64_t content_length = -1;  // -1 when not reported
};

struct MultistatusLimits {
  size_t max_token = 16 * 1024;        // one tag, comment or CDATA section
  size_t max_text = 16 * 1024;         // the text of one href, length or status
  size_t max_depth = 64;               // element nesting
  size_t max_resources = 1000 * 1000;  // responses in one body
};

class MultistatusParser {
 public:
  explicit MultistatusParser(MultistatusLimits limits = {}) : limits_(limits) {}
  MultistatusParser(const MultistatusParser&) = delete;
  MultistatusParser& operator=(const MultistatusParser&) = delete;

  // Reads the next piece of the body. False when the input is malformed or over a limit;
  // the parser then stays failed.
  bool feed(std::string_view data);
  // After the last piece: false when the document is incomplete or not a multistatus.
  bool finish();

  const std::string& error() const { return error_; }
  // Complete <response> elements so far; the caller may move them out between feeds.
  std::vector<DavResource>& resources() { return resources_; }

 private:
  enum class Capture { none, href, length, status };

  bool fail(std::string message);
  // Processes buffer_ from position `at`; returns the position of the first byte it
  // could not process yet (an unfinished token), or npos after a failure.
  size_t process(size_t at);
  bool start_element(std::string_view tag, bool self_closing);
  bool end_element(std::string_view name);
  bool append_text(std::string_view raw);
  void begin_capture(Capture what);
  bool end_capture(std::string& decoded);

  MultistatusLimits limits_;
  std::string buffer_;             // bytes not processed yet: at most one unfinished token
  std::vector<std::string> open_;  // local names of the open elements
  bool failed_ = false;
  bool saw_root_ = false;
  bool root_closed_ = false;
  std::string error_;

  // The <response> being read.
  bool in_response_ = false;
  bool in_propstat_ = false;
  DavResource current_;
  bool response_status_ok_ = true;
  // The <propstat> being read: its properties count only if its status is 200.
  bool propstat_collection_ = false;
  int64_t propstat_length_ = -1;
  bool propstat_status_ok_ = false;

  Capture capture_ = Capture::none;
  std::string text_;  // raw (entity-encoded) text of the captured element

  std::vector<DavResource> resources_;
  size_t resource_count_ = 0;
};

// Decodes the predefined entities and character references of XML text. False on an
// unknown or malformed reference.
bool decode_xml_text(std::string_view raw, std::string& out);

}  // namespace sitecache_http

#endif  // SITECACHE_PLUGINS_HTTP_MULTISTATUS_HPP
