#include "site.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>

#include "content.hpp"
#include "front_matter.hpp"
#include "front_matter_index.hpp"
#include "highlight.hpp"
#include "markdown.hpp"
#include "output.hpp"
#include "pages.hpp"
#include "parallel.hpp"

namespace sitegen {
namespace fs = std::filesystem;
using sitecache::Digest;
using sitecache::Inputs;
using sitecache::Step;

namespace {

// Versions of the code behind each step (site.hpp lists the steps). Version 2 of the page
// steps: their results are files (Cache::produce_file), no longer strings.
const Step kFrontMatterStep{"front-matter", 1};
const Step kPostBodyStep{"post-body", 1};
const Step kPostStep{"post-page", 2};
const Step kHighlightStep{"highlight", 1};
const Step kHomeStep{"home", 2};
const Step kTagStep{"tag-page", 2};
const Step kTagsStep{"tags-index", 2};
const Step kFeedStep{"feed", 2};
// Changes of the page-building code that no single step version covers.
constexpr const char* kGenerator = "sitegen 1";

// The digests that stand for one layout's template sources in a page key.
struct LayoutKey {
  Digest layout;
  Digest base;
  Digest partials;
};

class SiteBuild {
 public:
  SiteBuild(const SiteSpec& spec, const Templates& templates, const SiteConfig& site,
            const Memo& memo, sitecache::FileHasher* hasher)
      : spec_(spec),
        templates_(templates),
        site_(site),
        memo_(memo),
        hasher_(hasher),
        renderer_(templates, site),
        out_(spec.out_dir, spec.keep, hasher),
        engine_(std::string(kGenerator) + "; " + markdown_engine() + "; " + highlighter_.engine()) {
  }

  BuildStats run() {
    sources_ = list_posts(spec_.content_dir);
    load_posts();
    group_tags();
    chrome_.header = memo_.fragment(
        "header", [&] { return renderer_.header(); }, templates_.partial_text("header"),
        site_.canonical());
    chrome_.footer = memo_.fragment(
        "footer", [&] { return renderer_.footer(); }, templates_.partial_text("footer"),
        site_.canonical());

    std::vector<std::function<void()>> tasks;
    for (const Post& post : posts_) tasks.emplace_back([this, p = &post] { write_post(*p); });
    for (const TagGroup& group : tags_) tasks.emplace_back([this, g = &group] { write_tag(*g); });
    tasks.emplace_back([&] { write_home(); });
    tasks.emplace_back([&] { write_tags_index(); });
    tasks.emplace_back([&] { write_feed(); });
    parallel_for(tasks.size(), spec_.jobs, [&](size_t i) {
      tasks[i]();
      if (spec_.item_done) spec_.item_done(BuildPhase::rendering, tasks.size());
    });

    BuildStats stats;
    stats.posts = posts_.size();
    stats.drafts = sources_.size() - posts_.size();
    stats.pages = out_.produced();
    stats.written = out_.written();
    stats.removed = out_.remove_stale();
    return stats;
  }

 private:
  Digest digest_of(const fs::path& path) const {
    sitecache::Result<Digest> digest = hasher_->digest(path);
    if (!digest) throw std::runtime_error(digest.status().message());
    return digest.value();
  }

  // The file's text; when `expected` is given, a file that no longer matches the digest
  // its key was made from is an error rather than a page stored under the wrong key.
  static std::string read_source(const fs::path& path, const std::optional<Digest>& expected) {
    std::string text = read_file(path);
    if (expected && sitecache::hash_bytes(text) != *expected) {
      throw std::runtime_error(path.string() + ": changed during the build; build again");
    }
    return text;
  }

  static FrontMatter parse_source(const std::string& text, const SourceFile& source) {
    const std::string name = source.path.string();
    Document doc = split_front_matter(text, name);
    return parse_front_matter(doc.front_matter, name, doc.front_matter_line);
  }

  // The key of this content folder's front-matter index (front_matter_index.hpp).
  std::string front_matter_index_key() const {
    sitecache::KeyBuilder key("sitegen.front-matter-index", 1);
    key.add_string(fs::absolute(spec_.content_dir).lexically_normal().string());
    key.add_string(kFrontMatterStep.name).add_uint(kFrontMatterStep.version);
    return "sitegen:fm-index:" + key.finish().hex();
  }

