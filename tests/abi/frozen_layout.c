/* The ABI 1.0 layout as the frozen header (include/sitecache/plugin_abi.h) defines it:
 * the size of the descriptor and the offset of each of its fields, in declaration order.
 * test_abi.cpp compares them with the current header. */
#include <stddef.h>

#include "sitecache/plugin_abi.h"

#include "frozen_layout.h"

const size_t abi10_descriptor_size = sizeof(sc_plugin);
const size_t abi10_field_offsets[ABI10_FIELD_COUNT] = {
    offsetof(sc_plugin, struct_size),  offsetof(sc_plugin, abi_major),
    offsetof(sc_plugin, abi_minor),    offsetof(sc_plugin, name),
    offsetof(sc_plugin, version),      offsetof(sc_plugin, description),
    offsetof(sc_plugin, capabilities), offsetof(sc_plugin, create),
    offsetof(sc_plugin, destroy),      offsetof(sc_plugin, get),
    offsetof(sc_plugin, set),          offsetof(sc_plugin, remove),
    offsetof(sc_plugin, get_many),     offsetof(sc_plugin, set_many),
    offsetof(sc_plugin, touch),        offsetof(sc_plugin, clear),
    offsetof(sc_plugin, scan),         offsetof(sc_plugin, stats),
    offsetof(sc_plugin, add),
};
const unsigned abi10_major = SC_ABI_MAJOR;
const unsigned abi10_minor = SC_ABI_MINOR;
