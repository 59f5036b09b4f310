// The Mustache templates of a site, rendered with mstch.
//
// A templates folder holds the layouts base, post, index, tag, tags and rss
// (<name>.mustache) and partials/<name>.mustache; header, footer and taglist are required
// partials, any other partial may be used with {{> name}}. base wraps every HTML page
// through {{{content}}}; rss is a complete document of its own.
#ifndef SITEGEN_TEMPLATES_HPP
#define SITEGEN_TEMPLATES_HPP

#include <filesystem>
#include <map>
#include <mstch/mstch.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sitegen {

class Templates {
 public:
  // Reads every template. Throws std::runtime_error naming a missing or unreadable file.
  // Also installs sitegen's HTML escaping in mstch (a process-wide setting): call before
  // rendering on other threads.
  static Templates load(const std::filesystem::path& dir);

  // Renders layout `name` with `context`; every partial is available. Thread-safe.
  std::string render(std::string_view name, const mstch::node& context) const;
  std::string render_partial(std::string_view name, const mstch::node& context) const;

  // The template sources whose change can change the output of layout `name`, as
  // (name, text) pairs in a fixed order: the layout, base unless `name` is rss, and every
  // partial (a partial may include any other).
  std::vector<std::pair<std::string, std::string_view>> sources_of(std::string_view name) const;
  // The text of partial `name`, for keys of fragments rendered from it alone.
  const std::string& partial_text(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> layouts_;
  std::map<std::string, std::string> partials_;  // mstch's own parameter type
};

// & < > " ' as entities; the set HTML text, attribute values and XML all accept.
std::string escape_html(std::string_view text);

}  // namespace sitegen

#endif  // SITEGEN_TEMPLATES_HPP
