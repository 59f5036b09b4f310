// Exports the sqlite backend: the library's only visible symbol is sitecache_plugin_entry.
#include "backend.hpp"
#include "sitecache/plugin_adapter.hpp"

SITECACHE_PLUGIN(sitecache::sqlite::SqliteBackend)
