// MemcachedBackend: options and single-key operations (values.cpp: chunking and batches).
#include "memcached_backend.hpp"

#include <cstdlib>

#include "chunks.hpp"
#include "keys.hpp"

namespace sitecache_memcached {

namespace {

// memcached reads an expiration above this many seconds as an absolute Unix time.
constexpr int64_t kMaxRelativeSeconds = 30LL * 24 * 3600;
// Per item: memcached's item header, our key (<= 250 bytes) and the CAS field.
constexpr int64_t kItemOverhead = 1024;

sp::Status invalid(std::string message) {
  return sp::Status(sp::Code::invalid_argument, std::move(message));
}

sp::Status check_ttl(int64_t ttl_ms) {
  if (ttl_ms >= 0) return sp::Status::ok();
  return invalid("ttl_ms must be >= 0 (0 = no expiry), got " + std::to_string(ttl_ms));
}

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

}  // namespace

time_t MemcachedBackend::expiration_for(int64_t ttl_ms, time_t now) {
  if (ttl_ms <= 0) return 0;
  int64_t seconds = (ttl_ms + 999) / 1000;
  if (seconds > kMaxRelativeSeconds) return static_cast<time_t>(now + seconds);
  return static_cast<time_t>(seconds);
}

namespace {

// What the options configure beyond the client pool.
struct BackendSettings {
  ClientSettings client;
  int64_t item_size_max = 0;
  int64_t namespace_refresh_ms = 0;
};

// The settings from the options, or INVALID_ARGUMENT naming the first bad one.
sp::Status parse_settings(const sp::Options& options, BackendSettings& out) {
  sp::Status status =
      options.check_known({"connect_timeout_ms", "io_timeout_ms", "retry_interval_ms", "pool_size",
                           "item_size_max", "namespace_refresh_ms"},
                          MemcachedBackend::plugin_name);
  ClientSettings& settings = out.client;
  if (status.is_ok()) status = parse_servers(options.get_or("location", ""), settings.servers);
  int64_t connect_ms = 0, io_ms = 0, retry_ms = 0, pool_size = 0, item_max = 0, refresh = 0;
  constexpr int64_t kMaxMs = 600000;
  connect_ms = options.get_int("connect_timeout_ms", 200, 1, kMaxMs, status);
  io_ms = options.get_int("io_timeout_ms", 500, 1, kMaxMs, status);
  retry_ms = options.get_int("retry_interval_ms", 1000, 0, kMaxMs, status);
  pool_size = options.get_int("pool_size", 8, 1, 1024, status);
  item_max = options.get_int("item_size_max", 1 << 20, 1 << 16, 1 << 30, status);
  refresh = options.get_int("namespace_refresh_ms", 250, 0, 60000, status);
  if (!status.is_ok()) return status;
  settings.connect_timeout_ms = static_cast<int>(connect_ms);
  settings.io_timeout_ms = static_cast<int>(io_ms);
  settings.retry_interval_ms = static_cast<int>(retry_ms);
  settings.max_idle = static_cast<size_t>(pool_size);
  out.item_size_max = item_max;
  out.namespace_refresh_ms = refresh;
  return sp::Status::ok();
}

}  // namespace

sp::Status MemcachedBackend::validate(const sp::Options& options) {
  BackendSettings settings;
  return parse_settings(options, settings);
}

sp::Status MemcachedBackend::create(const sp::Options& options,
                                    std::unique_ptr<MemcachedBackend>& out) {
  BackendSettings settings;
  if (sp::Status s = parse_settings(options, settings); !s.is_ok()) return s;
  std::unique_ptr<ClientPool> pool;
  if (sp::Status s = ClientPool::create(settings.client, pool); !s.is_ok()) return s;
  out = std::make_unique<MemcachedBackend>(
      std::move(pool), static_cast<size_t>(settings.item_size_max - kItemOverhead),
      static_cast<int>(settings.namespace_refresh_ms));
  return sp::Status::ok();
}

sp::Status MemcachedBackend::real_key(memcached_st* client, std::string_view key,
                                      std::string& out) {
  uint64_t generation = 0;
  sp::Status status = generations_.current(client, namespace_of(key), generation);
  if (status.is_ok()) out = entry_key(generation, key);
  return status;
}

sp::Status MemcachedBackend::get(std::string_view key, sp::ValueSink& sink) {
  ClientPool::Lease lease = pool_->acquire();
  std::string real;
  if (sp::Status s = real_key(lease.get(), key, real); !s.is_ok()) return s;
  size_t length = 0;
  uint32_t flags = 0;
  memcached_return_t rc = MEMCACHED_SUCCESS;
  std::unique_ptr<char, FreeDeleter> raw(
      memcached_get(lease.get(), real.data(), real.size(), &length, &flags, &rc));
  if (rc != MEMCACHED_SUCCESS) return status_of(lease.get(), rc, "get");
  static constexpr uint8_t kEmpty[1] = {0};
  sp::Bytes item(raw ? reinterpret_cast<const uint8_t*>(raw.get()) : kEmpty, length);
  std::string assembled;
  sp::Bytes value;
  if (sp::Status s = complete(lease.get(), real, flags, item, assembled, value); !s.is_ok()) {
    return s;
  }
  sink.deliver(value);
  return sp::Status::ok();
}

sp::Status MemcachedBackend::set(std::string_view key, sp::Bytes value, int64_t ttl_ms) {
  if (sp::Status s = check_ttl(ttl_ms); !s.is_ok()) return s;
  ClientPool::Lease lease = pool_->acquire();
  std::string real;
  if (sp::Status s = real_key(lease.get(), key, real); !s.is_ok()) return s;
  bool stored = false;
  return write_value(lease.get(), real, value, expiration_for(ttl_ms, std::time(nullptr)), false,
                     stored);
}

sp::Status MemcachedBackend::add(std::string_view key, sp::Bytes value, int64_t ttl_ms,
                                 bool& stored) {
  stored = false;
  if (sp::Status s = check_ttl(ttl_ms); !s.is_ok()) return s;
  ClientPool::Lease lease = pool_->acquire();
  std::string real;
  if (sp::Status s = real_key(lease.get(), key, real); !s.is_ok()) return s;
  return write_value(lease.get(), real, value, expiration_for(ttl_ms, std::time(nullptr)), true,
                     stored);
}

sp::Status MemcachedBackend::remove(std::string_view key) {
  ClientPool::Lease lease = pool_->acquire();
  std::string real;
  if (sp::Status s = real_key(lease.get(), key, real); !s.is_ok()) return s;
  return status_of(lease.get(), memcached_delete(lease.get(), real.data(), real.size(), 0),
                   "delete");
}

sp::Status MemcachedBackend::touch(std::string_view key, int64_t ttl_ms) {
  if (sp::Status s = check_ttl(ttl_ms); !s.is_ok()) return s;
  ClientPool::Lease lease = pool_->acquire();
  memcached_st* client = lease.get();
  std::string real;
  if (sp::Status s = real_key(client, key, real); !s.is_ok()) return s;
  const time_t expiration = expiration_for(ttl_ms, std::time(nullptr));
  size_t length = 0;
  uint32_t flags = 0;
  memcached_return_t rc = MEMCACHED_SUCCESS;
  std::unique_ptr<char, FreeDeleter> raw(
      memcached_get(client, real.data(), real.size(), &length, &flags, &rc));
  if (rc != MEMCACHED_SUCCESS) return status_of(client, rc, "touch (get)");
  std::optional<ChunkHead> head;
  if (flags == kChunkedFlags && raw) {
    head = decode_head(sp::Bytes(reinterpret_cast<const uint8_t*>(raw.get()), length));
  }
  // Chunks first, so that the head never outlives a chunk because of this touch.
  for (uint32_t i = 0; head && i < head->count; ++i) {
    std::string chunk = chunk_key(head->write_id, i);
    rc = memcached_touch(client, chunk.data(), chunk.size(), expiration);
    if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND) {
      return status_of(client, rc, "touch (chunk)");
    }
  }
  return status_of(client, memcached_touch(client, real.data(), real.size(), expiration), "touch");
}

