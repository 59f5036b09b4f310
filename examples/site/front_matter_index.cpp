#include "front_matter_index.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace sitegen {
namespace {

constexpr std::string_view kMagic = "SGFI";
constexpr char kVersion = 1;

void put_u32(std::string& out, uint32_t value) {
  char raw[4];
  std::memcpy(raw, &value, 4);  // little-endian hosts only, like the core's formats
  out.append(raw, 4);
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads the table's fields front to back; every read fails once the bytes run short.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool u32(uint32_t& value) {
    if (bytes_.size() < 4) return false;
    std::memcpy(&value, bytes_.data(), 4);
    bytes_.remove_prefix(4);
    return true;
  }
  bool take(size_t size, std::string_view& out) {
    if (bytes_.size() < size) return false;
    out = bytes_.substr(0, size);
    bytes_.remove_prefix(size);
    return true;
  }
  bool sized(std::string_view& out) {
    uint32_t size = 0;
    return u32(size) && take(size, out);
  }
  bool done() const { return bytes_.empty(); }

 private:
  std::string_view bytes_;
};

}  // namespace

std::string FrontMatterIndex::encode(const std::vector<Row>& rows) {
  std::string out(kMagic);
  out += kVersion;
  put_u32(out, static_cast<uint32_t>(rows.size()));
  for (const Row& row : rows) {
    put_bytes(out, row.rel);
    out.append(reinterpret_cast<const char*>(row.digest.bytes.data()), row.digest.bytes.size());
    put_bytes(out, row.encoded_fm);
  }
  return out;
}

std::optional<std::vector<FrontMatterIndex::Row>> FrontMatterIndex::decode(std::string_view bytes) {
  if (!bytes.starts_with(kMagic) || bytes.size() < kMagic.size() + 1 ||
      bytes[kMagic.size()] != kVersion) {
    return std::nullopt;
  }
  Reader in(bytes.substr(kMagic.size() + 1));
  uint32_t count = 0;
  if (!in.u32(count)) return std::nullopt;
  std::vector<Row> rows;
  rows.reserve(std::min<uint32_t>(count, 1u << 20));
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view rel, digest, fm;
    if (!in.sized(rel) || !in.take(16, digest) || !in.sized(fm)) return std::nullopt;
    Row row{std::string(rel), {}, std::string(fm)};
    std::memcpy(row.digest.bytes.data(), digest.data(), 16);
    rows.push_back(std::move(row));
  }
  if (!in.done()) return std::nullopt;
  return rows;
}

FrontMatterIndex FrontMatterIndex::load(sitecache::Cache& cache, std::string key) {
  FrontMatterIndex index;
  index.key_ = std::move(key);
  sitecache::Result<std::optional<std::string>> stored = cache.get(index.key_);
  if (stored && stored->has_value()) {
    if (std::optional<std::vector<Row>> rows = decode(**stored)) index.rows_ = std::move(*rows);
  }
  index.by_rel_.reserve(index.rows_.size());
  for (size_t i = 0; i < index.rows_.size(); ++i) index.by_rel_.emplace(index.rows_[i].rel, i);
  return index;
}

std::optional<std::string_view> FrontMatterIndex::find(std::string_view rel,
                                                       const sitecache::Digest& digest) const {
  auto it = by_rel_.find(rel);
  if (it == by_rel_.end() || rows_[it->second].digest != digest) return std::nullopt;
  return std::string_view(rows_[it->second].encoded_fm);
}

void FrontMatterIndex::save(sitecache::Cache& cache, const std::vector<Row>& rows) const {
  auto same = [&] {
    if (rows.size() != rows_.size()) return false;
    for (const Row& row : rows) {
      auto it = by_rel_.find(row.rel);
      if (it == by_rel_.end()) return false;
      const Row& old = rows_[it->second];
      if (old.digest != row.digest || old.encoded_fm != row.encoded_fm) return false;
    }
    return true;
  };
  if (same()) return;
  (void)cache.set(key_, encode(rows));
}

}  // namespace sitegen
