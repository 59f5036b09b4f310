// BuildRecord <-> JSON. The shape is documented in docs/json.md ("build record").
#include <nlohmann/json.hpp>

#include "format/build_record_format.hpp"
#include "sitecache/build.hpp"

namespace sitecache {

using nlohmann::json;

namespace {

// Written by hand rather than through a JSON DOM: a 10,000-page build records tens of
// thousands of uses, and building the DOM was most of finish()'s time on a warm build.
// Keys come out in the documented order; from_json (nlohmann) reads any order.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& key(std::string_view name) {
    separate();
    string(name);
    out_ += ':';
    pending_value_ = true;  // the value follows without a comma
    return *this;
  }
  JsonWriter& value(std::string_view text) {
    separate();
    string(text);
    return *this;
  }
  JsonWriter& value(uint64_t number) {
    separate();
    out_ += std::to_string(number);
    return *this;
  }
  JsonWriter& value(int64_t number) {
    separate();
    out_ += std::to_string(number);
    return *this;
  }
  JsonWriter& value(bool flag) {
    separate();
    out_ += flag ? "true" : "false";
    return *this;
  }
  JsonWriter& open(char bracket) {
    separate();
    out_ += bracket;
    first_ = true;
    return *this;
  }
  JsonWriter& close(char bracket) {
    out_ += bracket;
    first_ = false;
    return *this;
  }

 private:
  void separate() {
    if (pending_value_) {
      pending_value_ = false;
    } else if (!first_) {
      out_ += ',';
    }
    first_ = false;
  }
  // RFC 8259 escaping. Bytes that are not valid UTF-8 (a slot may be any file name)
  // become U+FFFD, so the record stays parseable.
  void string(std::string_view text) {
    out_ += '"';
    for (size_t i = 0; i < text.size();) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (byte >= 0x80) {
        const size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0) {
          out_ += "\xEF\xBF\xBD";
          ++i;
        } else {
          out_.append(text.substr(i, length));
          i += length;
        }
        continue;
      }
      if (byte == '"' || byte == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(byte);
      } else if (byte < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_ += kHex[byte >> 4];
        out_ += kHex[byte & 0xF];
      } else {
        out_ += static_cast<char>(byte);
      }
      ++i;
    }
    out_ += '"';
  }

  // The length of the well-formed UTF-8 sequence `text` starts with (a lead byte >= 0x80),
  // 0 when it is not one (RFC 3629: no overlongs, surrogates or code points > U+10FFFF).
  static size_t utf8_sequence_length(std::string_view text) {
    const auto at = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = at(0);
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return 0;
    }
    if (text.size() < length || at(1) < low || at(1) > high) return 0;
    for (size_t i = 2; i < length; ++i) {
      if (at(i) < 0x80 || at(i) > 0xBF) return 0;
    }
    return length;
  }

  std::string& out_;
  bool first_ = true;
  bool pending_value_ = false;
};

}  // namespace

std::string BuildRecord::to_json() const {
  std::string out;
  out.reserve(256 + uses.size() * 160);
  JsonWriter w(out);
  w.open('{');
  w.key("format_version").value(uint64_t{1});
  w.key("generation").value(generation);
  w.key("cache").value(cache);
  w.key("started_ms").value(started_ms);
  w.key("ended_ms").value(ended_ms);
  w.key("hits").value(hits);
  w.key("misses").value(misses);
  w.key("errors").value(errors);
  w.key("rejected").value(rejected);
  w.key("bytes_read").value(bytes_read);
  w.key("bytes_written").value(bytes_written);
  w.key("saved_us").value(saved_us);
  w.key("render_us").value(render_us);
  w.key("steps").open('{');
  for (const auto& [name, c] : steps) {
    w.key(name).open('{');
    w.key("hits").value(c.hits);
    w.key("misses").value(c.misses);
    w.key("saved_us").value(c.saved_us);
    w.key("render_us").value(c.render_us);
    w.close('}');
  }
  w.close('}');
  w.key("uses").open('[');
  for (const RecordedUse& use : uses) {
    w.open('{');
    w.key("key").value(use.key);
    w.key("step").value(use.step);
    w.key("slot").value(use.slot);
    w.key("hit").value(use.hit);
    w.key("inputs").open('[');
    for (const RecordedInput& input : use.inputs) {
      w.open('[').value(input.name).value(input.digest).close(']');
    }
    w.close(']');
    w.key("parent").value(use.parent);
    w.key("cost_us").value(use.cost_us);
    if (!use.not_stored.empty()) w.key("not_stored").value(use.not_stored);
    w.key("outputs").open('[');
    for (const RecordedOutput& o : use.outputs) {
      w.open('{');
      w.key("path").value(o.path);
      w.key("digest").value(o.digest.hex());
      w.key("size").value(o.size);
      w.key("mtime_ns").value(o.mtime_ns);
      w.key("inode").value(o.inode);
      w.key("ctime_ns").value(o.ctime_ns);
      w.key("mode").value(uint64_t{o.mode});
      w.close('}');
    }
    w.close(']');
    w.close('}');
  }
  w.close(']');
  w.close('}');
  return out;
}

