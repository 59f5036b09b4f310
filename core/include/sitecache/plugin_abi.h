/*
 * sitecache backend plugin ABI.
 *
 * This header is the whole contract between the sitecache core and a backend plugin. It
 * is plain C (C99 and C++ both compile it) and uses no C++ types, so a plugin can be
 * written in any language that can export a C function.
 *
 * A plugin is a shared library that exports exactly one function:
 *
 *     const sc_plugin* sitecache_plugin_entry(void);
 *
 * It returns a pointer to a descriptor with static storage duration. The descriptor
 * begins with struct_size, abi_major and abi_minor; those three fields keep their
 * position in every ABI version, so a host can always read them and refuse a plugin of
 * another major version with a message naming both versions.
 *
 * Versioning rules:
 *   - A new ABI major may change anything after the first three fields.
 *   - A new minor only appends fields to sc_plugin; it never moves, removes or changes
 *     one. A plugin sets struct_size to sizeof(sc_plugin) as it was compiled.
 *   - A host accepts any descriptor of its major whose struct_size is at least the 1.0
 *     layout (SC_PLUGIN_SIZE_1_0: everything up to and including `add`), and reads a
 *     field only when struct_size covers it (offsetof(sc_plugin, field) + sizeof field
 *     <= struct_size); a field it does not cover counts as NULL or 0. The sitecache host
 *     copies the first min(struct_size, sizeof(sc_plugin)) bytes of the descriptor when
 *     it loads a plugin and never looks at the plugin's struct again. So an old plugin
 *     (smaller struct) keeps working with a newer host, and a newer plugin (larger
 *     struct, higher minor) keeps working with an older host, which ignores the fields
 *     and capability bits it does not know.
 *
 * Ownership and memory:
 *   - Nothing a plugin allocates crosses the boundary. Values come back through
 *     host-supplied sinks (the host copies the bytes during the call); error text is
 *     written into a buffer the host owns (sc_error).
 *   - Pointers passed to a plugin function are valid only for the duration of the call.
 *   - The host keeps the shared library loaded as long as any handle it created lives.
 *
 * Errors: every function returns an sc_status. SC_NOT_FOUND is a normal outcome (a miss),
 * not an error. Plugins must not let C++ exceptions or longjmp escape a call.
 *
 * Threads: a plugin that declares SC_CAP_THREAD_SAFE may be called concurrently on one
 * handle from several threads. Without it the host serialises every call into the plugin
 * (all handles of that plugin share one lock).
 *
 * Keys: the host only ever passes printable ASCII keys of at most SC_MAX_KEY_LENGTH bytes
 * (no spaces, no control characters), so a backend may use them verbatim in file names
 * (after its own escaping of '/'), SQL parameters or memcached commands.
 *
 * Version history:
 *   1.0  first version (struct_size 136 on LP64 targets).
 *   1.1  validate (and SC_CAP_VALIDATE): options are checked without opening a store, for
 *        `sitecache config check`. Hosts accept any descriptor at least as large as 1.0's.
 */
#ifndef SITECACHE_PLUGIN_ABI_H
#define SITECACHE_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_ABI_MAJOR 1
#define SC_ABI_MINOR 1

/* Name of the single exported symbol. */
#define SC_PLUGIN_ENTRY_SYMBOL "sitecache_plugin_entry"

/* Longest key the host passes (memcached's limit). */
#define SC_MAX_KEY_LENGTH 250

/* Status codes. Values are fixed forever; new codes may be appended in a minor version
 * and a host treats an unknown code as SC_INTERNAL. */
typedef int32_t sc_status;
#define SC_OK 0
#define SC_NOT_FOUND 1        /* a miss: the key is absent (or expired natively) */
#define SC_INVALID_ARGUMENT 2 /* bad option, bad key, value too large for this backend */
#define SC_IO 3               /* local I/O failure: disk full, permission denied */
#define SC_CORRUPTION 4       /* the backend's own storage is damaged */
#define SC_UNSUPPORTED 5      /* the operation is not available on this backend */
#define SC_BUSY 6             /* locked or overloaded; retrying later may succeed */
#define SC_UNAVAILABLE 7      /* a server cannot be reached or timed out */
#define SC_INTERNAL 8         /* a bug or an unexpected failure inside the plugin */

