// Render steps through the cache, or straight through when caching is off (--no-cache):
// the site code is written once and never touches the cache in the second case.
#ifndef SITEGEN_MEMO_HPP
#define SITEGEN_MEMO_HPP

#include <filesystem>
#include <functional>
#include <sitecache/sitecache.hpp>
#include <string>
#include <string_view>

namespace sitegen {

class Memo {
 public:
  // `cache` null: every call renders.
  explicit Memo(sitecache::Cache* cache) : cache_(cache) {}

  bool caching() const { return cache_ != nullptr; }
  // The cache (not owned), null when not caching: for plain-key entries of the site.
  sitecache::Cache* cache() const { return cache_; }

  // The output of `render` for `step` over the inputs `add_inputs` declares (called only
  // when caching). Throws std::runtime_error when an input cannot be read or the cache
  // fails under on_error = "fail"; exceptions from `render` propagate.
  std::string run(const sitecache::Step& step,
                  const std::function<void(sitecache::Inputs&)>& add_inputs,
                  const std::function<std::string()>& render, std::string_view slot = {}) const;

  // Makes the file `output` hold render()'s output for `step` over the inputs
  // `add_inputs` declares, through Cache::produce_file (only when caching): inside a
  // build session an output the previous build left unchanged (same key, same stat
  // signature) is skipped without a cache read; one deleted or edited by hand is restored
  // from the cache; a miss renders and writes. Returns how many files were written (0 or
  // 1). Throws std::runtime_error like run(); exceptions from `render` propagate.
  uint64_t produce(const sitecache::Step& step,
                   const std::function<void(sitecache::Inputs&)>& add_inputs,
                   const std::filesystem::path& output, const std::function<std::string()>& render,
                   std::string_view slot) const;

  // Fragment caching (sitecache::fragment) of `render` under `name` and `vary_on`.
  template <class Render, sitecache::Hashable... VaryOn>
  std::string fragment(std::string_view name, Render&& render, const VaryOn&... vary_on) const {
    if (!cache_) return std::string(render());
    return sitecache::fragment(*cache_, name, std::forward<Render>(render), vary_on...);
  }

 private:
  sitecache::Cache* cache_;
};

}  // namespace sitegen

#endif  // SITEGEN_MEMO_HPP
