/* What frozen_layout.c reports about the ABI 1.0 descriptor (no sc_plugin type here, so
 * that the test can include the current header beside it). */
#ifndef SITECACHE_TESTS_ABI_FROZEN_LAYOUT_H
#define SITECACHE_TESTS_ABI_FROZEN_LAYOUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ABI10_FIELD_COUNT 19

/* The fields of the ABI 1.0 descriptor in declaration order, as a brace list: the offsets
 * are taken once against the frozen header (frozen_layout.c) and once against the
 * current one (test_abi.cpp), from this one list. */
#define ABI10_FIELD_OFFSETS                                                                      \
  {                                                                                              \
    offsetof(sc_plugin, struct_size), offsetof(sc_plugin, abi_major),                            \
        offsetof(sc_plugin, abi_minor), offsetof(sc_plugin, name), offsetof(sc_plugin, version), \
        offsetof(sc_plugin, description), offsetof(sc_plugin, capabilities),                     \
        offsetof(sc_plugin, create), offsetof(sc_plugin, destroy), offsetof(sc_plugin, get),     \
        offsetof(sc_plugin, set), offsetof(sc_plugin, remove), offsetof(sc_plugin, get_many),    \
        offsetof(sc_plugin, set_many), offsetof(sc_plugin, touch), offsetof(sc_plugin, clear),   \
        offsetof(sc_plugin, scan), offsetof(sc_plugin, stats), offsetof(sc_plugin, add)          \
  }

extern const size_t abi10_descriptor_size;
extern const size_t abi10_field_offsets[ABI10_FIELD_COUNT];
extern const unsigned abi10_major;
extern const unsigned abi10_minor;

#ifdef __cplusplus
}
#endif

#endif /* SITECACHE_TESTS_ABI_FROZEN_LAYOUT_H */