/* Capability bits. A capability whose function exists must be declared, and a declared
 * capability must have its function; the host refuses a plugin where they disagree. */
#define SC_CAP_THREAD_SAFE ((uint64_t)1 << 0) /* concurrent calls on one handle are safe */
#define SC_CAP_GET_MANY ((uint64_t)1 << 1)
#define SC_CAP_SET_MANY ((uint64_t)1 << 2)
#define SC_CAP_TOUCH ((uint64_t)1 << 3)
#define SC_CAP_CLEAR ((uint64_t)1 << 4)
#define SC_CAP_SCAN ((uint64_t)1 << 5)
#define SC_CAP_STATS ((uint64_t)1 << 6)
#define SC_CAP_ADD ((uint64_t)1 << 7)
#define SC_CAP_VALIDATE ((uint64_t)1 << 8) /* ABI 1.1 */
/* Informational bits (no function attached). */
#define SC_CAP_NATIVE_TTL ((uint64_t)1 << 32) /* the backend drops expired entries itself */
#define SC_CAP_PERSISTENT ((uint64_t)1 << 33) /* entries survive the process */
#define SC_CAP_SHARED ((uint64_t)1 << 34)     /* several processes may share one store */

/* Error text buffer owned by the host. A plugin writes a NUL-terminated message of at
 * most capacity-1 bytes (truncating as needed); sc_error_set does that. */
typedef struct sc_error {
  char* message;
  size_t capacity;
} sc_error;

/* One configuration option, from the cache's settings and its [options] table. Both are
 * NUL-terminated UTF-8. Reserved keys the host always passes when configured:
 * "location", "max_entries", "max_size" (bytes), "cull_frequency", "read_only"
 * ("true"/"false"), "cache_name", and "base_dir" (the absolute directory of the config
 * file, or the working directory for the embedded default: a backend whose location is
 * a path resolves a relative location against it). A plugin must reject an option it
 * does not know with SC_INVALID_ARGUMENT, except that it may ignore reserved keys it has
 * no use for.
 *
 * The limits. "max_entries" (>= 1), "max_size" (bytes, >= 1; what counts towards it is
 * the backend's own measure of its footprint, documented by the backend) and
 * "cull_frequency" N (>= 0, default 3) mean one thing on every backend that enforces
 * them, Django's MAX_ENTRIES / CULL_FREQUENCY:
 *   - A write that would leave the store over a limit culls first. Expired entries go
 *     first. If the write still does not fit, the backend removes the least recently
 *     used entries (least recently written where it does not track reads), never the
 *     entry being written: max(1, floor(E / N)) of them, E being the number of entries
 *     before the write, and more while the write still does not fit both limits.
 *     N = 0 removes every other entry instead (Django: "the entire cache is dumped").
 *   - So with max_entries = 10, the 11th key leaves 1 entry for N = 0 or 1, 6 for N = 2
 *     and 8 for N = 3. Rewriting an existing key never culls for max_entries.
 *   - When a write returns, the store is within both limits (as far as this process can
 *     know: several processes sharing one store may briefly overshoot).
 * A backend whose server evicts by its own policy (Redis, memcached) may ignore the
 * limits and says so in its documentation. The conformance kit (tests/conformance)
 * checks the rule on every backend that enforces them. */
typedef struct sc_option {
  const char* key;
  const char* value;
} sc_option;

/* Receives a value. Called at most once per found key, during the plugin call; the
 * bytes are only valid during the sink call. */
typedef void (*sc_value_sink)(void* context, const uint8_t* data, size_t size);

/* Receives one value of a get_many call; index is the position of the key in the
 * request. Called once per found key, in any order. */
