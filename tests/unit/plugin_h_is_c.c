/* Compiles plugin.h as C11 with every warning as an error: the ABI header may use no
 * C++ construct. Running it checks the stable header layout too. */
#include <stddef.h>
#include <stdio.h>

#include "sitecache/plugin_abi.h"

int main(void) {
  char text[8];
  sc_error error = {text, sizeof text};
  sc_error_set(&error, "truncated message");
  if (offsetof(sc_plugin, struct_size) != 0 || offsetof(sc_plugin, abi_major) != 4 ||
      offsetof(sc_plugin, abi_minor) != 6) {
    puts("stable header moved");
    return 1;
  }
  return text[7] == '\0' ? 0 : 1;
}
