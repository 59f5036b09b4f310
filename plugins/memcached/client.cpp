// ClientPool and status_of (see client.hpp).
#include "client.hpp"

#include <new>
#include <string>

namespace sitecache_memcached {

sp::Status status_of(const memcached_st* client, memcached_return_t rc, std::string_view what) {
  auto code = sp::Code::internal;
  switch (rc) {
    case MEMCACHED_SUCCESS:
      return sp::Status::ok();
    case MEMCACHED_NOTFOUND:
      return sp::Status::not_found();
    case MEMCACHED_CONNECTION_FAILURE:
    case MEMCACHED_HOST_LOOKUP_FAILURE:
    case MEMCACHED_WRITE_FAILURE:
    case MEMCACHED_READ_FAILURE:
    case MEMCACHED_UNKNOWN_READ_FAILURE:
    case MEMCACHED_PARTIAL_READ:
    case MEMCACHED_SOME_ERRORS:
    case MEMCACHED_NO_SERVERS:
    case MEMCACHED_ERRNO:
    case MEMCACHED_TIMEOUT:
    case MEMCACHED_SERVER_MARKED_DEAD:
    case MEMCACHED_SERVER_TEMPORARILY_DISABLED:
    case MEMCACHED_IN_PROGRESS:
      code = sp::Code::unavailable;
      break;
    case MEMCACHED_E2BIG:
    case MEMCACHED_KEY_TOO_BIG:
    case MEMCACHED_BAD_KEY_PROVIDED:
      code = sp::Code::invalid_argument;
      break;
    case MEMCACHED_SERVER_MEMORY_ALLOCATION_FAILURE:
      code = sp::Code::io;
      break;
    case MEMCACHED_MEMORY_ALLOCATION_FAILURE:
      throw std::bad_alloc();
    default:
      break;
  }
  std::string message = "memcached " + std::string(what) + ": " + memcached_strerror(client, rc);
  const char* detail = client != nullptr ? memcached_last_error_message(client) : nullptr;
  if (detail != nullptr && *detail != '\0') message += " (" + std::string(detail) + ")";
  return sp::Status(code, std::move(message));
}

sp::Status ClientPool::create(const ClientSettings& settings, std::unique_ptr<ClientPool>& out) {
  memcached_st* master = memcached_create(nullptr);
  if (master == nullptr) throw std::bad_alloc();
  std::unique_ptr<ClientPool> pool(new ClientPool(master, settings.max_idle));
  const int retry_seconds = (settings.retry_interval_ms + 999) / 1000;
  const uint64_t io_us = static_cast<uint64_t>(settings.io_timeout_ms) * 1000;
  const std::pair<memcached_behavior_t, uint64_t> behaviours[] = {
      {MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1},
      // Ketama: consistent hashing compatible with other ketama clients (MD5 points).
      {MEMCACHED_BEHAVIOR_KETAMA, 1},
      {MEMCACHED_BEHAVIOR_NO_BLOCK, 1},
      {MEMCACHED_BEHAVIOR_TCP_NODELAY, 1},
      {MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, static_cast<uint64_t>(settings.connect_timeout_ms)},
      {MEMCACHED_BEHAVIOR_POLL_TIMEOUT, static_cast<uint64_t>(settings.io_timeout_ms)},
      {MEMCACHED_BEHAVIOR_SND_TIMEOUT, io_us},
      {MEMCACHED_BEHAVIOR_RCV_TIMEOUT, io_us},
      {MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, static_cast<uint64_t>(retry_seconds)},
      {MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1},
      {MEMCACHED_BEHAVIOR_AUTO_EJECT_HOSTS, 0},
  };
  for (const auto& [behaviour, value] : behaviours) {
    memcached_return_t rc = memcached_behavior_set(master, behaviour, value);
    if (rc != MEMCACHED_SUCCESS) return status_of(master, rc, "configuration");
  }
  for (const Server& server : settings.servers) {
    memcached_return_t rc = server.is_socket()
                                ? memcached_server_add_unix_socket(master, server.host.c_str())
                                : memcached_server_add(master, server.host.c_str(), server.port);
    if (rc != MEMCACHED_SUCCESS) return status_of(master, rc, "adding " + server.describe());
  }
  out = std::move(pool);
  return sp::Status::ok();
}

ClientPool::~ClientPool() {
  for (memcached_st* client : idle_) memcached_free(client);
  memcached_free(master_);
}

ClientPool::Lease ClientPool::acquire() {
  std::lock_guard lock(mutex_);
  if (!idle_.empty()) {
    memcached_st* client = idle_.back();
    idle_.pop_back();
    return Lease(*this, client);
  }
  // Cloning only reads the master, but under the lock so that it never overlaps anything.
  memcached_st* client = memcached_clone(nullptr, master_);
  if (client == nullptr) throw std::bad_alloc();
  return Lease(*this, client);
}

void ClientPool::release(memcached_st* client) {
  {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(client);
      return;
    }
  }
  memcached_free(client);
}

}  // namespace sitecache_memcached
