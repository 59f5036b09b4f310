#include "multistatus.hpp"

#include <charconv>

namespace sitecache_http {

namespace {

constexpr size_t npos = std::string::npos;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// "D:href" -> "href".
std::string_view local_name(std::string_view name) {
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// "HTTP/1.1 200 OK" -> true.
bool status_is_200(std::string_view status) {
  status = trim(status);
  const size_t space = status.find(' ');
  if (space == std::string_view::npos) return false;
  std::string_view code = trim(status.substr(space + 1)).substr(0, 3);
  return code == "200";
}

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

bool decode_reference(std::string_view name, std::string& out) {
  if (name == "amp") {
    out += '&';
  } else if (name == "lt") {
    out += '<';
  } else if (name == "gt") {
    out += '>';
  } else if (name == "quot") {
    out += '"';
  } else if (name == "apos") {
    out += '\'';
  } else if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    uint32_t code = 0;
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return false;
    if (code == 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    append_utf8(out, code);
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool decode_xml_text(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    const size_t semicolon = raw.find(';', i + 1);
    if (semicolon == std::string_view::npos || semicolon - i > 12) return false;
    if (!decode_reference(raw.substr(i + 1, semicolon - i - 1), out)) return false;
    i = semicolon;
  }
  return true;
}

bool MultistatusParser::fail(std::string message) {
  if (!failed_) error_ = std::move(message);
  failed_ = true;
  return false;
}

bool MultistatusParser::feed(std::string_view data) {
  if (failed_) return false;
  buffer_.append(data);
  const size_t consumed = process(0);
  if (failed_) return false;
  buffer_.erase(0, consumed);
  if (buffer_.size() > limits_.max_token) {
    return fail("a token longer than " + std::to_string(limits_.max_token) + " bytes");
  }
  return true;
}

bool MultistatusParser::finish() {
  if (failed_) return false;
  if (!buffer_.empty()) return fail("the document ends inside a tag");
  if (!saw_root_) return fail("an empty body");
  if (!root_closed_) return fail("the document ends before </multistatus>");
  return true;
}

size_t MultistatusParser::process(size_t at) {
  while (at < buffer_.size()) {
    if (buffer_[at] != '<') {
      size_t end = buffer_.find('<', at);
      if (end == npos) end = buffer_.size();
      if (!append_text(std::string_view(buffer_).substr(at, end - at))) return npos;
      at = end;
      continue;
    }
    const std::string_view rest = std::string_view(buffer_).substr(at);
    auto starts = [&](std::string_view prefix) { return rest.starts_with(prefix); };
    // A prefix of "<!--" or "<![CDATA[" that is cut off: wait for the rest.
    auto unfinished = [&](std::string_view prefix) {
      return rest.size() < prefix.size() && prefix.starts_with(rest);
    };
    if (unfinished("<!--") || unfinished("<![CDATA[")) return at;
    if (starts("<!--")) {
      const size_t end = rest.find("-->", 4);
      if (end == npos) return at;
      at += end + 3;
    } else if (starts("<![CDATA[")) {
      const size_t end = rest.find("]]>", 9);
      if (end == npos) return at;
      // Stored entity-encoded like ordinary text, so end_capture decodes both alike.
      std::string escaped;
      for (char c : rest.substr(9, end - 9)) {
        if (c == '&') {
          escaped += "&amp;";
        } else {
          escaped += c;
        }
      }
      if (!append_text(escaped)) return npos;
      at += end + 3;
    } else if (starts("<?")) {
      const size_t end = rest.find("?>", 2);
      if (end == npos) return at;
      at += end + 2;
    } else if (starts("<!")) {
      const size_t end = rest.find('>');
      if (end == npos) return at;
      if (rest.substr(0, end).find('[') != npos) {
        fail("a DOCTYPE with an internal subset");
        return npos;
      }
      at += end + 1;
    } else if (starts("</")) {
      const size_t end = rest.find('>');
      if (end == npos) return at;
      if (!end_element(local_name(trim(rest.substr(2, end - 2))))) return npos;
      at += end + 1;
    } else {
      // A start tag: '>' inside a quoted attribute value does not end it.
      char quote = 0;
      size_t end = 1;
      for (; end < rest.size(); ++end) {
        const char c = rest[end];
        if (quote != 0) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '>') {
          break;
        }
      }
      if (end == rest.size()) return at;
      std::string_view tag = rest.substr(1, end - 1);
      const bool self_closing = tag.ends_with('/');
      if (self_closing) tag.remove_suffix(1);
      if (!start_element(tag, self_closing)) return npos;
      at += end + 1;
    }
  }
  return at;
}

bool MultistatusParser::start_element(std::string_view tag, bool self_closing) {
  size_t name_end = 0;
  while (name_end < tag.size() && !is_space(tag[name_end])) ++name_end;
  const std::string_view name = tag.substr(0, name_end);
  const std::string_view local = local_name(name);
  if (local.empty()) return fail("an element without a name");
  if (!saw_root_) {
    saw_root_ = true;
    if (local != "multistatus") {
      return fail("not a multistatus document (its root is <" + std::string(name) + ">)");
    }
  } else if (root_closed_) {
    return fail("an element after </multistatus>");
  }
  if (capture_ != Capture::none) return fail("an element inside a text property");
  if (open_.size() >= limits_.max_depth) return fail("elements nested too deeply");

  const std::string_view parent = open_.empty() ? std::string_view() : open_.back();
  if (local == "response" && parent == "multistatus") {
    in_response_ = true;
    current_ = DavResource{};
    response_status_ok_ = true;
  } else if (in_response_) {
    if (local == "href" && parent == "response") {
      begin_capture(Capture::href);
    } else if (local == "propstat" && parent == "response") {
      in_propstat_ = true;
      propstat_collection_ = false;
      propstat_length_ = -1;
      propstat_status_ok_ = false;
    } else if (local == "status" && (parent == "propstat" || parent == "response")) {
      begin_capture(Capture::status);
    } else if (local == "getcontentlength" && in_propstat_ && parent == "prop") {
      begin_capture(Capture::length);
    } else if (local == "collection" && in_propstat_ && parent == "resourcetype") {
      propstat_collection_ = true;
    }
  }
  open_.emplace_back(local);
  return self_closing ? end_element(local) : true;
}

bool MultistatusParser::end_element(std::string_view name) {
  if (open_.empty() || open_.back() != name) {
    return fail("</" + std::string(name).substr(0, 64) + "> does not close the open element");
  }
  open_.pop_back();
  const std::string_view parent = open_.empty() ? std::string_view() : open_.back();
  if (capture_ != Capture::none) {
    const Capture captured = capture_;
    std::string text;
    if (!end_capture(text)) return false;
    if (captured == Capture::href) {
      if (current_.href.empty()) current_.href = std::move(text);
    } else if (captured == Capture::length) {
      std::string_view digits = trim(text);
      int64_t length = -1;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
      propstat_length_ =
          ec == std::errc() && end == digits.data() + digits.size() && length >= 0 ? length : -1;
    } else if (parent == "propstat") {
      propstat_status_ok_ = status_is_200(text);
    } else {
      response_status_ok_ = status_is_200(text);
    }
  } else if (name == "propstat" && in_propstat_ && parent == "response") {
    in_propstat_ = false;
    if (propstat_status_ok_) {
      current_.collection = current_.collection || propstat_collection_;
      if (propstat_length_ >= 0) current_.content_length = propstat_length_;
    }
  } else if (name == "response" && in_response_ && parent == "multistatus") {
    in_response_ = false;
    if (response_status_ok_ && !current_.href.empty()) {
      if (++resource_count_ > limits_.max_resources) {
        return fail("more than " + std::to_string(limits_.max_resources) + " resources");
      }
      resources_.push_back(std::move(current_));
    }
  }
  if (open_.empty()) root_closed_ = true;
  return true;
}

bool MultistatusParser::append_text(std::string_view raw) {
  if (capture_ == Capture::none) return true;
  if (text_.size() + raw.size() > limits_.max_text) {
    return fail("a property value longer than " + std::to_string(limits_.max_text) + " bytes");
  }
  text_.append(raw);
  return true;
}

void MultistatusParser::begin_capture(Capture what) {
  capture_ = what;
  text_.clear();
}

bool MultistatusParser::end_capture(std::string& decoded) {
  capture_ = Capture::none;
  if (!decode_xml_text(text_, decoded)) return fail("a malformed character reference");
  return true;
}

}  // namespace sitecache_http
