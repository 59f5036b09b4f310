/* The ABI 1.0 layout as the frozen header (include/sitecache/plugin_abi.h) defines it:
 * the size of the descriptor and the offset of each of its fields, in declaration order.
 * test_abi.cpp compares them with the current header. */
#include <stddef.h>

#include "sitecache/plugin_abi.h"

#include "frozen_layout.h"

const size_t abi10_descriptor_size = sizeof(sc_plugin);
const size_t abi10_field_offsets[ABI10_FIELD_COUNT] = ABI10_FIELD_OFFSETS;
const unsigned abi10_major = SC_ABI_MAJOR;
const unsigned abi10_minor = SC_ABI_MINOR;
