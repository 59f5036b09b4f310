// A cache of several levels, fastest first (e.g. a local SQLite file in front of a shared
// Redis). Reads try the levels in order and copy a hit into the faster writable levels;
// writes go to every writable level; a level configured read_only is never written (the
// setting for untrusted builds on a shared cache). A level that fails is skipped for the
// rest of the process after its first error (reported once through `warn`), and the
// others carry on; an operation fails only when no usable level is left.
// Thread-safe: levels are fixed at construction, their failure flags are atomic.
#ifndef SITECACHE_STORAGE_TIERED_STORE_HPP
#define SITECACHE_STORAGE_TIERED_STORE_HPP

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "storage/store.hpp"

namespace sitecache {

class TieredStore final : public Store {
 public:
  struct Level {
    std::string name;  // the level's cache name in the config
    std::unique_ptr<Store> store;
    bool read_only = false;
  };

  TieredStore(std::vector<Level> levels, std::function<void(std::string_view)> warn);
  TieredStore(const TieredStore&) = delete;
  TieredStore& operator=(const TieredStore&) = delete;

  const PluginInfo& info() const override { return info_; }
  bool has(Capability capability) const override;

  Result<std::optional<std::string>> get(std::string_view key) override;
  // A level that fails after delivering is skipped like any failed level, and the next
  // level's call replaces what visit received. get_many_into is the default (through
  // get_many), so that only values of levels that answered are delivered.
  Result<bool> get_into(std::string_view key, const ValueVisitor& visit) override;
  Status set(std::string_view key, std::string_view value, int64_t ttl_ms) override;
  Result<bool> remove(std::string_view key) override;
  Status get_many(std::span<const std::string> keys,
                  std::vector<std::optional<std::string>>& values) override;
  Status set_many(std::span<const StoreItem> items) override;
  Result<bool> touch(std::string_view key, int64_t ttl_ms) override;
  Status clear(std::string_view prefix) override;
  // Every level that can scan, each key reported once.
  Status scan(std::string_view prefix, ScanValues values,
              const std::function<bool(const StoreScanItem&)>& visitor) override;
  // The first usable level's figures.
  Result<StoreStats> stats() override;
  // On the deepest writable level (the most shared one, where leases must live); a win
  // is copied into the faster levels.
  Result<bool> add(std::string_view key, std::string_view value, int64_t ttl_ms,
                   AddMode* mode = nullptr) override;

 private:
  struct Slot {
    Level level;
    std::atomic<bool> failed{false};
  };
  bool usable(const Slot& slot) const { return !slot.failed.load(std::memory_order_relaxed); }
  bool writable(const Slot& slot) const { return usable(slot) && !slot.level.read_only; }
  // Marks the level failed; the first time, warns.
  void fail(Slot& slot, const Status& status);
  // Whether a level faster than `found_at` can be written (a hit there is copied up).
  bool writable_before(size_t found_at) const;
  // Writes a value found in level `found_at` into the faster writable levels.
  void promote(size_t found_at, std::string_view key, std::string_view value);
  Status no_level(std::string_view operation) const;

  std::vector<std::unique_ptr<Slot>> slots_;
  std::function<void(std::string_view)> warn_;
  PluginInfo info_;
};

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_TIERED_STORE_HPP