sp::Status MemcachedBackend::clear(std::string_view prefix) {
  if (prefix.empty() || !prefix.ends_with(':') || prefix.find(':') != prefix.size() - 1) {
    return sp::Status(sp::Code::unsupported,
                      "memcached can only clear a whole key prefix of the form 'NAME:' (got '" +
                          std::string(prefix) + "'): it cannot select keys by a finer prefix");
  }
  ClientPool::Lease lease = pool_->acquire();
  return generations_.advance(lease.get(), prefix);
}

sp::Status MemcachedBackend::stats(sp::Stats& out) {
  ClientPool::Lease lease = pool_->acquire();
  memcached_st* client = lease.get();
  memcached_return_t rc = MEMCACHED_SUCCESS;
  memcached_stat_st* servers = memcached_stat(client, nullptr, &rc);
  if (rc != MEMCACHED_SUCCESS || servers == nullptr) {
    if (servers != nullptr) memcached_stat_free(nullptr, servers);
    return status_of(client, rc == MEMCACHED_SUCCESS ? MEMCACHED_FAILURE : rc, "stats");
  }
  out = sp::Stats{};
  out.bytes = 0;
  out.max_bytes = 0;
  for (uint32_t i = 0; i < memcached_server_count(client); ++i) {
    out.bytes += static_cast<int64_t>(servers[i].bytes);
    out.max_bytes += static_cast<int64_t>(servers[i].limit_maxbytes);
  }
  memcached_stat_free(nullptr, servers);
  return sp::Status::ok();
}

}  // namespace sitecache_memcached

SITECACHE_PLUGIN(sitecache_memcached::MemcachedBackend)
