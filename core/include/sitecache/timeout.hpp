// How long an entry lives: Django's TIMEOUT semantics as a type instead of magic numbers.
#ifndef SITECACHE_TIMEOUT_HPP
#define SITECACHE_TIMEOUT_HPP

#include <chrono>
#include <cstdint>

namespace sitecache {

class Timeout {
 public:
  enum class Kind {
    cache_default,  // use the cache's configured timeout (only meaningful in API calls)
    never,          // no expiry ("none", Django's None)
    dont_store,     // 0: the value is not stored and any stored value is removed
    after,          // expires after duration()
  };

  // The default argument of every API call: the cache's configured timeout.
  constexpr Timeout() = default;
  static constexpr Timeout use_default() { return Timeout(); }
  static constexpr Timeout never() { return Timeout(Kind::never, {}); }
  static constexpr Timeout dont_store() { return Timeout(Kind::dont_store, {}); }
  // A non-positive duration means dont_store, as in Django.
  static constexpr Timeout after(std::chrono::milliseconds duration) {
    return duration.count() <= 0 ? dont_store() : Timeout(Kind::after, duration);
  }
  static constexpr Timeout seconds(int64_t seconds) { return after(std::chrono::seconds(seconds)); }

  constexpr Kind kind() const { return kind_; }
  constexpr std::chrono::milliseconds duration() const { return duration_; }
  // `this`, or `fallback` when this is cache_default.
  constexpr Timeout or_default(Timeout fallback) const {
    return kind_ == Kind::cache_default ? fallback : *this;
  }
  friend constexpr bool operator==(const Timeout&, const Timeout&) = default;

 private:
  constexpr Timeout(Kind kind, std::chrono::milliseconds duration)
      : kind_(kind), duration_(duration) {}
  Kind kind_ = Kind::cache_default;
  std::chrono::milliseconds duration_{0};
};

}  // namespace sitecache

#endif  // SITECACHE_TIMEOUT_HPP