  // Source i's front matter; when caching, also its digest and encoded form (digests_,
  // encoded_fms_): from the index when its row still has the source's digest, else
  // through the front-matter step.
  FrontMatter front_matter_of(size_t i, const FrontMatterIndex* index) {
    const SourceFile& source = sources_[i];
    if (memo_.caching()) {
      const Digest digest = digest_of(source.path);
      digests_[i] = digest;
      if (index) {
        if (std::optional<std::string_view> row = index->find(source.rel, digest)) {
          if (std::optional<FrontMatter> fm = decode_front_matter(*row)) {
            encoded_fms_[i] = std::string(*row);
            return std::move(*fm);
          }
        }
      }
      std::string encoded = memo_.run(
          kFrontMatterStep, [&](Inputs& in) { in.digest("source", digest); },
          [&] {
            return encode_front_matter(parse_source(read_source(source.path, digest), source));
          },
          source.rel);
      if (std::optional<FrontMatter> fm = decode_front_matter(encoded)) {
        encoded_fms_[i] = std::move(encoded);
        return std::move(*fm);
      }
      // Not this build's format (a foreign writer under the same key): read the page.
      FrontMatter fm = parse_source(read_source(source.path, digest), source);
      encoded_fms_[i] = encode_front_matter(fm);
      return fm;
    }
    return parse_source(read_file(source.path), source);
  }

  void load_posts() {
    std::map<std::string, const SourceFile*> slugs;
    for (const SourceFile& source : sources_) {
      auto [it, fresh] = slugs.emplace(source.slug, &source);
      if (!fresh) {
        throw std::runtime_error(source.path.string() + ": same URL /posts/" + source.slug +
                                 "/ as " + it->second->path.string());
      }
    }
    std::vector<FrontMatter> fms(sources_.size());
    digests_.assign(sources_.size(), Digest{});
    encoded_fms_.assign(sources_.size(), std::string());
    std::optional<FrontMatterIndex> index;
    if (memo_.caching()) index = FrontMatterIndex::load(*memo_.cache(), front_matter_index_key());
    const FrontMatterIndex* found = index ? &*index : nullptr;
    parallel_for(sources_.size(), spec_.jobs, [&](size_t i) {
      fms[i] = front_matter_of(i, found);
      if (spec_.item_done) spec_.item_done(BuildPhase::reading, sources_.size());
    });
    if (index) {
      std::vector<FrontMatterIndex::Row> rows(sources_.size());
      for (size_t i = 0; i < sources_.size(); ++i) {
        rows[i] = {sources_[i].rel, digests_[i], std::move(encoded_fms_[i])};
      }
      index->save(*memo_.cache(), rows);
      encoded_fms_.clear();
    }

    for (size_t i = 0; i < sources_.size(); ++i) {
      if (fms[i].draft) continue;
      Post post;
      post.source = &sources_[i];
      post.title = fms[i].title.empty() ? sources_[i].slug : fms[i].title;
      post.url = "/posts/" + sources_[i].slug + "/";
      post.encoded_fm = encode_front_matter(fms[i]);
      post.fm = std::move(fms[i]);
      posts_.push_back(std::move(post));
      post_digest_.push_back(digests_[i]);
    }
    // Newest first; the slug breaks ties so the order never depends on the file system.
    std::vector<size_t> order(posts_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (posts_[a].fm.date != posts_[b].fm.date) return posts_[a].fm.date > posts_[b].fm.date;
      return posts_[a].source->slug < posts_[b].source->slug;
    });
    std::vector<Post> sorted;
    std::vector<Digest> sorted_digests;
    for (size_t i : order) {
      sorted.push_back(std::move(posts_[i]));
      sorted_digests.push_back(post_digest_[i]);
    }
    posts_ = std::move(sorted);
    post_digest_ = std::move(sorted_digests);
  }

