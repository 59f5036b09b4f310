#include "maintenance.hpp"

#include <algorithm>
#include <vector>

#include "entry_io.hpp"

namespace sitecache::file {
namespace {

struct Candidate {
  uint32_t shard;
  char name[33];
  ino_t ino;
  int64_t size;
  int64_t last_access_ms;
};

// How many of the `oldest_first` candidates to evict (plugin_abi.h's cull). They do not
// include the entry just written, so E, the entries before the write, is their count.
size_t eviction_count(const std::vector<Candidate>& oldest_first, int64_t bytes,
                      int64_t kept_entries, const Limits& limits) {
  const auto others = static_cast<int64_t>(oldest_first.size());
  if (!limits.exceeded(others + kept_entries, bytes)) return 0;
  int64_t count =
      limits.cull_frequency == 0 ? others : std::max<int64_t>(1, others / limits.cull_frequency);
  if (limits.max_entries > 0) count = std::max(count, others + kept_entries - limits.max_entries);
  if (limits.max_bytes > 0) {
    int64_t remaining = bytes;
    int64_t needed = 0;
    while (needed < others && remaining > limits.max_bytes) {
      remaining -= oldest_first[static_cast<size_t>(needed)].size;
      ++needed;
    }
    count = std::max(count, needed);
  }
  return static_cast<size_t>(std::clamp<int64_t>(count, 0, others));
}

}  // namespace

int64_t remove_stale_temps(int shard_fd, const std::vector<std::string>& names, int64_t now) {
  int64_t removed = 0;
  for (const std::string& name : names) {
    if (is_temp_name(name) && remove_if_stale_temp(shard_fd, name, now)) ++removed;
  }
  return removed;
}

PassResult count_live(int location_fd, int64_t now) {
  PassResult result;
  for_each_shard(location_fd, 0, [&](uint32_t, int shard_fd) {
    for (const std::string& name : list_dir(shard_fd)) {
      LoadedEntry entry;
      if (is_entry_name(name) &&
          load_entry(shard_fd, name.c_str(), false, entry) == LoadOutcome::ok &&
          !is_expired(entry.header.expires_ms, now)) {
        ++result.entries;
        result.bytes += static_cast<int64_t>(entry.st.st_size);
      }
    }
    return true;
  });
  return result;
}

PassResult run_pass(int location_fd, const Limits& limits, int64_t now, std::string_view kept) {
  PassResult result;
  std::vector<Candidate> live;  // every live entry but the kept one
  int64_t kept_entries = 0;
  for_each_shard(location_fd, 0, [&](uint32_t shard, int shard_fd) {
    std::vector<std::string> names = list_dir(shard_fd);
    result.temps += remove_stale_temps(shard_fd, names, now);
    for (const std::string& name : names) {
      if (!is_entry_name(name)) continue;
      LoadedEntry entry;
      LoadOutcome outcome = load_entry(shard_fd, name.c_str(), false, entry);
      bool dead = outcome == LoadOutcome::garbled ||
                  (outcome == LoadOutcome::ok && is_expired(entry.header.expires_ms, now));
      if (dead) {
        if (remove_if_same(shard_fd, name.c_str(), entry.st.st_ino)) ++result.expired;
        continue;
      }
      if (outcome != LoadOutcome::ok) continue;
      Candidate candidate{shard,
                          {},
                          entry.st.st_ino,
                          static_cast<int64_t>(entry.st.st_size),
                          entry.last_access_ms()};
      std::copy(name.begin(), name.end(), candidate.name);
      candidate.name[32] = '\0';
      result.bytes += candidate.size;
      if (name == kept) {
        ++kept_entries;
      } else {
        live.push_back(candidate);
      }
    }
    return true;
  });
  result.entries = static_cast<int64_t>(live.size()) + kept_entries;

  std::sort(live.begin(), live.end(), [](const Candidate& a, const Candidate& b) {
    return a.last_access_ms < b.last_access_ms;
  });
  size_t evict = eviction_count(live, result.bytes, kept_entries, limits);
  // Sorted by shard for the removal so that each shard directory is opened once.
  std::sort(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(evict),
            [](const Candidate& a, const Candidate& b) { return a.shard < b.shard; });
  Fd shard_fd;
  uint32_t open_shard_index = kShardCount;
  for (size_t i = 0; i < evict; ++i) {
    const Candidate& victim = live[i];
    if (victim.shard != open_shard_index) {
      open_shard_index = victim.shard;
      Status status = open_shard(location_fd, victim.shard, false, {}, shard_fd);
      if (!status.is_ok()) shard_fd = Fd();
    }
    if (shard_fd.valid() && remove_if_same(shard_fd.get(), victim.name, victim.ino)) {
      ++result.evicted;
      --result.entries;
      result.bytes -= victim.size;
    }
  }
  return result;
}

}  // namespace sitecache::file
