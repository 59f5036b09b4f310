// Opening the Store of one configured cache: its plugin (with the reserved options of
// plugin_abi.h and the [options] table), or a TieredStore over the caches it names as
// levels.
#ifndef SITECACHE_STORAGE_OPEN_STORE_HPP
#define SITECACHE_STORAGE_OPEN_STORE_HPP

#include <functional>
#include <memory>
#include <string_view>

#include "sitecache/config.hpp"
#include "sitecache/status.hpp"
#include "storage/signing_store.hpp"
#include "storage/store.hpp"

namespace sitecache {

// Loads the plugin (the dummy plugin when config.disabled) and creates a handle. With
// levels, a level that cannot start is skipped with one warning through `warn`; only when
// none starts is that an error (unavailable). An unknown level name is a config error.
// A cache (or level) with signing settings is wrapped in a SigningStore that reports
// rejected reads through `rejected`; a signing key that cannot be read is a config error
// (for a level: that level is skipped, as one that cannot start).
Result<std::unique_ptr<Store>> open_store(const CacheConfig& settings, const Config& config,
                                          const std::function<void(std::string_view)>& warn,
                                          const RejectSink& rejected);

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_OPEN_STORE_HPP
