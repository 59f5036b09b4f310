#include "memo/manifest.hpp"

#include <cstring>

namespace sitecache {
namespace {

constexpr char kMagic[4] = {'S', 'C', 'M', 'F'};

void put(std::string& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  uint64_t uint(size_t width) {
    if (!need(width)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(width);
    return v;
  }
  std::string_view take(uint64_t n) {
    if (!need(n)) return {};
    std::string_view out = in_.substr(0, static_cast<size_t>(n));
    in_.remove_prefix(static_cast<size_t>(n));
    return out;
  }

 private:
  bool need(uint64_t n) {
    if (!ok_ || n > in_.size()) ok_ = false;
    return ok_;
  }
  std::string_view in_;
  bool ok_ = true;
};

Status corrupt(const std::string& what) {
  return Status(StatusCode::corruption, "file manifest: " + what);
}

}  // namespace

std::string Manifest::encode() const {
  std::string out(kMagic, 4);
  out.push_back(static_cast<char>(kManifestVersion));
  put(out, value.size(), 8);
  out += value;
  put(out, outputs.size(), 4);
  for (const ManifestOutput& o : outputs) {
    put(out, o.path.size(), 4);
    out += o.path;
    put(out, o.mode, 4);
    put(out, o.size, 8);
    out.append(reinterpret_cast<const char*>(o.digest.bytes.data()), 16);
    out.push_back(static_cast<char>(o.storage));
    if (o.storage == ManifestOutput::Storage::inline_bytes) out += o.data;
  }
  return out;
}

Result<Manifest> Manifest::decode(std::string_view bytes) {
  Reader in(bytes);
  const std::string_view magic = in.take(4);
  if (!in.ok() || std::memcmp(magic.data(), kMagic, 4) != 0) return corrupt("wrong magic");
  if (in.uint(1) != kManifestVersion) return corrupt("unknown version");
  Manifest m;
  m.value = std::string(in.take(in.uint(8)));
  const uint64_t count = in.uint(4);
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    ManifestOutput o;
    const uint64_t path_size = in.uint(4);
    if (path_size > kMaxManifestPath) return corrupt("path too long");
    o.path = std::string(in.take(path_size));
    o.mode = static_cast<uint32_t>(in.uint(4));
    o.size = in.uint(8);
    const std::string_view digest = in.take(16);
    if (!in.ok()) break;
    std::memcpy(o.digest.bytes.data(), digest.data(), 16);
    const uint64_t storage = in.uint(1);
    if (storage > 1 || (o.mode & ~07777u) != 0) return corrupt("bad output storage or mode");
    o.storage = static_cast<ManifestOutput::Storage>(storage);
    if (o.storage == ManifestOutput::Storage::inline_bytes) {
      o.data = std::string(in.take(o.size));
      if (in.ok() && hash_bytes(o.data) != o.digest) return corrupt("inline output digest");
    }
    m.outputs.push_back(std::move(o));
  }
  if (!in.ok()) return corrupt("truncated");
  if (!in.done()) return corrupt("trailing bytes");
  return m;
}

std::vector<Digest> Manifest::blobs() const {
  std::vector<Digest> out;
  for (const ManifestOutput& o : outputs) {
    if (o.storage == ManifestOutput::Storage::blob) out.push_back(o.digest);
  }
  return out;
}

}  // namespace sitecache
