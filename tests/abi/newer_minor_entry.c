/* The entry function of the "newer minor" test plugin (README.md): c_backend.c's
 * descriptor, built against the current header, handed over as ABI 1.(current + 1):
 * struct_size covers fields appended after the host's last one, and a capability bit no
 * host defines is set. The host must load it, ignore what it does not know, and work
 * through the fields it knows. The appended function aborts, so a host that called it
 * fails loudly. */
#include <stdlib.h>
#include <string.h>

#include "sitecache/plugin_abi.h"

const sc_plugin* newer_inner_entry(void);

typedef struct future_descriptor {
  sc_plugin known;                                    /* everything this host knows */
  sc_status (*compact)(sc_handle* handle, sc_error*); /* appended by the future minor */
  uint64_t future_flags;
  const char* future_text;
} future_descriptor;

#define FUTURE_CAPABILITY ((uint64_t)1 << 40)

static sc_status never_called(sc_handle* handle, sc_error* error) {
  (void)handle;
  (void)error;
  abort();
}

SC_PLUGIN_EXTERN_C SC_PLUGIN_VISIBLE const sc_plugin* sitecache_plugin_entry(void);
SC_PLUGIN_EXTERN_C SC_PLUGIN_VISIBLE const sc_plugin* sitecache_plugin_entry(void) {
  static future_descriptor descriptor;
  static int ready = 0;
  if (!ready) {
    memcpy(&descriptor.known, newer_inner_entry(), sizeof descriptor.known);
    descriptor.known.struct_size = (uint32_t)sizeof descriptor;
    descriptor.known.abi_minor = SC_ABI_MINOR + 1;
    descriptor.known.capabilities |= FUTURE_CAPABILITY;
    descriptor.compact = never_called;
    descriptor.future_flags = ~(uint64_t)0;
    descriptor.future_text = "a field from the future";
    ready = 1;
  }
  return &descriptor.known;
}