  void group_tags() {
    std::map<std::string, TagGroup> groups;  // by slug: the URL is the identity
    for (const Post& post : posts_) {
      for (const std::string& name : post.fm.tags) {
        const std::string slug = slugify(name);
        TagGroup& group = groups[slug];
        if (group.posts.empty()) {
          group.name = name;
          group.slug = slug;
          group.url = tag_url(name);
        }
        if (group.posts.empty() || group.posts.back() != &post) group.posts.push_back(&post);
      }
    }
    for (auto& [slug, group] : groups) tags_.push_back(std::move(group));
  }

  LayoutKey layout_key(std::string_view layout) const {
    LayoutKey key;
    sitecache::KeyBuilder partials("sitegen.partials", 1);
    for (const auto& [name, text] : templates_.sources_of(layout)) {
      if (name == layout)
        key.layout = sitecache::hash_bytes(text);
      else if (name == "base")
        key.base = sitecache::hash_bytes(text);
      else
        partials.add_string(name).add_string(text);
    }
    key.partials = partials.finish();
    return key;
  }

  // The inputs every page of `layout` shares.
  void add_page_inputs(Inputs& in, const LayoutKey& key) const {
    in.digest("layout", key.layout).digest("base", key.base).digest("partials", key.partials);
    in.text("site", site_.canonical()).text("engine", engine_);
  }

  static Digest listing_digest(std::span<const Post* const> posts) {
    sitecache::KeyBuilder key("sitegen.listing", 1);
    key.begin_list(posts.size());
    for (const Post* post : posts) key.add_string(post->source->rel).add_string(post->encoded_fm);
    key.end_list();
    return key.finish();
  }

  std::optional<std::string> highlight(std::string_view language, std::string_view code) const {
    std::optional<std::string> lang_file = highlighter_.lang_file(language);
    if (!lang_file) return std::nullopt;
    return memo_.run(
        kHighlightStep,
        [&](Inputs& in) {
          in.text("language", language).text("lang-file", *lang_file).text("code", code);
          in.text("engine", highlighter_.engine());
        },
        [&] { return highlighter_.highlight(*lang_file, language, code); });
  }

  std::string markdown(std::string_view text) const {
    return render_markdown(text, [this](std::string_view language, std::string_view code) {
      return highlight(language, code);
    });
  }

  std::string taglist(const Post& post) const {
    return memo_.fragment(
        "taglist", [&] { return renderer_.taglist(post.fm.tags); },
        templates_.partial_text("taglist"), post.fm.tags);
  }

  // Makes out_/rel hold render()'s output. When caching, through Cache::produce_file: an
  // output the previous build left as it is costs one stat and no cache read.
  void emit(const Step& step, const std::function<void(Inputs&)>& add_inputs,
            const std::string& rel, const std::function<std::string()>& render,
            std::string_view slot) {
    if (!memo_.caching()) {
      out_.write(rel, render());
      return;
    }
    out_.count_written(memo_.produce(step, add_inputs, out_.claim(rel), render, slot));
  }

  // The page's Markdown body as HTML, code highlighted: the inner layer of a post page,
  // cached on its own so that a layout or partial edit re-applies the templates to cached
  // bodies instead of rendering Markdown again. Keyed on the whole source (its digest is
  // known without reading the file), not the body alone, which would need a read.
  std::string post_body(const Post& post, const std::optional<Digest>& digest) const {
    auto render = [&] {
      const std::string text = read_source(post.source->path, digest);
      const Document doc = split_front_matter(text, post.source->path.string());
      return markdown(doc.body);
    };
    if (!memo_.caching()) return render();
    return memo_.run(
        kPostBodyStep, [&](Inputs& in) { in.digest("source", *digest).text("engine", engine_); },
        render, post.source->rel);
  }

  void write_post(const Post& post) {
    const size_t index = static_cast<size_t>(&post - posts_.data());
    const std::optional<Digest> digest =
        memo_.caching() ? std::optional<Digest>(post_digest_[index]) : std::nullopt;
    emit(
        kPostStep,
        [&](Inputs& in) {
          // The slug too: the page shows its URL, and two files may hold the same text.
          in.digest("source", *digest).text("slug", post.source->slug);
          add_page_inputs(in, post_key_);
        },
        "posts/" + post.source->slug + "/index.html",
        [&] { return renderer_.post(chrome_, post, post_body(post, digest), taglist(post)); },
        post.source->rel);
  }

