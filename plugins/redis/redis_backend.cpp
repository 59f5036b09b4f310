// RedisBackend: options and the key/value operations (scan, clear, stats: redis_scan.cpp).
#include "redis_backend.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sitecache_redis {

namespace {

// MGET batch size: values are held until the batch is complete, so this bounds memory for
// large values as well as the length of one exchange.
constexpr size_t kMgetKeys = 64;

sp::Status invalid(std::string message) {
  return sp::Status(sp::Code::invalid_argument, std::move(message));
}

sp::Status check_ttl(int64_t ttl_ms) {
  if (ttl_ms >= 0) return sp::Status::ok();
  return invalid("ttl_ms must be >= 0 (0 = no expiry), got " + std::to_string(ttl_ms));
}

// A reply of an unexpected shape: an error reply mapped, anything else INTERNAL.
sp::Status unexpected(const redisReply& reply, std::string_view command) {
  if (reply.type == REDIS_REPLY_ERROR) return error_reply_status(reply, command);
  return sp::Status(sp::Code::internal,
                    std::string(command) + ": unexpected reply type " + std::to_string(reply.type));
}

sp::Bytes bytes_of(const redisReply& reply) {
  return {reinterpret_cast<const uint8_t*>(reply.str), reply.len};
}

// The pool's settings from the options, or INVALID_ARGUMENT naming the first bad one.
sp::Status parse_settings(const sp::Options& options, PoolSettings& settings) {
  sp::Status status = options.check_known(
      {"connect_timeout_ms", "command_timeout_ms", "retry_interval_ms", "pool_size"},
      RedisBackend::plugin_name);
  if (!status.is_ok()) return status;
  status = parse_location(options.get_or("location", ""), settings.endpoint);
  if (!status.is_ok()) return status;
  int64_t connect_ms = 0, command_ms = 0, retry_ms = 0, pool_size = 0;
  constexpr int64_t kMaxMs = 600000;
  connect_ms = options.get_int("connect_timeout_ms", 200, 1, kMaxMs, status);
  command_ms = options.get_int("command_timeout_ms", 500, 1, kMaxMs, status);
  retry_ms = options.get_int("retry_interval_ms", 1000, 0, kMaxMs, status);
  pool_size = options.get_int("pool_size", 8, 1, 1024, status);
  if (!status.is_ok()) return status;
  settings.timeouts = {static_cast<int>(connect_ms), static_cast<int>(command_ms)};
  settings.retry_interval_ms = static_cast<int>(retry_ms);
  settings.max_idle = static_cast<size_t>(pool_size);
  return sp::Status::ok();
}

}  // namespace

sp::Status RedisBackend::validate(const sp::Options& options) {
  PoolSettings settings;
  return parse_settings(options, settings);
}

sp::Status RedisBackend::create(const sp::Options& options, std::unique_ptr<RedisBackend>& out) {
  PoolSettings settings;
  if (sp::Status status = parse_settings(options, settings); !status.is_ok()) return status;
  out = std::make_unique<RedisBackend>(std::move(settings));
  return sp::Status::ok();
}

void RedisBackend::append_set(Connection& connection, std::string_view key, sp::Bytes value,
                              int64_t ttl_ms, bool only_if_absent) {
  std::string_view text = sp::as_text(value);
  if (ttl_ms == 0 && !only_if_absent) {
    connection.append({"SET", key, text});
    return;
  }
  std::string ttl = std::to_string(ttl_ms);
  if (ttl_ms == 0) {
    connection.append({"SET", key, text, "NX"});
  } else if (only_if_absent) {
    connection.append({"SET", key, text, "NX", "PX", ttl});
  } else {
    connection.append({"SET", key, text, "PX", ttl});
  }
}

sp::Status RedisBackend::get(std::string_view key, sp::ValueSink& sink) {
  Reply reply;
  sp::Status status = pool_.run([&](Connection& c) { return c.command({"GET", key}, reply); });
  if (!status.is_ok()) return status;
  if (reply->type == REDIS_REPLY_NIL) return sp::Status::not_found();
  if (reply->type != REDIS_REPLY_STRING) return unexpected(*reply, "GET");
  sink.deliver(bytes_of(*reply));
  return sp::Status::ok();
}

sp::Status RedisBackend::set(std::string_view key, sp::Bytes value, int64_t ttl_ms) {
  if (sp::Status s = check_ttl(ttl_ms); !s.is_ok()) return s;
  Reply reply;
  sp::Status status = pool_.run([&](Connection& c) {
    append_set(c, key, value, ttl_ms, false);
    std::vector<Reply> replies;
    sp::Status s = c.exchange(replies);
    if (s.is_ok()) reply = std::move(replies.front());
    return s;
  });
  if (!status.is_ok()) return status;
  if (reply->type != REDIS_REPLY_STATUS) return unexpected(*reply, "SET");
  return sp::Status::ok();
}

