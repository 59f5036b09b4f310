/*
 * A backend written in pure C against plugin.h alone, built with -std=c11 -Wpedantic
 * -Werror: it proves the ABI header is valid C and that a plugin needs no C++ at all.
 * Tests load it through the raw ABI.
 *
 * Store: a chained hash table for lookup, plus an array of slots in insertion order for
 * scan. Each entry is one allocation (struct, key and value together). Each new entry
 * gets an id that only grows; an overwrite keeps it. The slot array stays sorted by id: a
 * removal leaves a hole (entry NULL) and the array is compacted once holes are the
 * majority. A scan cursor is the smallest id not yet visited, found by binary search, so
 * an entry present for the whole scan is visited exactly once even when others are
 * inserted or removed between batches (or by the visitor itself).
 *
 * Provides get_many, scan, stats and add; set_many, touch and clear are left NULL so the
 * host's fallbacks get exercised. Expiry: ttl_ms > 0 sets a wall-clock deadline; an
 * expired entry is a miss and is dropped when looked up (SC_CAP_NATIVE_TTL).
 *
 * Not thread-safe (SC_CAP_THREAD_SAFE is not declared, so the host serialises calls).
 * Allocation failure returns SC_INTERNAL and leaves the store unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sitecache/plugin.h"

/* The stable header must sit where every host looks for it. */
_Static_assert(offsetof(sc_plugin, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(sc_plugin, abi_major) == 4, "abi_major at 4");
_Static_assert(offsetof(sc_plugin, abi_minor) == 6, "abi_minor at 6");

typedef struct entry {
  struct entry* next; /* hash chain */
  uint64_t id;
  size_t slot; /* index in sc_handle.slots */
  int64_t expires_ms;
  size_t key_size;
  size_t value_size;
  char* key;      /* points into this allocation */
  uint8_t* value; /* likewise, after the key */
} entry;

typedef struct slot {
  uint64_t id;
  entry* e; /* NULL once removed */
} slot;

struct sc_handle {
  entry** buckets;
  size_t bucket_count; /* a power of two */
  size_t count;
  int64_t bytes;
  slot* slots;
  size_t slot_count;
  size_t slot_capacity;
  uint64_t next_id;
  entry* visiting;      /* the entry a scan visitor is looking at */
  int visiting_removed; /* it was removed meanwhile: free it after the visit */
};

static const char* const reserved_options[] = {
    "location", "max_entries", "max_size", "cull_frequency", "read_only", "cache_name", "base_dir"};

static int64_t now_ms(void) {
  struct timespec ts;
  if (timespec_get(&ts, TIME_UTC) != TIME_UTC) return 0;
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* now + ttl_ms, saturating instead of overflowing on absurd TTLs. */
static int64_t deadline_after(int64_t ttl_ms) {
  int64_t now = now_ms();
  return ttl_ms > INT64_MAX - now ? INT64_MAX : now + ttl_ms;
}

static uint64_t hash_key(const char* key, size_t size) {
  uint64_t h = 1469598103934665603u; /* FNV-1a */
  for (size_t i = 0; i < size; ++i) {
    h ^= (uint8_t)key[i];
    h *= 1099511628211u;
  }
  return h;
}

/* The link that points at the entry for key, or at the chain's terminating NULL. */
static entry** find_link(sc_handle* s, const char* key, size_t size) {
  entry** link = &s->buckets[hash_key(key, size) & (s->bucket_count - 1)];
  while (*link && !((*link)->key_size == size && memcmp((*link)->key, key, size) == 0)) {
    link = &(*link)->next;
  }
  return link;
}

static int is_expired(const entry* e, int64_t now) {
  return e->expires_ms != 0 && e->expires_ms <= now;
}

/* Drops holes from the slot array, keeping id order. */
static void compact_slots(sc_handle* s) {
  size_t to = 0;
  for (size_t from = 0; from < s->slot_count; ++from) {
    if (s->slots[from].e == NULL) continue;
    s->slots[to] = s->slots[from];
    s->slots[to].e->slot = to;
    ++to;
  }
  s->slot_count = to;
}

/* Frees an entry that is no longer in the store, unless a scan visitor is still looking
 * at it: then the scan frees it when the visitor returns. */
static void release(sc_handle* s, entry* e) {
  if (e == s->visiting) {
    s->visiting_removed = 1;
  } else {
    free(e);
  }
}

static void unlink_and_free(sc_handle* s, entry** link) {
  entry* e = *link;
  *link = e->next;
  s->slots[e->slot].e = NULL;
  s->count--;
  s->bytes -= (int64_t)(e->key_size + e->value_size);
  release(s, e);
  if (s->slot_count > 64 && s->count < s->slot_count / 2) compact_slots(s);
}

/* The live entry for key, or NULL; an expired one is removed on the way. */
static entry* find_live(sc_handle* s, const char* key, size_t size) {
  entry** link = find_link(s, key, size);
  if (*link == NULL) return NULL;
  if (is_expired(*link, now_ms())) {
    unlink_and_free(s, link);
    return NULL;
  }
  return *link;
}

/* Doubles the bucket array when the load factor passes 1. On allocation failure the
 * table keeps working with longer chains, so this cannot fail. */
static void maybe_grow(sc_handle* s) {
  size_t new_count = s->bucket_count * 2;
  if (s->count < s->bucket_count) return;
  entry** fresh = calloc(new_count, sizeof(entry*));
  if (fresh == NULL) return;
  for (size_t i = 0; i < s->bucket_count; ++i) {
    entry* e = s->buckets[i];
    while (e) {
      entry* next = e->next;
      entry** head = &fresh[hash_key(e->key, e->key_size) & (new_count - 1)];
      e->next = *head;
      *head = e;
      e = next;
    }
  }
  free(s->buckets);
  s->buckets = fresh;
  s->bucket_count = new_count;
}

static sc_status out_of_memory(sc_error* error) {
  sc_error_set(error, "cbackend: out of memory");
  return SC_INTERNAL;
}

static sc_status cb_create(const sc_option* options, size_t option_count, sc_handle** out,
                           sc_error* error) {
  sc_handle* s;
  for (size_t i = 0; i < option_count; ++i) {
    int known = 0;
    for (size_t r = 0; r < sizeof reserved_options / sizeof reserved_options[0]; ++r) {
      if (options[i].key != NULL && strcmp(options[i].key, reserved_options[r]) == 0) known = 1;
    }
    if (!known) {
      char message[400];
      snprintf(message, sizeof message,
               "unknown option '%.300s' for backend cbackend (it takes no options)",
               options[i].key ? options[i].key : "(null)");
      sc_error_set(error, message);
      return SC_INVALID_ARGUMENT;
    }
  }
  s = calloc(1, sizeof *s);
  if (s == NULL) return out_of_memory(error);
  s->bucket_count = 16;
  s->buckets = calloc(s->bucket_count, sizeof(entry*));
  if (s->buckets == NULL) {
    free(s);
    return out_of_memory(error);
  }
  s->next_id = 1; /* cursor 0 means "start" */
  *out = s;
  return SC_OK;
}

static void cb_destroy(sc_handle* s) {
  if (s == NULL) return;
  for (size_t i = 0; i < s->slot_count; ++i) free(s->slots[i].e);
  free(s->slots);
  free(s->buckets);
  free(s);
}

static sc_status cb_get(sc_handle* s, const char* key, size_t key_size, sc_value_sink sink,
                        void* context, sc_error* error) {
  entry* e = find_live(s, key, key_size);
  (void)error;
  if (e == NULL) return SC_NOT_FOUND; /* value is never NULL, even when empty */
  sink(context, e->value, e->value_size);
  return SC_OK;
}

static sc_status cb_set(sc_handle* s, const char* key, size_t key_size, const uint8_t* value,
                        size_t value_size, int64_t ttl_ms, sc_error* error) {
  entry** link;
  entry* e;
  if (ttl_ms < 0) {
    sc_error_set(error, "cbackend: ttl_ms must be >= 0");
    return SC_INVALID_ARGUMENT;
  }
  if (value_size > SIZE_MAX - sizeof(entry) || key_size > SIZE_MAX - sizeof(entry) - value_size) {
    sc_error_set(error, "cbackend: entry too large");
    return SC_INVALID_ARGUMENT;
  }
  link = find_link(s, key, key_size);
  /* Reserve the slot before changing anything, so failure leaves the store unchanged. */
  if (*link == NULL && s->slot_count == s->slot_capacity) {
    size_t capacity = s->slot_capacity ? s->slot_capacity * 2 : 64;
    slot* grown = realloc(s->slots, capacity * sizeof(slot));
    if (grown == NULL) return out_of_memory(error);
    s->slots = grown;
    s->slot_capacity = capacity;
  }
  e = malloc(sizeof(entry) + key_size + value_size);
  if (e == NULL) return out_of_memory(error);
  e->key = (char*)(e + 1);
  e->value = (uint8_t*)e->key + key_size;
  e->key_size = key_size;
  e->value_size = value_size;
  if (key_size) memcpy(e->key, key, key_size);
  if (value_size) memcpy(e->value, value, value_size);
  e->expires_ms = ttl_ms > 0 ? deadline_after(ttl_ms) : 0;
  s->bytes += (int64_t)(key_size + value_size);
  if (*link != NULL) { /* overwrite in place: same id, same slot */
    entry* old = *link;
    e->id = old->id;
    e->slot = old->slot;
    e->next = old->next;
    s->slots[e->slot].e = e;
    s->bytes -= (int64_t)(old->key_size + old->value_size);
    *link = e;
    release(s, old);
    return SC_OK;
  }
  e->id = s->next_id++;
  e->slot = s->slot_count;
  s->slots[s->slot_count].id = e->id;
  s->slots[s->slot_count].e = e;
  s->slot_count++;
  e->next = NULL;
  *link = e;
  s->count++;
  maybe_grow(s);
  return SC_OK;
}

static sc_status cb_remove(sc_handle* s, const char* key, size_t key_size, sc_error* error) {
  entry** link = find_link(s, key, key_size);
  int was_live;
  (void)error;
  if (*link == NULL) return SC_NOT_FOUND;
  was_live = !is_expired(*link, now_ms());
  unlink_and_free(s, link);
  return was_live ? SC_OK : SC_NOT_FOUND;
}

static sc_status cb_get_many(sc_handle* s, const sc_key* keys, size_t key_count,
                             sc_indexed_sink sink, void* context, sc_error* error) {
  (void)error;
  for (size_t i = 0; i < key_count; ++i) {
    entry* e = find_live(s, keys[i].data, keys[i].size);
    if (e != NULL) sink(context, i, e->value, e->value_size);
  }
  return SC_OK;
}

/* Index of the first slot whose id is >= id (slot_count when none). */
static size_t first_slot_from(const sc_handle* s, uint64_t id) {
  size_t low = 0, high = s->slot_count;
  while (low < high) {
    size_t mid = low + (high - low) / 2;
    if (s->slots[mid].id < id) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

static sc_status cb_scan(sc_handle* s, const char* prefix, size_t prefix_size, uint64_t* cursor,
                         size_t batch_hint, uint32_t flags, sc_scan_visitor visitor, void* context,
                         sc_error* error) {
  size_t visited = 0, limit = batch_hint ? batch_hint : 256;
  uint64_t next_id = *cursor;
  int64_t now = now_ms();
  (void)error;
  for (;;) {
    /* Re-found every step: the visitor may remove entries and so compact the array. */
    size_t i = first_slot_from(s, next_id);
    entry* e;
    sc_scan_item item;
    int stop;
    if (i == s->slot_count) {
      *cursor = 0;
      return SC_OK;
    }
    if (visited == limit) {
      *cursor = s->slots[i].id;
      return SC_OK;
    }
    next_id = s->slots[i].id + 1;
    e = s->slots[i].e;
    if (e == NULL || is_expired(e, now) || e->key_size < prefix_size ||
        (prefix_size && memcmp(e->key, prefix, prefix_size) != 0)) {
      continue;
    }
    item.key = e->key;
    item.key_size = e->key_size;
    item.value = (flags & SC_SCAN_VALUES) ? e->value : NULL;
    item.value_size = (int64_t)e->value_size;
    item.expires_ms = e->expires_ms;
    item.last_access_ms = 0;
    s->visiting = e;
    s->visiting_removed = 0;
    stop = visitor(context, &item);
    s->visiting = NULL;
    if (s->visiting_removed) free(e);
    ++visited;
    if (stop) {
      *cursor = next_id;
      return SC_OK;
    }
  }
}

/* Fills a whole sc_stats, then copies only as much as the host's struct holds (an older
 * host has a smaller one). */
static sc_status cb_stats(sc_handle* s, sc_stats* out, sc_error* error) {
  sc_stats full;
  size_t size = out->struct_size < sizeof full ? out->struct_size : sizeof full;
  (void)error;
  full.struct_size = out->struct_size;
  full.entries = (int64_t)s->count;
  full.bytes = s->bytes;
  full.max_entries = -1;
  full.max_bytes = -1;
  full.evictions = 0;
  memcpy(out, &full, size);
  return SC_OK;
}

static sc_status cb_add(sc_handle* s, const char* key, size_t key_size, const uint8_t* value,
                        size_t value_size, int64_t ttl_ms, int* stored, sc_error* error) {
  sc_status status;
  *stored = 0;
  if (find_live(s, key, key_size) != NULL) return SC_OK;
  status = cb_set(s, key, key_size, value, value_size, ttl_ms, error);
  if (status == SC_OK) *stored = 1;
  return status;
}

static const sc_plugin descriptor = {
    .struct_size = sizeof(sc_plugin),
    .abi_major = SC_ABI_MAJOR,
    .abi_minor = SC_ABI_MINOR,
    .name = "cbackend",
    .version = "1.0.0",
    .description = "test backend written in C: in-memory hash table",
    .capabilities = SC_CAP_GET_MANY | SC_CAP_SCAN | SC_CAP_STATS | SC_CAP_ADD | SC_CAP_NATIVE_TTL,
    .create = cb_create,
    .destroy = cb_destroy,
    .get = cb_get,
    .set = cb_set,
    .remove = cb_remove,
    .get_many = cb_get_many,
    .set_many = NULL, /* set_many, touch, clear: left to the host's fallbacks */
    .touch = NULL,
    .clear = NULL,
    .scan = cb_scan,
    .stats = cb_stats,
    .add = cb_add,
};

SC_DEFINE_PLUGIN_ENTRY(&descriptor)