  void write_home() {
    const fs::path index_file = spec_.content_dir / "_index.md";
    std::error_code ec;
    const bool has_index = fs::is_regular_file(index_file, ec);
    const size_t shown = std::min(posts_.size(), static_cast<size_t>(site_.index_size));
    std::vector<const Post*> newest;
    for (size_t i = 0; i < shown; ++i) newest.push_back(&posts_[i]);
    std::optional<Digest> index_digest;  // set when caching
    emit(
        kHomeStep,
        [&](Inputs& in) {
          if (has_index) {
            index_digest = digest_of(index_file);
            in.digest("index", *index_digest);
          } else {
            in.text("index", "absent");
          }
          in.digest("posts", listing_digest(newest))
              .integer("total", static_cast<int64_t>(posts_.size()));
          add_page_inputs(in, layout_key("index"));
        },
        "index.html",
        [&] {
          std::string title = "Home", intro;
          if (has_index) {
            const std::string text = read_source(index_file, index_digest);
            const Document doc = split_front_matter(text, index_file.string());
            FrontMatter fm =
                parse_front_matter(doc.front_matter, index_file.string(), doc.front_matter_line);
            if (!fm.title.empty()) title = fm.title;
            intro = markdown(doc.body);
          }
          return renderer_.home(chrome_, title, intro, newest, posts_.size(),
                                [&](const Post& post) { return taglist(post); });
        },
        "_index.md");
  }

  // Tag pages, the tag index and the feed depend only on the listed posts' front matter
  // (and the layouts): a body-only edit leaves their keys, so they are skipped.
  void write_tag(const TagGroup& group) {
    emit(
        kTagStep,
        [&](Inputs& in) {
          in.text("name", group.name).digest("posts", listing_digest(group.posts));
          add_page_inputs(in, tag_key_);
        },
        "tags/" + group.slug + "/index.html", [&] { return renderer_.tag(chrome_, group); },
        "tags/" + group.slug);
  }

  void write_tags_index() {
    emit(
        kTagsStep,
        [&](Inputs& in) {
          sitecache::KeyBuilder list("sitegen.tags", 1);
          list.begin_list(tags_.size());
          for (const TagGroup& g : tags_)
            list.add_string(g.slug).add_string(g.name).add_uint(g.posts.size());
          list.end_list();
          in.digest("tags", list.finish());
          add_page_inputs(in, layout_key("tags"));
        },
        "tags/index.html", [&] { return renderer_.tags(chrome_, tags_); }, "tags");
  }

  void write_feed() {
    const size_t shown = std::min(posts_.size(), static_cast<size_t>(site_.feed_size));
    std::vector<const Post*> newest;
    for (size_t i = 0; i < shown; ++i) newest.push_back(&posts_[i]);
    emit(
        kFeedStep,
        [&](Inputs& in) {
          in.digest("posts", listing_digest(newest));
          add_page_inputs(in, layout_key("rss"));
        },
        "index.xml", [&] { return renderer_.feed(newest); }, "index.xml");
  }

  const SiteSpec& spec_;
  const Templates& templates_;
  const SiteConfig& site_;
  const Memo& memo_;
  sitecache::FileHasher* hasher_;
  Highlighter highlighter_;
  PageRenderer renderer_;
  OutputTree out_;
  std::string engine_;
  LayoutKey post_key_ = layout_key("post");
  LayoutKey tag_key_ = layout_key("tag");
  Chrome chrome_;

  std::vector<SourceFile> sources_;
  std::vector<Digest> digests_;           // per source; filled when caching
  std::vector<std::string> encoded_fms_;  // per source, while load_posts runs when caching
  std::vector<Post> posts_;               // published, newest first
  std::vector<Digest> post_digest_;       // per post, parallel to posts_
  std::vector<TagGroup> tags_;            // by slug
};

}  // namespace

BuildStats build_site(const SiteSpec& spec, const Templates& templates, const SiteConfig& site,
                      const Memo& memo, sitecache::FileHasher* hasher) {
  if (memo.caching() && !hasher) throw std::logic_error("caching needs a FileHasher");
  return SiteBuild(spec, templates, site, memo, hasher).run();
}

}  // namespace sitegen
