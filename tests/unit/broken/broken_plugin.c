/* Deliberately broken plugins for the loader's failure tests. One source, compiled once
 * per BROKEN_* variant (see tests/unit/meson.build); each variant breaks exactly one rule
 * of plugin.h. The working functions store nothing. */
#include <string.h>

#include "sitecache/plugin_abi.h"

static sc_status create(const sc_option* options, size_t count, sc_handle** out, sc_error* error) {
  static int dummy;
  size_t i;
  for (i = 0; i < count; ++i) {
    if (strcmp(options[i].key, "fail") == 0) {
      sc_error_set(error, "refusing to start: option fail was set");
      return SC_INVALID_ARGUMENT;
    }
  }
  *out = (sc_handle*)&dummy;
  return SC_OK;
}
static void destroy(sc_handle* handle) {
  (void)handle;
}
#ifndef BROKEN_MISSING_GET
static sc_status get(sc_handle* h, const char* k, size_t n, sc_value_sink s, void* c, sc_error* e) {
  (void)h, (void)k, (void)n, (void)s, (void)c, (void)e;
  return SC_NOT_FOUND;
}
#endif
static sc_status set(sc_handle* h, const char* k, size_t n, const uint8_t* v, size_t vn,
                     int64_t ttl, sc_error* e) {
  (void)h, (void)k, (void)n, (void)v, (void)vn, (void)ttl;
#ifdef BROKEN_SET_FAILS
  sc_error_set(e, "disk on fire");
  return SC_IO;
#else
  (void)e;
  return SC_OK;
#endif
}
static sc_status remove_key(sc_handle* h, const char* k, size_t n, sc_error* e) {
  (void)h, (void)k, (void)n, (void)e;
  return SC_NOT_FOUND;
}

static const sc_plugin descriptor = {
#ifdef BROKEN_SMALL_STRUCT
    16,
#else
    sizeof(sc_plugin),
#endif
#ifdef BROKEN_WRONG_ABI
    99,
#else
    SC_ABI_MAJOR,
#endif
    SC_ABI_MINOR, "broken",   "0.0.1", "a plugin that breaks one rule on purpose",
#ifdef BROKEN_CAPABILITY_WITHOUT_FUNCTION
    SC_CAP_SCAN,
#else
    0,
#endif
    create,       destroy,
#ifdef BROKEN_MISSING_GET
    NULL,
#else
    get,
#endif
    set,          remove_key, NULL,    NULL,
    NULL,         NULL,       NULL,    NULL,
    NULL,         NULL,
};

#ifdef BROKEN_NO_ENTRY
SC_PLUGIN_VISIBLE const sc_plugin* not_the_entry(void);
SC_PLUGIN_VISIBLE const sc_plugin* not_the_entry(void) {
  return &descriptor;
}
#else
SC_DEFINE_PLUGIN_ENTRY(&descriptor)
#endif
