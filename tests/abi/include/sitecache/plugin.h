/*
 * Forwarding header: the plugin C ABI lives in sitecache/plugin_abi.h. Kept so that
 * plugins written against the first releases (#include <sitecache/plugin.h>) build
 * unchanged.
 */
#ifndef SITECACHE_PLUGIN_H_FORWARD
#define SITECACHE_PLUGIN_H_FORWARD
#include "sitecache/plugin_abi.h"
#endif
