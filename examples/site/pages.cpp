#include "pages.hpp"

#include "dates.hpp"

namespace sitegen {
namespace {

mstch::map site_context(const SiteConfig& site) {
  return mstch::map{
      {"title", site.title}, {"base_url", site.base_url}, {"language", site.language}};
}

mstch::array tag_links(const std::vector<std::string>& tags) {
  mstch::array links;
  for (const std::string& name : tags) {
    links.push_back(mstch::map{{"name", name}, {"url", tag_url(name)}});
  }
  return links;
}

mstch::map post_summary(const Post& post) {
  return mstch::map{{"title", post.title},
                    {"url", post.url},
                    {"date", display_date(post.fm.date)},
                    {"datetime", post.fm.date},
                    {"summary", post.fm.summary}};
}

std::string absolute(const SiteConfig& site, std::string_view root_relative) {
  return site.base_url + std::string(root_relative.substr(root_relative.starts_with('/')));
}

}  // namespace

std::string tag_url(std::string_view name) {
  return "/tags/" + slugify(name) + "/";
}

std::string PageRenderer::header() const {
  return templates_.render_partial("header", mstch::map{{"site", site_context(site_)}});
}

std::string PageRenderer::footer() const {
  return templates_.render_partial("footer", mstch::map{{"site", site_context(site_)}});
}

std::string PageRenderer::taglist(const std::vector<std::string>& tags) const {
  return templates_.render_partial(
      "taglist", mstch::map{{"tags", tag_links(tags)}, {"has_tags", !tags.empty()}});
}

std::string PageRenderer::in_base(const Chrome& chrome, std::string_view title,
                                  std::string content) const {
  return templates_.render("base", mstch::map{{"site", site_context(site_)},
                                              {"title", std::string(title)},
                                              {"header", chrome.header},
                                              {"footer", chrome.footer},
                                              {"content", std::move(content)}});
}

std::string PageRenderer::post(const Chrome& chrome, const Post& post, std::string_view body_html,
                               std::string_view taglist_html) const {
  mstch::map context = post_summary(post);
  context.emplace("site", site_context(site_));
  context.emplace("tags", tag_links(post.fm.tags));
  context.emplace("taglist", std::string(taglist_html));
  context.emplace("body", std::string(body_html));
  return in_base(chrome, post.title, templates_.render("post", context));
}

std::string PageRenderer::home(const Chrome& chrome, std::string_view title,
                               std::string_view intro_html, std::span<const Post* const> newest,
                               size_t total, const TaglistFn& taglist) const {
  mstch::array posts;
  for (const Post* post : newest) {
    mstch::map item = post_summary(*post);
    item.emplace("taglist", taglist(*post));
    posts.push_back(std::move(item));
  }
  mstch::map context{{"site", site_context(site_)},      {"title", std::string(title)},
                     {"intro", std::string(intro_html)}, {"posts", std::move(posts)},
                     {"count", static_cast<int>(total)}, {"has_more", total > newest.size()}};
  return in_base(chrome, title, templates_.render("index", context));
}

std::string PageRenderer::tag(const Chrome& chrome, const TagGroup& group) const {
  mstch::array posts;
  for (const Post* post : group.posts) posts.push_back(post_summary(*post));
  mstch::map context{{"site", site_context(site_)},
                     {"name", group.name},
                     {"url", group.url},
                     {"count", static_cast<int>(group.posts.size())},
                     {"posts", std::move(posts)}};
  return in_base(chrome, group.name, templates_.render("tag", context));
}

std::string PageRenderer::tags(const Chrome& chrome, std::span<const TagGroup> groups) const {
  mstch::array list;
  for (const TagGroup& group : groups) {
    list.push_back(mstch::map{
        {"name", group.name}, {"url", group.url}, {"count", static_cast<int>(group.posts.size())}});
  }
  mstch::map context{{"site", site_context(site_)},
                     {"tags", std::move(list)},
                     {"count", static_cast<int>(groups.size())}};
  return in_base(chrome, "Tags", templates_.render("tags", context));
}

std::string PageRenderer::feed(std::span<const Post* const> newest) const {
  std::string last_build;
  mstch::array items;
  for (const Post* post : newest) {
    const std::string link = absolute(site_, post->url);
    const std::string date = rfc822_date(post->fm.date);
    if (last_build.empty()) last_build = date;
    items.push_back(mstch::map{{"title", post->title},
                               {"link", link},
                               {"guid", link},
                               {"pub_date", date},
                               {"has_date", !date.empty()},
                               {"description", post->fm.summary}});
  }
  mstch::map context{{"site", site_context(site_)},
                     {"feed_url", absolute(site_, "/index.xml")},
                     {"last_build_date", last_build},
                     {"has_date", !last_build.empty()},
                     {"items", std::move(items)}};
  return templates_.render("rss", context);
}

}  // namespace sitegen
