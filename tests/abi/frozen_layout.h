/* What frozen_layout.c reports about the ABI 1.0 descriptor (no sc_plugin type here, so
 * that the test can include the current header beside it). */
#ifndef SITECACHE_TESTS_ABI_FROZEN_LAYOUT_H
#define SITECACHE_TESTS_ABI_FROZEN_LAYOUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ABI10_FIELD_COUNT 19

extern const size_t abi10_descriptor_size;
/* struct_size, abi_major, abi_minor, name, version, description, capabilities, create,
 * destroy, get, set, remove, get_many, set_many, touch, clear, scan, stats, add. */
extern const size_t abi10_field_offsets[ABI10_FIELD_COUNT];
extern const unsigned abi10_major;
extern const unsigned abi10_minor;

#ifdef __cplusplus
}
#endif

#endif /* SITECACHE_TESTS_ABI_FROZEN_LAYOUT_H */
