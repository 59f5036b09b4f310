#include "site_config.hpp"

#include <toml++/toml.h>
#include <stdexcept>

namespace sitegen {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const toml::source_region& at, std::string_view what) {
  std::string where = at.path ? *at.path : std::string("site.toml");
  throw std::runtime_error(where + ":" + std::to_string(at.begin.line) + ":" +
                           std::to_string(at.begin.column) + ": " + std::string(what));
}

SiteConfig parse(const fs::path& path) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    fail(e.source(), e.description());
  }
  SiteConfig config;
  for (const auto& [key, node] : table) {
    const std::string_view name = key.str();
    if (name == "title" || name == "base_url" || name == "language") {
      if (!node.is_string()) fail(node.source(), std::string(name) + " must be a string");
      std::string value = node.as_string()->get();
      if (name == "title") config.title = std::move(value);
      if (name == "language") config.language = std::move(value);
      if (name == "base_url") {
        if (!value.ends_with('/')) value += '/';
        config.base_url = std::move(value);
      }
    } else if (name == "index_size" || name == "feed_size") {
      if (!node.is_integer() || node.as_integer()->get() < 1) {
        fail(node.source(), std::string(name) + " must be a positive integer");
      }
      (name == "index_size" ? config.index_size : config.feed_size) = node.as_integer()->get();
    } else {
      fail(key.source(), "unknown key '" + std::string(name) +
                             "' (expected title, base_url, language, index_size or feed_size)");
    }
  }
  return config;
}

}  // namespace

std::string SiteConfig::canonical() const {
  std::string out;
  for (const std::string& field :
       {title, base_url, language, std::to_string(index_size), std::to_string(feed_size)}) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
  }
  return out;
}

SiteConfig load_site_config(const std::optional<fs::path>& explicit_path,
                            const fs::path& content_dir) {
  if (explicit_path) return parse(*explicit_path);
  fs::path content = fs::absolute(content_dir).lexically_normal();
  if (!content.has_filename()) content = content.parent_path();
  const fs::path beside = content.parent_path() / "site.toml";
  std::error_code ec;
  if (fs::exists(beside, ec)) return parse(beside);
  return SiteConfig{};
}

}  // namespace sitegen
