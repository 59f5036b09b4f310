// Everything a site generator needs: caches, memoization, decorators, build sessions.
#ifndef SITECACHE_SITECACHE_HPP
#define SITECACHE_SITECACHE_HPP

#include "sitecache/build.hpp"
#include "sitecache/cache.hpp"
#include "sitecache/config.hpp"
#include "sitecache/decorators.hpp"
#include "sitecache/key.hpp"
#include "sitecache/memoize.hpp"
#include "sitecache/outputs.hpp"
#include "sitecache/status.hpp"
#include "sitecache/units.hpp"

#endif  // SITECACHE_SITECACHE_HPP
