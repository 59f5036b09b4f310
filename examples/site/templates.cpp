#include "templates.hpp"

#include <stdexcept>

#include "content.hpp"

namespace sitegen {
namespace fs = std::filesystem;

namespace {

constexpr const char* kLayouts[] = {"base", "post", "index", "tag", "tags", "rss"};
constexpr const char* kRequiredPartials[] = {"header", "footer", "taglist"};
constexpr std::string_view kExtension = ".mustache";

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Templates Templates::load(const fs::path& dir) {
  // mstch's default also escapes '/', which mangles every URL in an attribute.
  mstch::config::escape = [](const std::string& text) { return escape_html(text); };

  Templates t;
  for (const char* name : kLayouts) {
    t.layouts_.emplace(name, read_file(dir / (std::string(name) + std::string(kExtension))));
  }
  const fs::path partials = dir / "partials";
  std::error_code ec;
  for (fs::directory_iterator it(partials, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() == kExtension) t.partials_.emplace(path.stem().string(), read_file(path));
  }
  if (ec) throw std::runtime_error(partials.string() + ": " + ec.message());
  for (const char* name : kRequiredPartials) {
    if (!t.partials_.contains(name)) {
      throw std::runtime_error((partials / (std::string(name) + std::string(kExtension))).string() +
                               ": missing");
    }
  }
  return t;
}

std::string Templates::render(std::string_view name, const mstch::node& context) const {
  auto it = layouts_.find(name);
  if (it == layouts_.end()) throw std::logic_error("no layout " + std::string(name));
  return mstch::render(it->second, context, partials_);
}

std::string Templates::render_partial(std::string_view name, const mstch::node& context) const {
  return mstch::render(partial_text(name), context, partials_);
}

const std::string& Templates::partial_text(std::string_view name) const {
  auto it = partials_.find(std::string(name));
  if (it == partials_.end()) throw std::logic_error("no partial " + std::string(name));
  return it->second;
}

std::vector<std::pair<std::string, std::string_view>> Templates::sources_of(
    std::string_view name) const {
  std::vector<std::pair<std::string, std::string_view>> sources;
  auto layout = layouts_.find(name);
  if (layout == layouts_.end()) throw std::logic_error("no layout " + std::string(name));
  sources.emplace_back(layout->first, layout->second);
  if (name != "rss") sources.emplace_back("base", layouts_.find("base")->second);
  for (const auto& [partial, text] : partials_) sources.emplace_back("partials/" + partial, text);
  return sources;
}

}  // namespace sitegen