typedef void (*sc_indexed_sink)(void* context, size_t index, const uint8_t* data, size_t size);

typedef struct sc_key {
  const char* data;
  size_t size;
} sc_key;

/* One write of set_many. ttl_ms 0 means "no expiry". */
typedef struct sc_item {
  const char* key;
  size_t key_size;
  const uint8_t* value;
  size_t value_size;
  int64_t ttl_ms;
} sc_item;

/* What scan reports per entry. value/value_size are set only when the scan was asked for
 * values (SC_SCAN_VALUES); otherwise value is NULL and value_size is the stored size
 * (or -1 if the backend cannot tell cheaply). Times are milliseconds since the Unix
 * epoch; 0 means unknown (expires_ms: never or unknown). */
typedef struct sc_scan_item {
  const char* key;
  size_t key_size;
  const uint8_t* value;
  int64_t value_size;
  int64_t expires_ms;
  int64_t last_access_ms;
} sc_scan_item;

#define SC_SCAN_KEYS 0u
#define SC_SCAN_VALUES 1u

/* Returns 0 to continue the scan, non-zero to stop it early. */
typedef int (*sc_scan_visitor)(void* context, const sc_scan_item* item);

/* Backend statistics. Fields a backend cannot report are -1. The host sets struct_size
 * before the call and the plugin writes only fields it knows the struct to have. */
typedef struct sc_stats {
  uint32_t struct_size;
  int64_t entries;
  int64_t bytes;       /* stored bytes (values, plus overhead if the backend knows it) */
  int64_t max_entries; /* configured limit, -1 when none */
  int64_t max_bytes;   /* configured limit, -1 when none */
  int64_t evictions;   /* entries removed to honour limits, since the handle was created */
} sc_stats;

/* Opaque per-cache instance owned by the plugin. */
typedef struct sc_handle sc_handle;

typedef struct sc_plugin {
  /* --- stable header: identical position in every ABI major --- */
  uint32_t struct_size; /* sizeof(sc_plugin) as the plugin was compiled */
  uint16_t abi_major;   /* SC_ABI_MAJOR the plugin was compiled against */
  uint16_t abi_minor;

  /* --- ABI 1.0 --- */
  const char* name;        /* short name, e.g. "sqlite" */
  const char* version;     /* the plugin's own version, e.g. "1.2.0" */
  const char* description; /* one line for `sitecache plugins list` */
  uint64_t capabilities;   /* SC_CAP_* bits */

  /* Required. create receives the options and returns a new handle in *out. */
  sc_status (*create)(const sc_option* options, size_t option_count, sc_handle** out,
                      sc_error* error);
  void (*destroy)(sc_handle* handle);
  /* SC_OK after calling sink once, or SC_NOT_FOUND without calling it. */
  sc_status (*get)(sc_handle* handle, const char* key, size_t key_size, sc_value_sink sink,
                   void* sink_context, sc_error* error);
  /* Store or overwrite. ttl_ms 0 means no expiry; ttl_ms > 0 lets a backend with native
   * TTL drop the entry after that time (the host also checks expiry itself). A crash
   * mid-write must leave either the old or the new value readable, never a mix. */
  sc_status (*set)(sc_handle* handle, const char* key, size_t key_size, const uint8_t* value,
                   size_t value_size, int64_t ttl_ms, sc_error* error);
  /* SC_OK when removed, SC_NOT_FOUND when there was nothing to remove. */
  sc_status (*remove)(sc_handle* handle, const char* key, size_t key_size, sc_error* error);

  /* Optional (NULL when absent). */
  sc_status (*get_many)(sc_handle* handle, const sc_key* keys, size_t key_count,
                        sc_indexed_sink sink, void* sink_context, sc_error* error);
  sc_status (*set_many)(sc_handle* handle, const sc_item* items, size_t item_count,
                        sc_error* error);
  /* Give an existing entry a new TTL (0 = none). SC_NOT_FOUND when absent. */
  sc_status (*touch)(sc_handle* handle, const char* key, size_t key_size, int64_t ttl_ms,
                     sc_error* error);
  /* Remove every entry whose key starts with prefix. Never more than that. */
  sc_status (*clear)(sc_handle* handle, const char* prefix, size_t prefix_size, sc_error* error);
  /* Visit entries whose key starts with prefix, in batches. *cursor is 0 to start; the
   * plugin sets it to the position to resume from, or to 0 when the scan is complete.
   * batch_hint suggests how many entries to visit per call. Entries present for the
   * whole scan are visited at least once; entries added or removed meanwhile may or may
   * not be. The visitor may call remove on the same handle. */
  sc_status (*scan)(sc_handle* handle, const char* prefix, size_t prefix_size, uint64_t* cursor,
                    size_t batch_hint, uint32_t flags, sc_scan_visitor visitor,
                    void* visitor_context, sc_error* error);
  sc_status (*stats)(sc_handle* handle, sc_stats* out, sc_error* error);
  /* Store only when the key is absent (or expired). *stored is 1 when this call stored
   * the value, 0 when an entry was already present. Atomic with respect to other
   * processes sharing the store: this is what cross-process leases are built on. */
  sc_status (*add)(sc_handle* handle, const char* key, size_t key_size, const uint8_t* value,
                   size_t value_size, int64_t ttl_ms, int* stored, sc_error* error);

  /* --- ABI 1.1: a host reads these only when struct_size covers them --- */
  /* Optional. Checks the options exactly as create would (unknown keys, malformed or
   * out-of-range values, a location the backend refuses) without creating a handle:
   * it must not create, open for writing or change any file, and must not contact a
   * server; it may look at file metadata (whether a location exists, where a symlink
   * leads). SC_OK, or SC_INVALID_ARGUMENT with a message naming the option.
   * `sitecache config check` calls it for every configured cache. */
  sc_status (*validate)(const sc_option* options, size_t option_count, sc_error* error);
} sc_plugin;

