#include "front_matter.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "dates.hpp"

namespace sitegen {
namespace {

[[noreturn]] void fail(std::string_view source, int line_offset, const toml::source_region& at,
                       std::string_view what) {
  throw std::runtime_error(std::string(source) + ":" +
                           std::to_string(static_cast<int>(at.begin.line) + line_offset) + ":" +
                           std::to_string(at.begin.column) + ": " + std::string(what));
}

std::string date_of(const toml::date& d, const toml::time& t, int offset_minutes) {
  return iso_utc(d.year, d.month, d.day, t.hour, t.minute, t.second, offset_minutes);
}

// nullopt when `node` holds no date of any accepted form.
std::optional<std::string> normalized_date(const toml::node& node) {
  if (const auto* dt = node.as_date_time()) {
    const toml::date_time& v = dt->get();
    return date_of(v.date, v.time, v.offset ? v.offset->minutes : 0);
  }
  if (const auto* d = node.as_date()) return date_of(d->get(), toml::time{}, 0);
  if (const auto* s = node.as_string()) {
    // A quoted date: let the TOML grammar decide what counts as one.
    try {
      toml::table probe = toml::parse("d = " + s->get());
      if (const toml::node* v = probe.get("d"); v && !v->is_string()) return normalized_date(*v);
    } catch (const toml::parse_error&) {
    }
  }
  return std::nullopt;
}

void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

bool take(std::string_view& in, std::string& field) {
  const size_t colon = in.find(':');
  if (colon == std::string_view::npos) return false;
  size_t size = 0;
  auto [end, error] = std::from_chars(in.data(), in.data() + colon, size);
  if (error != std::errc() || end != in.data() + colon || size > in.size() - colon - 1) {
    return false;
  }
  field.assign(in.substr(colon + 1, size));
  in.remove_prefix(colon + 1 + size);
  return true;
}

constexpr std::string_view kFormatTag = "sitegen-front-matter/1\n";

}  // namespace

FrontMatter parse_front_matter(std::string_view toml_text, std::string_view source_name,
                               int first_line) {
  const int offset = first_line - 1;
  toml::table table;
  try {
    table = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    fail(source_name, offset, e.source(), e.description());
  }

  FrontMatter fm;
  auto text = [&](std::string_view key, std::string& out) {
    const toml::node* node = table.get(key);
    if (!node) return;
    if (!node->is_string())
      fail(source_name, offset, node->source(), std::string(key) + " must be a string");
    out = node->as_string()->get();
  };
  text("title", fm.title);
  text("summary", fm.summary);
  if (const toml::node* node = table.get("date")) {
    std::optional<std::string> date = normalized_date(*node);
    if (!date) fail(source_name, offset, node->source(), "date must be a TOML date or date-time");
    fm.date = std::move(*date);
  }
  if (const toml::node* node = table.get("draft")) {
    if (!node->is_boolean())
      fail(source_name, offset, node->source(), "draft must be true or false");
    fm.draft = node->as_boolean()->get();
  }
  if (const toml::node* node = table.get("tags")) {
    const toml::array* tags = node->as_array();
    if (!tags) fail(source_name, offset, node->source(), "tags must be an array of strings");
    for (const toml::node& tag : *tags) {
      if (!tag.is_string()) fail(source_name, offset, tag.source(), "tags must be strings");
      const std::string& name = tag.as_string()->get();
      if (!name.empty() && std::find(fm.tags.begin(), fm.tags.end(), name) == fm.tags.end()) {
        fm.tags.push_back(name);
      }
    }
  }
  return fm;
}

std::string encode_front_matter(const FrontMatter& fm) {
  std::string out(kFormatTag);
  put(out, fm.title);
  put(out, fm.date);
  put(out, fm.summary);
  put(out, fm.draft ? "1" : "0");
  put(out, std::to_string(fm.tags.size()));
  for (const std::string& tag : fm.tags) put(out, tag);
  return out;
}

std::optional<FrontMatter> decode_front_matter(std::string_view data) {
  if (!data.starts_with(kFormatTag)) return std::nullopt;
  data.remove_prefix(kFormatTag.size());
  FrontMatter fm;
  std::string draft, count;
  if (!take(data, fm.title) || !take(data, fm.date) || !take(data, fm.summary) ||
      !take(data, draft) || !take(data, count) || (draft != "0" && draft != "1")) {
    return std::nullopt;
  }
  fm.draft = draft == "1";
  size_t n = 0;
  auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), n);
  if (error != std::errc() || end != count.data() + count.size() || n > data.size()) {
    return std::nullopt;
  }
  fm.tags.resize(n);
  for (std::string& tag : fm.tags) {
    if (!take(data, tag)) return std::nullopt;
  }
  if (!data.empty()) return std::nullopt;
  return fm;
}

}  // namespace sitegen
