// cache_page and fragment caching: memoize in the shape of Django's @cache_page and
// {% cache %}.
//
//   auto page = sitecache::cache_page(cache, {"render-post", 2}, Timeout::never(),
//                                     [](const Post& post, const std::string& layout) {...});
//   std::string html = page(post, layout);   // same call as the undecorated function
//
//   std::string sidebar = sitecache::fragment(cache, "sidebar", [&] { return render(); },
//                                             user_name, locale);
//
// Every argument (or vary-on value) must be Hashable (memoize.hpp): the common types are,
// and your own become so with sitecache_hash(KeyBuilder&, const T&). Each value is a
// separate typed field of the key, so distinct argument lists always give distinct keys
// (Django's fragment keys joined vary-on values with ':' and could collide).
// On any cache failure the function is simply called: the output is always correct.
#ifndef SITECACHE_DECORATORS_HPP
#define SITECACHE_DECORATORS_HPP

#include <string>
#include <type_traits>
#include <utility>

#include "sitecache/cache.hpp"
#include "sitecache/memoize.hpp"

namespace sitecache {

namespace detail {
template <class... Args>
Inputs inputs_of(const Args&... args) {
  Inputs inputs;
  size_t index = 0;
  (inputs.value("arg" + std::to_string(index++), args), ...);
  return inputs;
}
}  // namespace detail

// Wraps `fn` (returning std::string or something constructible from and convertible to
// it). The returned callable keeps a reference to `cache`, which must outlive it.
template <class Fn>
auto cache_page(Cache& cache, Step step, Timeout timeout, Fn fn) {
  return
      [&cache, step = std::move(step), timeout, fn = std::move(fn)](const Hashable auto&... args) {
        using Output = std::decay_t<decltype(fn(args...))>;
        MemoOptions options;
        options.timeout = timeout;
        Result<std::string> out = cache.memoize(
            step, detail::inputs_of(args...), [&] { return std::string(fn(args...)); }, options);
        if (out) return Output(std::move(out.value()));
        return fn(args...);
      };
}

// Caches the output of `render` under the fragment `name` and the vary-on values.
template <class Render, Hashable... VaryOn>
std::string fragment(Cache& cache, std::string_view name, Render&& render,
                     const VaryOn&... vary_on) {
  Step step{"fragment:" + std::string(name), 1};
  Result<std::string> out =
      cache.memoize(step, detail::inputs_of(vary_on...), [&] { return std::string(render()); });
  if (out) return std::move(out.value());
  return std::string(render());
}

}  // namespace sitecache

#endif  // SITECACHE_DECORATORS_HPP
