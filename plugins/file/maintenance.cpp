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

// How many of `live` candidates to evict, oldest first, given their total size.
size_t eviction_count(const std::vector<Candidate>& oldest_first, int64_t bytes,
                      const Limits& limits) {
  auto live = static_cast<int64_t>(oldest_first.size());
  if (!limits.exceeded(live, bytes)) return 0;
  int64_t count = live / std::max<int64_t>(1, limits.cull_frequency);
  count = std::max(count, limits.max_entries > 0 ? live - limits.max_entries : 0);
  if (limits.max_bytes > 0) {
    int64_t remaining = bytes;
    int64_t needed = 0;
    while (needed < live && remaining > limits.max_bytes) {
      remaining -= oldest_first[static_cast<size_t>(needed)].size;
      ++needed;
    }
    count = std::max(count, needed);
  }
  return static_cast<size_t>(std::clamp<int64_t>(count, 0, live));
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

PassResult run_pass(int location_fd, const Limits& limits, int64_t now) {
  PassResult result;
  std::vector<Candidate> live;
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
      live.push_back(candidate);
      result.bytes += candidate.size;
    }
    return true;
  });
  result.entries = static_cast<int64_t>(live.size());

  std::sort(live.begin(), live.end(), [](const Candidate& a, const Candidate& b) {
    return a.last_access_ms < b.last_access_ms;
  });
  size_t evict = eviction_count(live, result.bytes, limits);
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
