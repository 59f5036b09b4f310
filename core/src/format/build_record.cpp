// BuildRecord <-> JSON. The shape is documented in docs/json.md ("build record").
#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/utf8.hpp"
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

  std::string& out_;
  bool first_ = true;
  bool pending_value_ = false;
};

// The deepest nesting of a version-1 record: {"uses": [{"inputs": [["name", "digest"]]}]}
// is 4 levels. Some room is left for fields a later 0.x writer may have added.
constexpr size_t kMaxRecordDepth = 16;

// Whether the arrays and objects of `text` nest deeper than `limit`. A linear scan that
// skips strings (and the escapes in them), not a parse: it only has to be exact for text
// the parser would accept, and never recurses.
bool json_nests_deeper_than(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// An array or object member, looked up in place: copying one would recurse through it.
// Absent: an empty value of that type. Present with another type: nullptr.
const json* member(const json& object, const char* name, json::value_t type) {
  static const json empty_object = json::object();
  static const json empty_array = json::array();
  const auto found = object.find(name);
  if (found == object.end()) return type == json::value_t::object ? &empty_object : &empty_array;
  return found->type() == type ? &*found : nullptr;
}

bool is_input_digest_text(std::string_view text) {
  return text.size() == 16 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Reads the numbers of a version-1 record as the writer wrote them: JSON integers in the
// field's range. nlohmann's get<> converts a float such as 6.7e31 to an integer type with
// undefined behaviour (found by fuzz_build_record under UBSan); here a float, or an
// integer out of range, leaves the field at its fallback and marks the record malformed.
class NumberReader {
 public:
  template <class T>
  T get(const json& object, const char* name, T fallback) {
    const auto found = object.find(name);
    if (found == object.end()) return fallback;
    if (found->is_number_unsigned()) {
      const uint64_t value = found->get<uint64_t>();
      if (std::in_range<T>(value)) return static_cast<T>(value);
    } else if (found->is_number_integer()) {
      const int64_t value = found->get<int64_t>();
      if (std::in_range<T>(value)) return static_cast<T>(value);
    }
    if (bad_ == nullptr) bad_ = name;
    return fallback;
  }
  // The first field that was not a whole number in range, or null.
  const char* bad() const { return bad_; }

 private:
  const char* bad_ = nullptr;
};

Status wrong_type(const char* name, const char* expected) {
  return Status(StatusCode::corruption,
                std::string("malformed build record: \"") + name + "\" is not " + expected);
}

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
  // Refused before parsing: nlohmann's DOM copies recurse once per level, so a record
  // nested 200,000 levels deep overflowed the stack of `stats`, `explain` and
  // `clear --stale`. No record this version writes nests deeper than kMaxRecordDepth.
  if (json_nests_deeper_than(text, kMaxRecordDepth)) {
    return Status(StatusCode::corruption,
                  "build record nests deeper than " + std::to_string(kMaxRecordDepth) + " levels");
  }
  json in = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded() || !in.is_object()) {
    return Status(StatusCode::corruption, "build record is not valid JSON");
  }
  // Reading with defaults keeps older or partial records readable; a wrong type is
  // reported instead of thrown. Arrays and objects are read in place (member()), never
  // copied.
  NumberReader number;
  try {
    if (number.get(in, "format_version", 0) != 1) {
      return Status(StatusCode::corruption, "unknown build record format");
    }
    BuildRecord r;
    r.generation = number.get(in, "generation", uint64_t{0});
    r.cache = in.value("cache", std::string());
    r.started_ms = number.get(in, "started_ms", int64_t{0});
    r.ended_ms = number.get(in, "ended_ms", int64_t{0});
    r.hits = number.get(in, "hits", uint64_t{0});
    r.misses = number.get(in, "misses", uint64_t{0});
    r.errors = number.get(in, "errors", uint64_t{0});
    r.rejected = number.get(in, "rejected", uint64_t{0});
    r.bytes_read = number.get(in, "bytes_read", uint64_t{0});
    r.bytes_written = number.get(in, "bytes_written", uint64_t{0});
    r.saved_us = number.get(in, "saved_us", uint64_t{0});
    r.render_us = number.get(in, "render_us", uint64_t{0});
    const json* steps = member(in, "steps", json::value_t::object);
    const json* uses = member(in, "uses", json::value_t::array);
    if (steps == nullptr) return wrong_type("steps", "an object");
    if (uses == nullptr) return wrong_type("uses", "an array");
    for (const auto& [name, c] : steps->items()) {
      if (!c.is_object()) return wrong_type("steps", "an object of objects");
      r.steps[name] = StepCounters{
          number.get(c, "hits", uint64_t{0}), number.get(c, "misses", uint64_t{0}),
          number.get(c, "saved_us", uint64_t{0}), number.get(c, "render_us", uint64_t{0})};
    }
    for (const auto& u : *uses) {
      RecordedUse use;
      use.key = u.value("key", std::string());
      use.step = u.value("step", std::string());
      use.slot = u.value("slot", std::string());
      use.hit = u.value("hit", false);
      const json* inputs = member(u, "inputs", json::value_t::array);
      const json* outputs = member(u, "outputs", json::value_t::array);
      if (inputs == nullptr) return wrong_type("inputs", "an array");
      if (outputs == nullptr) return wrong_type("outputs", "an array");
      for (const auto& input : *inputs) {
        if (input.is_array() && input.size() == 2) {
          std::string digest = input[1].get<std::string>();
          // The binary format holds an input digest as 64 bits, which this text must be
          // (found by fuzz_build_record: "…2a!" was accepted and then re-encoded as "…2a0").
          if (!is_input_digest_text(digest)) {
            return Status(StatusCode::corruption,
                          "malformed build record: an input digest is not 16 lowercase hex "
                          "digits");
          }
          use.inputs.push_back({input[0].get<std::string>(), std::move(digest)});
        }
      }
      use.parent = number.get(u, "parent", int64_t{-1});
      // A parent that names no earlier use is no parent, as the binary writer records it
      // (found by fuzz_build_record: a parent of -2 changed when the record was re-encoded).
      if (use.parent < 0 || use.parent >= static_cast<int64_t>(r.uses.size())) use.parent = -1;
      use.cost_us = number.get(u, "cost_us", uint64_t{0});
      use.not_stored = u.value("not_stored", std::string());
      for (const auto& o : *outputs) {
        RecordedOutput out;
        out.path = o.value("path", std::string());
        Result<Digest> digest = Digest::from_hex(o.value("digest", std::string()));
        if (digest) out.digest = *digest;
        out.size = number.get(o, "size", uint64_t{0});
        out.mtime_ns = number.get(o, "mtime_ns", int64_t{0});
        out.inode = number.get(o, "inode", uint64_t{0});
        out.ctime_ns = number.get(o, "ctime_ns", int64_t{0});
        out.mode = number.get(o, "mode", uint32_t{0});
        use.outputs.push_back(std::move(out));
      }
      r.uses.push_back(std::move(use));
    }
    if (number.bad() != nullptr) return wrong_type(number.bad(), "a whole number in range");
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
