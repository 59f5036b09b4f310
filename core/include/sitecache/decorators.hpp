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
#include <string_view>
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

// One argument as a slot shows it; false when the text does not identify the value
// (a type without a readable form, or a string cut short).
template <class T>
bool describe_arg(std::string& out, const T& value) {
  constexpr size_t kMaxText = 60;
  if constexpr (std::is_same_v<T, bool>) {
    out += value ? "true" : "false";
  } else if constexpr (std::is_arithmetic_v<T>) {
    out += std::to_string(value);
    return std::is_integral_v<T>;  // to_string rounds floating-point values
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    const std::string_view text(value);
    out += '"';
    out += text.substr(0, kMaxText);
    out += '"';
    return text.size() <= kMaxText;
  } else {
    out += "...";
    return false;
  }
  return true;
}

// The slot of a decorated call: "step(arg, ...)", readable so that `sitecache ls` shows it
// and `sitecache explain` takes it. When the text does not identify the arguments, the
// first 16 digits of their digest follow ("#..."), so distinct calls never share a slot.
template <class... Args>
std::string slot_of(const Step& step, const Inputs& inputs, const Args&... args) {
  std::string slot = step.name + "(";
  bool exact = true;
  size_t index = 0;
  ((slot += index++ == 0 ? "" : ", ", exact = describe_arg(slot, args) && exact), ...);
  slot += ")";
  if (!exact) slot += "#" + step_key(step, inputs).hex().substr(0, 16);
  return slot;
}
}  // namespace detail

// Wraps `fn` (returning std::string or something constructible from and convertible to
// it). The returned callable keeps a reference to `cache`, which must outlive it.
template <class Fn>
auto cache_page(Cache& cache, Step step, Timeout timeout, Fn fn) {
  return
      [&cache, step = std::move(step), timeout, fn = std::move(fn)](const Hashable auto&... args) {
        using Output = std::decay_t<decltype(fn(args...))>;
        const Inputs inputs = detail::inputs_of(args...);
        MemoOptions options;
        options.timeout = timeout;
        options.slot = detail::slot_of(step, inputs, args...);
        Result<std::string> out = cache.memoize(
            step, inputs, [&] { return std::string(fn(args...)); }, options);
        if (out) return Output(std::move(out.value()));
        return fn(args...);
      };
}

// Caches the output of `render` under the fragment `name` and the vary-on values.
template <class Render, Hashable... VaryOn>
std::string fragment(Cache& cache, std::string_view name, Render&& render,
                     const VaryOn&... vary_on) {
  Step step{"fragment:" + std::string(name), 1};
  const Inputs inputs = detail::inputs_of(vary_on...);
  MemoOptions options;
  options.slot = detail::slot_of(step, inputs, vary_on...);
  Result<std::string> out = cache.memoize(
      step, inputs, [&] { return std::string(render()); }, options);
  if (out) return std::move(out.value());
  return std::string(render());
}

}  // namespace sitecache

#endif  // SITECACHE_DECORATORS_HPP
