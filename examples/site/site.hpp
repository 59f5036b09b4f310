// Site assembly: from the content folder to every output file, each page through a
// memoized render step whose result is the output file itself (Cache::produce_file): a
// warm build skips an output the previous build left unchanged by its stat signature,
// without reading the cache, and restores one deleted or edited by hand.
//
// Steps (bump a version when the code producing that step's output changes):
//   front-matter  source digest -> the page's front matter, serialized; a warm build
//                 learns every page's metadata without reading the page, all pages at
//                 once from the front-matter index (front_matter_index.hpp), which only
//                 the pages whose digest it lacks fall back from
//   post-body     source digest, engines -> the Markdown body as HTML (the inner layer:
//                 a layout or partial edit re-applies templates to cached bodies)
//   post-page     source digest, slug, layouts and partials, site settings, engines ->
//                 posts/<slug>/index.html (the body from post-body)
//   highlight     language, code, engine -> highlighted HTML of one code block
//   home, tag-page, tags-index, feed
//                 the listed posts' front matter, layouts, site settings -> the page;
//                 a body-only edit leaves their keys alone
// Fragments: header and footer (partial text, site settings), taglist (partial text,
// tags).
#ifndef SITEGEN_SITE_HPP
#define SITEGEN_SITE_HPP

#include <filesystem>
#include <functional>
#include <sitecache/sitecache.hpp>
#include <vector>

#include "memo.hpp"
#include "site_config.hpp"
#include "templates.hpp"

namespace sitegen {

// The two phases of a build, in order: every page's front matter is read, then every
// output page is rendered and written.
enum class BuildPhase { reading, rendering };

struct SiteSpec {
  std::filesystem::path content_dir;
  std::filesystem::path out_dir;
  std::vector<std::filesystem::path> keep;  // folders the output folder must not contain
  unsigned jobs = 1;
  // When set, told from the worker threads each time one item of a phase is done, with
  // the phase's item count (progress lines).
  std::function<void(BuildPhase, size_t total)> item_done;
};

struct BuildStats {
  size_t posts = 0;  // published (drafts excluded)
  size_t drafts = 0;
  size_t pages = 0;    // output files produced
  size_t written = 0;  // of which changed on disk
  size_t removed = 0;  // stale files deleted
};

// Builds the site into spec.out_dir. `hasher` gives file digests when memo caches (it may
// be null otherwise). Throws std::runtime_error with a message naming the file at fault;
// the output folder may then be partly updated.
BuildStats build_site(const SiteSpec& spec, const Templates& templates, const SiteConfig& site,
                      const Memo& memo, sitecache::FileHasher* hasher);

}  // namespace sitegen

#endif  // SITEGEN_SITE_HPP
