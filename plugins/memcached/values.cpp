// MemcachedBackend: writing and reading values that may be chunked (chunks.hpp), and the
// batch operations built on multi-get.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "chunks.hpp"
#include "keys.hpp"
#include "memcached_backend.hpp"

namespace sitecache_memcached {

namespace {

constexpr uint8_t kEmpty[1] = {0};

bool not_stored(memcached_return_t rc) {
  return rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS;
}

// Fetches `keys` with one multi-get and calls found(index, flags, bytes) for every key
// present (bytes valid only during the call). `answered` is false when some server did not
// answer (its keys are then unreported, not known to be absent); the status is UNAVAILABLE
// only when the request could not be sent to any server.
template <class Found>
sp::Status multi_get(memcached_st* client, const std::vector<std::string>& keys, bool& answered,
                     Found&& found) {
  answered = true;
  if (keys.empty()) return sp::Status::ok();
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  std::unordered_map<std::string_view, std::vector<size_t>> positions;
  for (size_t i = 0; i < keys.size(); ++i) {
    // Each distinct key is asked for once: the server answers every time a key is named,
    // and each position must be delivered once (plugin_abi.h).
    auto& at = positions[keys[i]];
    if (at.empty()) {
      pointers.push_back(keys[i].data());
      lengths.push_back(keys[i].size());
    }
    at.push_back(i);
  }
  memcached_return_t rc = memcached_mget(client, pointers.data(), lengths.data(), pointers.size());
  if (rc == MEMCACHED_SOME_ERRORS) {
    answered = false;
  } else if (rc != MEMCACHED_SUCCESS) {
    return status_of(client, rc, "multi-get");
  }
  // libmemcached owns the result: it frees or resets it when the fetch loop ends.
  memcached_result_st* result = nullptr;
  while ((result = memcached_fetch_result(client, result, &rc)) != nullptr) {
    std::string_view key(memcached_result_key_value(result), memcached_result_key_length(result));
    auto at = positions.find(key);
    if (at == positions.end()) continue;
    const char* value = memcached_result_value(result);
    sp::Bytes bytes(value ? reinterpret_cast<const uint8_t*>(value) : kEmpty,
                    memcached_result_length(result));
    for (size_t index : at->second) found(index, memcached_result_flags(result), bytes);
  }
  if (rc != MEMCACHED_END && rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_SUCCESS) {
    answered = false;
  }
  return sp::Status::ok();
}

}  // namespace

sp::Status MemcachedBackend::write_value(memcached_st* client, const std::string& key,
                                         sp::Bytes value, time_t expiration, bool only_if_absent,
                                         bool& stored) {
  stored = false;
  auto store = only_if_absent ? memcached_add : memcached_set;
  const char* data = reinterpret_cast<const char*>(value.data());
  if (value.size() <= chunk_size_) {
    memcached_return_t rc =
        store(client, key.data(), key.size(), data, value.size(), expiration, 0);
    if (only_if_absent && not_stored(rc)) return sp::Status::ok();
    if (rc == MEMCACHED_E2BIG) {
      return sp::Status(sp::Code::invalid_argument,
                        "memcached refused a value of " + std::to_string(value.size()) +
                            " bytes as too large: set the option item_size_max to the "
                            "servers' item size limit (memcached -I)");
    }
    stored = rc == MEMCACHED_SUCCESS;
    return status_of(client, rc, only_if_absent ? "add" : "set");
  }
  ChunkHead head;
  head.write_id = random_u64();
  head.total = value.size();
  head.chunk_size = static_cast<uint32_t>(chunk_size_);
  const uint64_t count = (value.size() + chunk_size_ - 1) / chunk_size_;
  if (count > kMaxChunks) {
    return sp::Status(sp::Code::invalid_argument,
                      "value of " + std::to_string(value.size()) + " bytes exceeds the " +
                          std::to_string(kMaxChunks) + " chunks of " + std::to_string(chunk_size_) +
                          " bytes memcached entries may use");
  }
  head.count = static_cast<uint32_t>(count);
  head.checksum = value_checksum(value);
  std::vector<std::string> chunk_keys;
  for (uint32_t i = 0; i < head.count; ++i) {
    chunk_keys.push_back(chunk_key(head.write_id, i));
    const size_t offset = static_cast<size_t>(i) * chunk_size_;
    const size_t size = std::min(chunk_size_, value.size() - offset);
    memcached_return_t rc =
        memcached_set(client, chunk_keys.back().data(), chunk_keys.back().size(), data + offset,
                      size, expiration, 0);
    if (rc != MEMCACHED_SUCCESS) return status_of(client, rc, "set (chunk)");
  }
  const std::string encoded = encode_head(head);
  memcached_return_t rc = store(client, key.data(), key.size(), encoded.data(), encoded.size(),
                                expiration, kChunkedFlags);
  if (only_if_absent && not_stored(rc)) {
    // Lost the race: our chunks are garbage now. Best effort; they would age out anyway.
    for (const std::string& chunk : chunk_keys) {
      memcached_delete(client, chunk.data(), chunk.size(), 0);
    }
    return sp::Status::ok();
  }
  stored = rc == MEMCACHED_SUCCESS;
  return status_of(client, rc, only_if_absent ? "add (head)" : "set (head)");
}

sp::Status MemcachedBackend::complete(memcached_st* client, const std::string& key, uint32_t flags,
                                      sp::Bytes item, std::string& assembled, sp::Bytes& value) {
  if (flags != kChunkedFlags) {
    value = item;
    return sp::Status::ok();
  }
  std::optional<ChunkHead> head = decode_head(item);
  bool whole = false;
  if (head) {
    std::vector<std::string> keys;
    for (uint32_t i = 0; i < head->count; ++i) keys.push_back(chunk_key(head->write_id, i));
    assembled.assign(head->total, '\0');
    std::vector<bool> seen(head->count, false);
    bool sizes_ok = true;
    bool answered = true;
    sp::Status status = multi_get(client, keys, answered, [&](size_t i, uint32_t, sp::Bytes bytes) {
      const size_t offset = i * head->chunk_size;
      const size_t expected = std::min<size_t>(head->chunk_size, head->total - offset);
      if (bytes.size() != expected) {
        sizes_ok = false;
        return;
      }
      std::copy(bytes.begin(), bytes.end(), assembled.begin() + static_cast<ptrdiff_t>(offset));
      seen[i] = true;
    });
    // A server failing is not evidence that the entry is damaged: keep the head.
    if (!status.is_ok()) return status;
    if (!answered) {
      return sp::Status(sp::Code::unavailable,
                        "memcached: a server holding chunks of '" + key + "' did not answer");
    }
    whole = sizes_ok && std::find(seen.begin(), seen.end(), false) == seen.end() &&
            value_checksum(sp::as_bytes(assembled)) == head->checksum;
  }
  if (!whole) {
    memcached_delete(client, key.data(), key.size(), 0);
    return sp::Status::not_found();
  }
  value = sp::as_bytes(assembled);
  return sp::Status::ok();
}

sp::Status MemcachedBackend::get_many(std::span<const std::string_view> keys,
                                      sp::IndexedSink& sink) {
  ClientPool::Lease lease = pool_->acquire();
  memcached_st* client = lease.get();
  std::vector<std::string> real(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (sp::Status s = real_key(client, keys[i], real[i]); !s.is_ok()) return s;
  }
  // Chunk heads cannot be resolved while the multi-get is being read; keep them for after.
  std::vector<std::pair<size_t, std::string>> heads;
  bool answered = true;
  size_t found = 0;
  sp::Status status =
      multi_get(client, real, answered, [&](size_t i, uint32_t flags, sp::Bytes bytes) {
        ++found;
        if (flags == kChunkedFlags) {
          heads.emplace_back(i, std::string(sp::as_text(bytes)));
        } else {
          sink.deliver(i, bytes);
        }
      });
  if (!status.is_ok()) return status;
  // Keys on a server that did not answer are misses, like a failed get; but when nothing
  // answered at all the caller should hear that the cache is unavailable.
  if (!answered && found == 0) {
    return sp::Status(sp::Code::unavailable,
                      std::string("memcached multi-get: no server answered (") +
                          memcached_last_error_message(client) + ")");
  }
  for (const auto& [index, head] : heads) {
    std::string assembled;
    sp::Bytes value;
    status = complete(client, real[index], kChunkedFlags, sp::as_bytes(head), assembled, value);
    if (status.code() == sp::Code::not_found) continue;
    if (!status.is_ok()) return status;
    sink.deliver(index, value);
  }
  return sp::Status::ok();
}

sp::Status MemcachedBackend::set_many(std::span<const sp::Item> items) {
  for (const sp::Item& item : items) {
    if (item.ttl_ms < 0) {
      return sp::Status(sp::Code::invalid_argument,
                        "ttl_ms must be >= 0 (0 = no expiry), got " + std::to_string(item.ttl_ms));
    }
  }
  ClientPool::Lease lease = pool_->acquire();
  const time_t now = std::time(nullptr);
  for (const sp::Item& item : items) {
    std::string real;
    if (sp::Status s = real_key(lease.get(), item.key, real); !s.is_ok()) return s;
    bool stored = false;
    sp::Status status =
        write_value(lease.get(), real, item.value, expiration_for(item.ttl_ms, now), false, stored);
    if (!status.is_ok()) return status;
  }
  return sp::Status::ok();
}

}  // namespace sitecache_memcached