Result<BuildRecord> BuildRecord::from_json(std::string_view text) {
  json in = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded() || !in.is_object()) {
    return Status(StatusCode::corruption, "build record is not valid JSON");
  }
  // Reading with defaults keeps older or partial records readable; a wrong type is
  // reported instead of thrown.
  try {
    if (in.value("format_version", 0) != 1) {
      return Status(StatusCode::corruption, "unknown build record format");
    }
    BuildRecord r;
    r.generation = in.value("generation", uint64_t{0});
    r.cache = in.value("cache", std::string());
    r.started_ms = in.value("started_ms", int64_t{0});
    r.ended_ms = in.value("ended_ms", int64_t{0});
    r.hits = in.value("hits", uint64_t{0});
    r.misses = in.value("misses", uint64_t{0});
    r.errors = in.value("errors", uint64_t{0});
    r.rejected = in.value("rejected", uint64_t{0});
    r.bytes_read = in.value("bytes_read", uint64_t{0});
    r.bytes_written = in.value("bytes_written", uint64_t{0});
    r.saved_us = in.value("saved_us", uint64_t{0});
    r.render_us = in.value("render_us", uint64_t{0});
    const json steps_json = in.value("steps", json::object());
    for (const auto& [name, c] : steps_json.items()) {
      r.steps[name] =
          StepCounters{c.value("hits", uint64_t{0}), c.value("misses", uint64_t{0}),
                       c.value("saved_us", uint64_t{0}), c.value("render_us", uint64_t{0})};
    }
    const json uses_json = in.value("uses", json::array());
    for (const auto& u : uses_json) {
      RecordedUse use;
      use.key = u.value("key", std::string());
      use.step = u.value("step", std::string());
      use.slot = u.value("slot", std::string());
      use.hit = u.value("hit", false);
      const json inputs_json = u.value("inputs", json::array());
      for (const auto& input : inputs_json) {
        if (input.is_array() && input.size() == 2) {
          use.inputs.push_back({input[0].get<std::string>(), input[1].get<std::string>()});
        }
      }
      use.parent = u.value("parent", int64_t{-1});
      use.cost_us = u.value("cost_us", uint64_t{0});
      use.not_stored = u.value("not_stored", std::string());
      const json outputs_json = u.value("outputs", json::array());
      for (const auto& o : outputs_json) {
        RecordedOutput out;
        out.path = o.value("path", std::string());
        Result<Digest> digest = Digest::from_hex(o.value("digest", std::string()));
        if (digest) out.digest = *digest;
        out.size = o.value("size", uint64_t{0});
        out.mtime_ns = o.value("mtime_ns", int64_t{0});
        out.inode = o.value("inode", uint64_t{0});
        out.ctime_ns = o.value("ctime_ns", int64_t{0});
        out.mode = o.value("mode", uint32_t{0});
        use.outputs.push_back(std::move(out));
      }
      r.uses.push_back(std::move(use));
    }
    return r;
  } catch (const json::exception& e) {
    return Status(StatusCode::corruption, std::string("malformed build record: ") + e.what());
  }
}

std::string BuildRecord::encode() const {
  return encode_build_record(*this);
}

Result<BuildRecord> BuildRecord::decode(std::string_view stored) {
  if (!is_binary_build_record(stored)) return from_json(stored);
  Result<BuildRecordView> view = BuildRecordView::open(stored);
  if (!view) return view.status();
  return view->materialize();
}

}  // namespace sitecache
