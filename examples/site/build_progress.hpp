// sitegen's progress line on a terminal (progress/progress_line.hpp has the rules):
// "sitegen: rendering 2000/10400 19%, 1850 cache hits, ETA 8s" while a build runs.
#ifndef SITEGEN_BUILD_PROGRESS_HPP
#define SITEGEN_BUILD_PROGRESS_HPP

#include <atomic>
#include <cstddef>
#include <sitecache/sitecache.hpp>

#include "progress_line.hpp"
#include "site.hpp"

namespace sitegen {

class BuildProgress {
 public:
  // `cache` (null without caching) supplies the hit count; `display` is
  // progress_display(--quiet or not).
  BuildProgress(const sitecache::Cache* cache, sitecache::progress::Display display);

  // SiteSpec::item_done: thread-safe; phases come one after the other.
  void item_done(BuildPhase phase, size_t total);
  // Erases the line.
  void finish() { line_.finish(); }

 private:
  const sitecache::Cache* cache_;
  sitecache::progress::ProgressLine line_;
  std::atomic<int> phase_{-1};
  std::atomic<size_t> done_{0};  // items of the current phase
};

}  // namespace sitegen

#endif  // SITEGEN_BUILD_PROGRESS_HPP
