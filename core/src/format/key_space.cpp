#include "format/key_space.hpp"

#include <charconv>
#include <cstdio>

namespace sitecache {
namespace {

constexpr std::string_view kLease = "lease:";
constexpr std::string_view kBlob = "blob:";
constexpr std::string_view kBuilds = "builds:";
constexpr std::string_view kHead = "head";
constexpr size_t kDigestDigits = 32;
constexpr size_t kMaxVersionDigits = 19;
constexpr size_t kMinGenerationDigits = 10;
constexpr size_t kMaxGenerationDigits = 20;

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

// Lowercase hex only: the spelling Digest::hex writes, so each digest has one key.
bool parse_digest(std::string_view text, Digest& out) {
  if (text.size() != kDigestDigits) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  Result<Digest> digest = Digest::from_hex(text);
  if (!digest) return false;
  out = *digest;
  return true;
}

template <class Int>
bool parse_number(std::string_view text, size_t max_digits, Int& out) {
  if (!all_digits(text) || text.size() > max_digits) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

KeySpace::KeySpace(std::string key_prefix, int64_t version)
    : prefix_(std::move(key_prefix) + ":"), version_(version) {}

std::string KeySpace::entry(const Digest& digest, int64_t version) const {
  // Built in one allocation: this runs for every cache call.
  char number[24];
  const int digits = std::snprintf(number, sizeof number, "%lld", static_cast<long long>(version));
  std::string key;
  key.reserve(prefix_.size() + static_cast<size_t>(digits) + 1 + kDigestDigits);
  key.append(prefix_).append(number, static_cast<size_t>(digits)).append(1, ':');
  digest.append_hex(key);
  return key;
}

std::string KeySpace::lease(const Digest& digest) const {
  std::string key = prefix_;
  key.append(kLease);
  digest.append_hex(key);
  return key;
}

std::string KeySpace::blob(const Digest& content) const {
  std::string key = prefix_;
  key.append(kBlob);
  content.append_hex(key);
  return key;
}

std::string KeySpace::build_head() const {
  return prefix_ + std::string(kBuilds) + std::string(kHead);
}

std::string KeySpace::build_record(uint64_t generation) const {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%010llu", static_cast<unsigned long long>(generation));
  return prefix_ + std::string(kBuilds) + digits;
}

ParsedKey KeySpace::parse(std::string_view key) const {
  ParsedKey parsed;
  if (!key.starts_with(prefix_)) return parsed;
  const std::string_view tail = key.substr(prefix_.size());
  if (tail.starts_with(kLease)) {
    if (parse_digest(tail.substr(kLease.size()), parsed.digest)) parsed.kind = KeyKind::lease;
    return parsed;
  }
  if (tail.starts_with(kBlob)) {
    if (parse_digest(tail.substr(kBlob.size()), parsed.digest)) parsed.kind = KeyKind::blob;
    return parsed;
  }
  if (tail.starts_with(kBuilds)) {
    const std::string_view rest = tail.substr(kBuilds.size());
    if (rest == kHead) {
      parsed.kind = KeyKind::build_head;
    } else if (rest.size() >= kMinGenerationDigits &&
               parse_number(rest, kMaxGenerationDigits, parsed.generation) &&
               build_record(parsed.generation) == key) {  // the one spelling we write
      parsed.kind = KeyKind::build_record;
    }
    return parsed;
  }
  const size_t colon = tail.find(':');
  if (colon == std::string_view::npos) return parsed;
  const std::string_view version = tail.substr(0, colon);
  const bool canonical = version.size() == 1 || version.front() != '0';  // no leading zeros
  if (canonical && parse_number(version, kMaxVersionDigits, parsed.version) &&
      parse_digest(tail.substr(colon + 1), parsed.digest)) {
    parsed.kind = KeyKind::entry;
  }
  return parsed;
}

}  // namespace sitecache
