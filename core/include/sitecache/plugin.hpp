// Forwarding header: the C++ plugin authoring adapter lives in sitecache/plugin_adapter.hpp.
// Kept so that plugins written against the first releases (#include <sitecache/plugin.hpp>)
// build unchanged.
#ifndef SITECACHE_PLUGIN_HPP_FORWARD
#define SITECACHE_PLUGIN_HPP_FORWARD
#include "sitecache/plugin_adapter.hpp"
#endif