sp::Status RedisBackend::add(std::string_view key, sp::Bytes value, int64_t ttl_ms, bool& stored) {
  stored = false;
  if (sp::Status s = check_ttl(ttl_ms); !s.is_ok()) return s;
  Reply reply;
  sp::Status status = pool_.run([&](Connection& c) {
    append_set(c, key, value, ttl_ms, true);
    std::vector<Reply> replies;
    sp::Status s = c.exchange(replies);
    if (s.is_ok()) reply = std::move(replies.front());
    return s;
  });
  if (!status.is_ok()) return status;
  if (reply->type == REDIS_REPLY_NIL) return sp::Status::ok();
  if (reply->type != REDIS_REPLY_STATUS) return unexpected(*reply, "SET NX");
  stored = true;
  return sp::Status::ok();
}

sp::Status RedisBackend::remove(std::string_view key) {
  Reply reply;
  sp::Status status = pool_.run([&](Connection& c) { return c.command({"DEL", key}, reply); });
  if (!status.is_ok()) return status;
  if (reply->type != REDIS_REPLY_INTEGER) return unexpected(*reply, "DEL");
  return reply->integer > 0 ? sp::Status::ok() : sp::Status::not_found();
}

sp::Status RedisBackend::touch(std::string_view key, int64_t ttl_ms) {
  if (sp::Status s = check_ttl(ttl_ms); !s.is_ok()) return s;
  std::vector<Reply> replies;
  std::string ttl = std::to_string(ttl_ms);
  sp::Status status = pool_.run([&](Connection& c) {
    if (ttl_ms > 0) {
      c.append({"PEXPIRE", key, ttl});
    } else {
      // PERSIST answers 0 both for a missing key and for one without expiry: EXISTS tells.
      c.append({"PERSIST", key});
      c.append({"EXISTS", key});
    }
    return c.exchange(replies);
  });
  if (!status.is_ok()) return status;
  for (const Reply& reply : replies) {
    if (reply->type != REDIS_REPLY_INTEGER) return unexpected(*reply, "PEXPIRE/PERSIST");
  }
  return replies.back()->integer > 0 ? sp::Status::ok() : sp::Status::not_found();
}

sp::Status RedisBackend::get_many(std::span<const std::string_view> keys, sp::IndexedSink& sink) {
  std::vector<std::string_view> args;
  for (size_t start = 0; start < keys.size(); start += kMgetKeys) {
    const size_t count = std::min(kMgetKeys, keys.size() - start);
    args.assign({"MGET"});
    args.insert(args.end(), keys.begin() + static_cast<std::ptrdiff_t>(start),
                keys.begin() + static_cast<std::ptrdiff_t>(start + count));
    std::vector<Reply> replies;
    sp::Status status = pool_.run([&](Connection& c) {
      c.append(std::span<const std::string_view>(args));
      return c.exchange(replies);
    });
    if (!status.is_ok()) return status;
    const redisReply& array = *replies.front();
    if (array.type != REDIS_REPLY_ARRAY) return unexpected(array, "MGET");
    if (array.elements != count) {
      return sp::Status(sp::Code::internal, "MGET returned " + std::to_string(array.elements) +
                                                " values for " + std::to_string(count) + " keys");
    }
    for (size_t i = 0; i < count; ++i) {
      const redisReply& element = *array.element[i];
      if (element.type == REDIS_REPLY_STRING) sink.deliver(start + i, bytes_of(element));
    }
  }
  return sp::Status::ok();
}

sp::Status RedisBackend::set_many(std::span<const sp::Item> items) {
  for (const sp::Item& item : items) {
    if (sp::Status s = check_ttl(item.ttl_ms); !s.is_ok()) return s;
  }
  size_t next = 0;
  while (next < items.size()) {
    const size_t start = next;
    std::vector<Reply> replies;
    sp::Status status = pool_.run([&](Connection& c) {
      size_t bytes = 0;
      next = start;
      while (next < items.size() && next - start < kPipelineCommands &&
             (next == start || bytes + items[next].value.size() <= kPipelineBytes)) {
        const sp::Item& item = items[next++];
        bytes += item.value.size() + item.key.size();
        append_set(c, item.key, item.value, item.ttl_ms, false);
      }
      return c.exchange(replies);
    });
    if (!status.is_ok()) return status;
    for (const Reply& reply : replies) {
      if (reply->type != REDIS_REPLY_STATUS) return unexpected(*reply, "SET");
    }
  }
  return sp::Status::ok();
}

}  // namespace sitecache_redis

SITECACHE_PLUGIN(sitecache_redis::RedisBackend)
