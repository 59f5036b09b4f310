/* The entry function of the ABI 1.0 test plugin (README.md): c_backend.c, built against
 * the frozen 1.0 header with its own entry renamed abi10_inner_entry, hands the host its
 * descriptor copied to the last bytes of a read-only page whose next page is
 * inaccessible. A host that reads past the 1.0 layout faults on the spot. */
#define _DEFAULT_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sitecache/plugin_abi.h"

const sc_plugin* abi10_inner_entry(void);

SC_PLUGIN_EXTERN_C SC_PLUGIN_VISIBLE const sc_plugin* sitecache_plugin_entry(void);
SC_PLUGIN_EXTERN_C SC_PLUGIN_VISIBLE const sc_plugin* sitecache_plugin_entry(void) {
  static sc_plugin* guarded = NULL;
  if (guarded == NULL) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char* pages =
        mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) return NULL;
    sc_plugin* at = (sc_plugin*)(void*)(pages + page - sizeof(sc_plugin));
    memcpy(at, abi10_inner_entry(), sizeof(sc_plugin));
    if (mprotect(pages + page, page, PROT_NONE) != 0 || mprotect(pages, page, PROT_READ) != 0) {
      return NULL;
    }
    guarded = at;
  }
  return guarded;
}