/* The size of the ABI 1.0 descriptor: the smallest struct_size a 1.x host accepts. */
#define SC_PLUGIN_SIZE_1_0 (offsetof(sc_plugin, add) + sizeof(void (*)(void)))

/* The one function a plugin exports (see SITECACHE_PLUGIN_EXPORT). */
typedef const sc_plugin* (*sc_plugin_entry_fn)(void);

#if defined(__GNUC__)
#define SC_PLUGIN_VISIBLE __attribute__((visibility("default")))
#else
#define SC_PLUGIN_VISIBLE
#endif

#ifdef __cplusplus
#define SC_PLUGIN_EXTERN_C extern "C"
#else
#define SC_PLUGIN_EXTERN_C
#endif

/* Declares the exported entry function of a plugin written in C:
 *     SC_DEFINE_PLUGIN_ENTRY(&my_descriptor)                                         */
#define SC_DEFINE_PLUGIN_ENTRY(descriptor_ptr)                                         \
  SC_PLUGIN_EXTERN_C SC_PLUGIN_VISIBLE const sc_plugin* sitecache_plugin_entry(void);  \
  SC_PLUGIN_EXTERN_C SC_PLUGIN_VISIBLE const sc_plugin* sitecache_plugin_entry(void) { \
    return (descriptor_ptr);                                                           \
  }

/* Writes a message into a host error buffer, truncating to fit. Safe with a NULL error
 * or a zero capacity. */
static inline void sc_error_set(sc_error* error, const char* message) {
  size_t i = 0;
  if (error == NULL || error->message == NULL || error->capacity == 0) return;
  if (message != NULL) {
    for (; message[i] != '\0' && i + 1 < error->capacity; ++i) error->message[i] = message[i];
  }
  error->message[i] = '\0';
}

#ifdef __cplusplus
}
#endif

#endif /* SITECACHE_PLUGIN_ABI_H */
