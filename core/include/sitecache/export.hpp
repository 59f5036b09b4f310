// SITECACHE_EXPORT marks the public API. The library is compiled with hidden visibility,
// so only declarations that carry this macro reach its dynamic symbol table; everything
// under core/src stays internal however it is declared (tests/install checks this).
#ifndef SITECACHE_EXPORT_HPP
#define SITECACHE_EXPORT_HPP

#if defined(__GNUC__) || defined(__clang__)
#define SITECACHE_EXPORT [[gnu::visibility("default")]]
#else
#define SITECACHE_EXPORT
#endif

#endif  // SITECACHE_EXPORT_HPP
