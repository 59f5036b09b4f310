// Every in-tree plugin, one line each. Adding a plugin to the suite is adding a line here
// (and its .so to conformance_plugins in meson.build).
#include <cstdlib>

#include "conformance.hpp"
#ifdef HTTP_PLUGIN
#include "../http/conformance_server.hpp"  // starts an nginx unless SITECACHE_TEST_HTTP is set
#endif

namespace sitecache::testing {
namespace {

// Network backends need a server; scripts/test starts one and exports its address.
[[maybe_unused]] std::function<std::string()> needs_server(const char* variable) {
  return [variable] {
    const char* address = std::getenv(variable);
    return address && *address ? std::string() : std::string(variable) + " is not set";
  };
}

}  // namespace

extern const std::vector<PluginCase> kConformanceCases;
const std::vector<PluginCase> kConformanceCases = {
    {"memory", MEMORY_PLUGIN, {}, Stores::everything, 1300, {}, Limits::enforced},
    {"dummy", DUMMY_PLUGIN, {}, Stores::nothing},
    {"c_backend", C_BACKEND_PLUGIN, {}},
    // The plugin ABI grows (tests/abi/README.md): the same C backend built against the
    // frozen 1.0 header, and handed over as a descriptor of a newer minor.
    {"abi_1_0", ABI10_PLUGIN, {}},
    {"abi_newer_minor", NEWER_MINOR_PLUGIN, {}},
#ifdef SQLITE_PLUGIN
    {"sqlite",
     SQLITE_PLUGIN,
     {{"location", "{tmp}/cache.db"}},
     Stores::everything,
     1300,
     {},
     Limits::enforced},
#endif
#ifdef FILE_PLUGIN
    {"file",
     FILE_PLUGIN,
     {{"location", "{tmp}/files"}},
     Stores::everything,
     1300,
     {},
     Limits::enforced},
#endif
#ifdef REDIS_PLUGIN
    {"redis",
     REDIS_PLUGIN,
     {{"location", "redis://{env:SITECACHE_TEST_REDIS}/0"}},
     Stores::everything,
     1300,
     needs_server("SITECACHE_TEST_REDIS")},
#endif
#ifdef MEMCACHED_PLUGIN
    // memcached's clock ticks once a second: a 1 s TTL ends 1 to 2 s later.
    {"memcached",
     MEMCACHED_PLUGIN,
     {{"location", "{env:SITECACHE_TEST_MEMCACHED}"}},
     Stores::everything,
     2100,
     needs_server("SITECACHE_TEST_MEMCACHED")},
#endif
#ifdef HTTP_PLUGIN
    {"http_flat",
     HTTP_PLUGIN,
     {{"location", "{env:SITECACHE_TEST_HTTP}/conformance-flat/"}},
     Stores::everything,
     1300,
     http_conformance_server},
    {"http_subdirs",
     HTTP_PLUGIN,
     {{"location", "{env:SITECACHE_TEST_HTTP}/conformance-subdirs/"}, {"layout", "subdirs"}},
     Stores::everything,
     1300,
     http_conformance_server},
#endif
#ifdef FLATDIR_PLUGIN
    {"flatdir",
     FLATDIR_PLUGIN,
     {{"location", "{tmp}/flat"}},
     Stores::everything,
     1300,
     {},
     Limits::enforced},
#endif
};

}  // namespace sitecache::testing
