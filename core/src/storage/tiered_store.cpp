#include "storage/tiered_store.hpp"

#include <set>

#include "base/clock.hpp"
#include "format/entry_format.hpp"

namespace sitecache {
namespace {

// The remaining native TTL of an encoded entry: copies into faster levels keep the
// entry's expiry instead of living forever there.
int64_t remaining_ttl_ms(std::string_view encoded) {
  Result<EntryMeta> meta = decode_entry_meta(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size()));
  if (!meta || meta->expires_ms == 0) return 0;
  return std::max<int64_t>(1, meta->expires_ms - now_ms());
}

}  // namespace

TieredStore::TieredStore(std::vector<Level> levels, std::function<void(std::string_view)> warn)
    : warn_(std::move(warn)) {
  info_.name = "tiered";
  info_.version = "1";
  info_.description = "levels:";
  for (auto& level : levels) {
    info_.description += " " + level.name + " (" + level.store->info().name +
                         (level.read_only ? ", read-only)" : ")");
    info_.capabilities |= level.store->info().capabilities;
    auto slot = std::make_unique<Slot>();
    slot->level = std::move(level);
    slots_.push_back(std::move(slot));
  }
  // Serialisation is per level (each PluginStore locks for its own plugin).
  info_.capabilities |= SC_CAP_THREAD_SAFE;
}

bool TieredStore::has(Capability capability) const {
  for (const auto& slot : slots_) {
    if (usable(*slot) && slot->level.store->has(capability)) return true;
  }
  return false;
}

void TieredStore::fail(Slot& slot, const Status& status) {
  if (!slot.failed.exchange(true)) {
    warn_("level '" + slot.level.name + "' failed (" + status.to_string() +
          "); skipping it for the rest of this process");
  }
}

Status TieredStore::no_level(std::string_view operation) const {
  return Status(StatusCode::unavailable, "no usable level left for " + std::string(operation) +
                                             " (" + info_.description + ")");
}

bool TieredStore::writable_before(size_t found_at) const {
  for (size_t i = 0; i < found_at; ++i) {
    if (writable(*slots_[i])) return true;
  }
  return false;
}

void TieredStore::promote(size_t found_at, std::string_view key, std::string_view value) {
  if (!writable_before(found_at)) return;
  const int64_t ttl = remaining_ttl_ms(value);
  for (size_t i = 0; i < found_at; ++i) {
    Slot& slot = *slots_[i];
    if (!writable(slot)) continue;
    if (Status s = slot.level.store->set(key, value, ttl); !s) fail(slot, s);
  }
}

Result<std::optional<std::string>> TieredStore::get(std::string_view key) {
  std::optional<std::string> value;
  Result<bool> found = get_into(key, [&value](std::span<const uint8_t> bytes) {
    value.emplace(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  });
  if (!found) return found.status();
  if (!*found) return std::optional<std::string>();
  return value;
}

Result<bool> TieredStore::get_into(std::string_view key, const ValueVisitor& visit) {
  bool any = false;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = *slots_[i];
    if (!usable(slot)) continue;
    const bool promotes = writable_before(i);
    std::string copy;  // for the faster levels
    Result<bool> found = slot.level.store->get_into(key, [&](std::span<const uint8_t> bytes) {
      if (promotes) copy.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      visit(bytes);
    });
    if (!found) {
      fail(slot, found.status());
      continue;
    }
    any = true;
    if (*found) {
      if (promotes) promote(i, key, copy);
      return true;
    }
  }
  if (!any) return no_level("get");
  return false;
}

Status TieredStore::set(std::string_view key, std::string_view value, int64_t ttl_ms) {
  bool stored = false;
  for (auto& slot : slots_) {
    if (!writable(*slot)) continue;
    if (Status s = slot->level.store->set(key, value, ttl_ms); !s) {
      fail(*slot, s);
    } else {
      stored = true;
    }
  }
  return stored ? Status::ok() : no_level("set");
}

Result<bool> TieredStore::remove(std::string_view key) {
  bool any = false;
  bool removed = false;
  for (auto& slot : slots_) {
    if (!writable(*slot)) continue;
    Result<bool> r = slot->level.store->remove(key);
    if (!r) {
      fail(*slot, r.status());
      continue;
    }
    any = true;
    removed = removed || *r;
  }
  if (!any) return no_level("delete");
  return removed;
}

