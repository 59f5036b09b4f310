// What each output page shows: the Mustache context of every layout, built from the site's
// data. Knows nothing of caching; templates/README.md lists the variables.
#ifndef SITEGEN_PAGES_HPP
#define SITEGEN_PAGES_HPP

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "content.hpp"
#include "front_matter.hpp"
#include "site_config.hpp"
#include "templates.hpp"

namespace sitegen {

struct Post {
  const SourceFile* source = nullptr;
  FrontMatter fm;
  std::string encoded_fm;  // encode_front_matter(fm): what list pages are keyed on
  std::string title;       // fm.title, or the slug when that is empty
  std::string url;         // "/posts/<slug>/"
};

struct TagGroup {
  std::string name;  // as the newest post using the slug spells it
  std::string slug;
  std::string url;                 // "/tags/<slug>/"
  std::vector<const Post*> posts;  // newest first
};

// Site-wide parts rendered once per build and pasted into every HTML page.
struct Chrome {
  std::string header;
  std::string footer;
};

using TaglistFn = std::function<std::string(const Post&)>;

class PageRenderer {
 public:
  PageRenderer(const Templates& templates, const SiteConfig& site)
      : templates_(templates), site_(site) {}

  // Partials: header and footer see only `site`, taglist only `tags`.
  std::string header() const;
  std::string footer() const;
  std::string taglist(const std::vector<std::string>& tags) const;

  std::string post(const Chrome& chrome, const Post& post, std::string_view body_html,
                   std::string_view taglist_html) const;
  std::string home(const Chrome& chrome, std::string_view title, std::string_view intro_html,
                   std::span<const Post* const> newest, size_t total,
                   const TaglistFn& taglist) const;
  std::string tag(const Chrome& chrome, const TagGroup& group) const;
  std::string tags(const Chrome& chrome, std::span<const TagGroup> groups) const;
  // RSS 2.0; lastBuildDate is the newest post's date, never the clock.
  std::string feed(std::span<const Post* const> newest) const;

 private:
  std::string in_base(const Chrome& chrome, std::string_view title, std::string content) const;

  const Templates& templates_;
  const SiteConfig& site_;
};

// "/tags/<slugify(name)>/"
std::string tag_url(std::string_view name);

}  // namespace sitegen

#endif  // SITEGEN_PAGES_HPP
