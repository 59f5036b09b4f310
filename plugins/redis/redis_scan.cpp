// RedisBackend: scan, clear and stats, all built on SCAN / INFO (see redis_backend.hpp).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>
#include <vector>

#include "redis_backend.hpp"

namespace sitecache_redis {

namespace {

// SCAN rounds one scan() call may run looking for a matching key before it returns an
// empty batch with a non-zero cursor.
constexpr int kScanRounds = 16;
// SCAN COUNT used by clear: work per round on the server (keys examined, not matched).
constexpr const char* kClearCount = "1000";
// Keys whose details (size and PTTL, or value and PTTL) are read per exchange.
constexpr size_t kDetailKeys = 128;
constexpr size_t kValueKeys = 16;

sp::Status malformed(std::string_view what) {
  return sp::Status(sp::Code::internal, "unexpected reply to " + std::string(what));
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One SCAN round: the next cursor and the keys under `prefix` (redis's MATCH already
// filters; the prefix check guards against a pattern mistake ever reaching DEL).
sp::Status scan_round(Pool& pool, uint64_t cursor, const std::string& pattern,
                      std::string_view count, std::string_view prefix, uint64_t& next,
                      std::vector<std::string>& keys) {
  std::string cursor_text = std::to_string(cursor);
  Reply reply;
  sp::Status status = pool.run([&](Connection& c) {
    return c.command({"SCAN", cursor_text, "MATCH", pattern, "COUNT", count}, reply);
  });
  if (!status.is_ok()) return status;
  if (reply->type == REDIS_REPLY_ERROR) return error_reply_status(*reply, "SCAN");
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      reply->element[1]->type != REDIS_REPLY_ARRAY) {
    return malformed("SCAN");
  }
  const redisReply& text = *reply->element[0];
  auto [end, ec] = std::from_chars(text.str, text.str + text.len, next);
  if (ec != std::errc() || end != text.str + text.len) return malformed("SCAN (cursor)");
  const redisReply& found = *reply->element[1];
  for (size_t i = 0; i < found.elements; ++i) {
    const redisReply& key = *found.element[i];
    if (key.type != REDIS_REPLY_STRING) return malformed("SCAN (key)");
    std::string_view name(key.str, key.len);
    if (name.starts_with(prefix)) keys.emplace_back(name);
  }
  return sp::Status::ok();
}

}  // namespace

std::string match_pattern(std::string_view prefix) {
  std::string pattern;
  pattern.reserve(prefix.size() + 8);
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '*';
  return pattern;
}

sp::Status RedisBackend::scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint,
                              sp::ScanMode mode, sp::ScanVisitor& visitor) {
  const std::string pattern = match_pattern(prefix);
  const std::string count = std::to_string(std::clamp<size_t>(batch_hint, 100, 10000));
  std::vector<std::string> keys;
  uint64_t next = cursor;
  for (int round = 0; round < kScanRounds && keys.empty(); ++round) {
    sp::Status status = scan_round(pool_, next, pattern, count, prefix, next, keys);
    if (!status.is_ok()) return status;
    if (next == 0) break;
  }
  const bool values = mode == sp::ScanMode::values;
  const size_t group = values ? kValueKeys : kDetailKeys;
  for (size_t start = 0; start < keys.size(); start += group) {
    const size_t end = std::min(keys.size(), start + group);
    std::vector<Reply> replies;
    sp::Status status = pool_.run([&](Connection& c) {
      for (size_t i = start; i < end; ++i) {
        c.append({values ? "GET" : "STRLEN", keys[i]});
        c.append({"PTTL", keys[i]});
      }
      return c.exchange(replies);
    });
    if (!status.is_ok()) return status;
    const int64_t now = wall_ms();
    for (size_t i = start; i < end; ++i) {
      const redisReply& detail = *replies[2 * (i - start)];
      const redisReply& pttl = *replies[2 * (i - start) + 1];
      if (detail.type == REDIS_REPLY_ERROR) return error_reply_status(detail, "scan");
      if (pttl.type != REDIS_REPLY_INTEGER) return malformed("PTTL");
      if (pttl.integer == -2 || detail.type == REDIS_REPLY_NIL) continue;  // removed meanwhile
      sp::ScanEntry entry;
      entry.key = keys[i];
      entry.expires_ms = pttl.integer >= 0 ? now + pttl.integer : 0;
      if (values) {
        if (detail.type != REDIS_REPLY_STRING) return malformed("GET");
        entry.value = sp::Bytes(reinterpret_cast<const uint8_t*>(detail.str), detail.len);
      } else {
        if (detail.type != REDIS_REPLY_INTEGER) return malformed("STRLEN");
        entry.value_size = detail.integer;
      }
      if (!visitor.visit(entry)) {
        cursor = next;
        return sp::Status::ok();
      }
    }
  }
  cursor = next;
  return sp::Status::ok();
}

sp::Status RedisBackend::clear(std::string_view prefix) {
  const std::string pattern = match_pattern(prefix);
  uint64_t cursor = 0;
  do {
    std::vector<std::string> keys;
    sp::Status status = scan_round(pool_, cursor, pattern, kClearCount, prefix, cursor, keys);
    if (!status.is_ok()) return status;
    if (keys.empty()) continue;
    std::vector<std::string_view> args = {"DEL"};
    args.insert(args.end(), keys.begin(), keys.end());
    Reply reply;
    status = pool_.run([&](Connection& c) {
      c.append(std::span<const std::string_view>(args));
      std::vector<Reply> replies;
      sp::Status s = c.exchange(replies);
      if (s.is_ok()) reply = std::move(replies.front());
      return s;
    });
    if (!status.is_ok()) return status;
    if (reply->type == REDIS_REPLY_ERROR) return error_reply_status(*reply, "DEL");
  } while (cursor != 0);
  return sp::Status::ok();
}

sp::Status RedisBackend::stats(sp::Stats& out) {
  Reply reply;
  sp::Status status = pool_.run([&](Connection& c) {
    return c.command({"INFO", "memory"}, reply);
  });
  if (!status.is_ok()) return status;
  if (reply->type == REDIS_REPLY_ERROR) return error_reply_status(*reply, "INFO");
  if (reply->type != REDIS_REPLY_STRING) return malformed("INFO");
  std::string_view info(reply->str, reply->len);
  auto field = [&](std::string_view name) -> int64_t {
    std::string needle = "\n" + std::string(name) + ":";
    size_t at = info.find(needle);
    if (at == std::string_view::npos) return -1;
    const char* begin = info.data() + at + needle.size();
    int64_t value = -1;
    std::from_chars(begin, info.data() + info.size(), value);
    return value;
  };
  out = sp::Stats{};
  out.bytes = field("used_memory");
  int64_t max_memory = field("maxmemory");
  out.max_bytes = max_memory > 0 ? max_memory : -1;
  return sp::Status::ok();
}

}  // namespace sitecache_redis