Status TieredStore::get_many(std::span<const std::string> keys,
                             std::vector<std::optional<std::string>>& values) {
  values.assign(keys.size(), std::nullopt);
  bool any = false;
  std::vector<size_t> missing(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) missing[i] = i;
  for (size_t level = 0; level < slots_.size() && !missing.empty(); ++level) {
    Slot& slot = *slots_[level];
    if (!usable(slot)) continue;
    std::vector<std::string> asked;
    for (size_t index : missing) asked.push_back(keys[index]);
    std::vector<std::optional<std::string>> found;
    if (Status s = slot.level.store->get_many(asked, found); !s) {
      fail(slot, s);
      continue;
    }
    any = true;
    std::vector<size_t> still_missing;
    for (size_t j = 0; j < missing.size(); ++j) {
      if (found[j]) {
        promote(level, keys[missing[j]], *found[j]);
        values[missing[j]] = std::move(found[j]);
      } else {
        still_missing.push_back(missing[j]);
      }
    }
    missing = std::move(still_missing);
  }
  return any ? Status::ok() : no_level("get_many");
}

Status TieredStore::set_many(std::span<const StoreItem> items) {
  bool stored = false;
  for (auto& slot : slots_) {
    if (!writable(*slot)) continue;
    if (Status s = slot->level.store->set_many(items); !s) {
      fail(*slot, s);
    } else {
      stored = true;
    }
  }
  return stored ? Status::ok() : no_level("set_many");
}

Result<bool> TieredStore::touch(std::string_view key, int64_t ttl_ms) {
  bool any = false;
  bool touched = false;
  for (auto& slot : slots_) {
    if (!writable(*slot) || !slot->level.store->has(Capability::touch)) continue;
    Result<bool> r = slot->level.store->touch(key, ttl_ms);
    if (!r) {
      fail(*slot, r.status());
      continue;
    }
    any = true;
    touched = touched || *r;
  }
  if (!any) return Status(StatusCode::unsupported, "no writable level can touch entries");
  return touched;
}

Status TieredStore::clear(std::string_view prefix) {
  bool any = false;
  for (auto& slot : slots_) {
    if (!writable(*slot)) continue;
    if (Status s = slot->level.store->clear(prefix); !s) {
      if (s.code() == StatusCode::unsupported) return s;
      fail(*slot, s);
    } else {
      any = true;
    }
  }
  return any ? Status::ok() : no_level("clear");
}

Status TieredStore::scan(std::string_view prefix, ScanValues values,
                         const std::function<bool(const StoreScanItem&)>& visitor) {
  std::set<std::string> seen;
  bool any = false;
  bool stopped = false;
  for (auto& slot : slots_) {
    if (stopped || !usable(*slot) || !slot->level.store->has(Capability::scan)) continue;
    Status s = slot->level.store->scan(prefix, values, [&](const StoreScanItem& item) {
      if (!seen.emplace(item.key).second) return true;
      stopped = !visitor(item);
      return !stopped;
    });
    if (!s) {
      fail(*slot, s);
      continue;
    }
    any = true;
  }
  if (!any) return Status(StatusCode::unsupported, "no level can list its entries");
  return Status::ok();
}

Result<StoreStats> TieredStore::stats() {
  for (auto& slot : slots_) {
    if (!usable(*slot) || !slot->level.store->has(Capability::stats)) continue;
    Result<StoreStats> stats = slot->level.store->stats();
    if (stats) return stats;
    fail(*slot, stats.status());
  }
  return Status(StatusCode::unsupported, "no level reports statistics");
}

Result<bool> TieredStore::add(std::string_view key, std::string_view value, int64_t ttl_ms,
                              AddMode* mode) {
  for (size_t i = slots_.size(); i-- > 0;) {
    Slot& slot = *slots_[i];
    if (!writable(slot)) continue;
    Result<bool> added = slot.level.store->add(key, value, ttl_ms, mode);
    if (!added) {
      fail(slot, added.status());
      continue;
    }
    if (*added) promote(i, key, value);
    return added;
  }
  return no_level("add");
}

}  // namespace sitecache
