#include "build_progress.hpp"

#include <string>

namespace sitegen {

BuildProgress::BuildProgress(const sitecache::Cache* cache, sitecache::progress::Display display)
    : cache_(cache), line_("sitegen", display) {}

void BuildProgress::item_done(BuildPhase phase, size_t total) {
  const int number = static_cast<int>(phase);
  int current = phase_.load();
  if (current != number && phase_.compare_exchange_strong(current, number)) {
    done_ = 0;
    line_.begin_phase(phase == BuildPhase::reading ? "sitegen: reading" : "sitegen: rendering");
  }
  const size_t done = ++done_;
  if (!line_.due()) return;
  std::string hits;
  if (cache_ != nullptr) {
    const uint64_t n = cache_->counters().hits;
    hits = std::to_string(n) + (n == 1 ? " cache hit" : " cache hits");
  }
  line_.update(done, total, hits);
}

}  // namespace sitegen
