// The "memory" backend: a process-local LRU cache, like Django's locmem backend.
//
// Each handle is an independent store: two caches configured on "memory" never see each
// other's entries, and everything is lost when the handle is destroyed. (There is no
// "name" option to share a store between handles; it is rejected as unknown.)
//
// Options (all reserved keys; any other option is rejected, the other reserved keys are
// ignored):
//   max_entries, max_size, cull_frequency: the limits as plugin_abi.h defines them
//                   (Django's cull). max_size counts key + value bytes; a single entry
//                   larger than max_size is refused with INVALID_ARGUMENT.
//
// Expiry: ttl_ms > 0 sets a deadline on the steady clock (wall-clock jumps do not shorten
// or extend it); ttl_ms == 0 means never; ttl_ms < 0 is INVALID_ARGUMENT. An expired
// entry is a miss from its deadline on and is dropped lazily: when a call looks it up,
// when a limit is enforced, by stats, and a bounded number at the start of each call.
//
// Recency: get, get_many, set, add (when it stores) and touch make an entry the most
// recently used; scan does not.
//
// Thread safety: every operation takes one mutex for its whole duration. A single lock
// rather than stripes by key hash because LRU order, the entry/byte limits and the scan
// index are global properties: striping would make eviction order approximate and the
// limits per stripe. Reads take the lock exclusively too, since they reorder the LRU list.
// Values are copied into the store before the lock is taken and delivered to the host's
// sink while it is held, so a get costs exactly the host's one copy. scan is the
// exception: it copies one batch under the lock and calls the visitor without it, so the
// visitor may call back into the handle (plugin.h allows remove from a visitor).
#ifndef SITECACHE_PLUGINS_MEMORY_BACKEND_HPP
#define SITECACHE_PLUGINS_MEMORY_BACKEND_HPP

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache_memory {

namespace sp = sitecache::plugin;

struct Limits {
  std::optional<uint64_t> max_entries;
  std::optional<uint64_t> max_bytes;
  uint64_t cull_frequency = 3;
};

// A point in time on both clocks: steady for deadlines, wall (ms since the Unix epoch)
// for what scan reports.
struct Now {
  int64_t steady_ms = 0;
  int64_t wall_ms = 0;
};

class MemoryBackend {
 public:
  static constexpr std::string_view plugin_name = "memory";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "process-local LRU store with native TTL (lost when the process exits)";
  static constexpr uint64_t plugin_flags = SC_CAP_THREAD_SAFE | SC_CAP_NATIVE_TTL;

  // Fails with INVALID_ARGUMENT naming the option when an option is unknown or malformed.
  static sp::Status create(const sp::Options& options, std::unique_ptr<MemoryBackend>& out);
  // What create() checks, without creating a store.
  static sp::Status validate(const sp::Options& options);

  explicit MemoryBackend(Limits limits) : limits_(limits) {}
  MemoryBackend(const MemoryBackend&) = delete;
  MemoryBackend& operator=(const MemoryBackend&) = delete;

  sp::Status get(std::string_view key, sp::ValueSink& sink);
  sp::Status set(std::string_view key, sp::Bytes value, int64_t ttl_ms);
  sp::Status remove(std::string_view key);
  sp::Status get_many(std::span<const std::string_view> keys, sp::IndexedSink& sink);
  // Validates every item before storing any; a bad item stores nothing.
  sp::Status set_many(std::span<const sp::Item> items);
  sp::Status touch(std::string_view key, int64_t ttl_ms);
  sp::Status clear(std::string_view prefix);
  // Cursor: entries are numbered in insertion order by an id that only grows (an
  // overwrite keeps the id; a key removed and added again gets a new one). The cursor is
  // the smallest id not yet examined, so an entry present for the whole scan is visited
  // exactly once and a new entry (always a larger id) may be visited too. A call examines
  // a bounded number of entries, so a call may visit none under a rare prefix and still
  // return a non-zero cursor.
  sp::Status scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint, sp::ScanMode mode,
                  sp::ScanVisitor& visitor);
  sp::Status stats(sp::Stats& out);
  sp::Status add(std::string_view key, sp::Bytes value, int64_t ttl_ms, bool& stored);

 private:
  struct Node;
  using IdIndex = std::map<uint64_t, Node*>;
  using ExpiryIndex = std::multimap<int64_t, Node*>;

  struct Node {
    std::string key;
    std::vector<uint8_t> value;
    uint64_t id = 0;
    int64_t deadline_ms = 0;  // steady clock; 0 = never expires
    int64_t expires_ms = 0;   // wall clock, for scan; 0 = never
    int64_t last_access_ms = 0;
    Node* newer = nullptr;  // LRU list neighbours
    Node* older = nullptr;
    IdIndex::iterator id_pos;
    ExpiryIndex::iterator expiry_pos;  // valid only when deadline_ms != 0
  };

  static constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();

  static bool expired(int64_t deadline_ms, const Now& now) {
    return deadline_ms != 0 && deadline_ms <= now.steady_ms;
  }

  // All private member functions below require mutex_ to be held (memory_store.cpp).
  Node* find_live(std::string_view key, const Now& now);
  void store(std::string_view key, std::vector<uint8_t> value, int64_t ttl_ms, const Now& now);
  Node* insert_new(std::string_view key, std::vector<uint8_t> value, int64_t deadline_ms,
                   int64_t expires_ms, const Now& now);
  void set_deadline(Node* node, int64_t ttl_ms, const Now& now);
  void make_room_for_new_entry(const Now& now);
  void enforce_max_bytes(const Node* keep, size_t entries_before, const Now& now);
  void purge_expired(const Now& now, size_t budget);
  void erase(Node* node);
  void clear_all();
  void promote(Node* node);
  void unlink(Node* node);
  void link_front(Node* node);
  sp::Status check_entry(std::string_view key, size_t value_size, int64_t ttl_ms) const;

  const Limits limits_;
  std::mutex mutex_;
  // Keys are views of Node::key, which lives as long as its map entry.
  std::unordered_map<std::string_view, std::unique_ptr<Node>> entries_;
  IdIndex by_id_;
  ExpiryIndex by_expiry_;
  Node* most_recent_ = nullptr;
  Node* least_recent_ = nullptr;
  uint64_t next_id_ = 1;  // cursor 0 means "start", so ids begin at 1
  uint64_t bytes_ = 0;    // sum of key and value sizes
  uint64_t evictions_ = 0;
};

}  // namespace sitecache_memory

#endif  // SITECACHE_PLUGINS_MEMORY_BACKEND_HPP
