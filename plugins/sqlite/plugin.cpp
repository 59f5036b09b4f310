// Exports the sqlite backend: the library's only visible symbol is sitecache_plugin_entry.
#include "sitecache/plugin.hpp"
#include "backend.hpp"

SITECACHE_PLUGIN(sitecache::sqlite::SqliteBackend)
