// FileHasher: content digests of input files with a persistent stat cache.
//
// State file grammar (integers little-endian):
//   file    := magic "SCSTAT" version:u8 count:u64 record{count} checksum
//   record  := path_len:u32 path size:u64 mtime_ns:i64 ctime_ns:i64 inode:u64 device:u64
//              digest:16
//   checksum:= XXH3-64 of every byte before it, u64
// A file that fails any check is ignored (the table starts empty) and rewritten on save.
// Version history: 1  first version.
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3 through the widest SIMD variant this CPU runs
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "sitecache/memoize.hpp"

namespace sitecache {
namespace {

constexpr char kMagic[6] = {'S', 'C', 'S', 'T', 'A', 'T'};
constexpr uint8_t kVersion = 1;

struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  bool operator==(const FileStamp&) const = default;
};

struct Remembered {
  FileStamp stamp;
  Digest digest;
};

int64_t ns_of(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void put(std::string& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

bool get(std::string_view& in, uint64_t& v, int width) {
  if (in.size() < static_cast<size_t>(width)) return false;
  v = 0;
  for (int i = 0; i < width; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  in.remove_prefix(width);
  return true;
}

}  // namespace

struct FileHasher::Impl {
  std::filesystem::path state_file;
  std::chrono::milliseconds racy_window{};
  mutable std::mutex mutex;
  std::unordered_map<std::string, Remembered> table;
  bool dirty = false;
  Counters counters;

  void load() {
    std::ifstream in(state_file, std::ios::binary);
    if (!in) return;
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string data = buffer.str();
    if (data.size() < sizeof kMagic + 1 + 8 + 8) return;
    std::string_view body(data.data(), data.size() - 8);
    std::string_view tail(data.data() + data.size() - 8, 8);
    uint64_t checksum = 0;
    if (!get(tail, checksum, 8) || checksum != XXH3_64bits(body.data(), body.size())) return;
    if (std::memcmp(body.data(), kMagic, sizeof kMagic) != 0 ||
        static_cast<uint8_t>(body[sizeof kMagic]) != kVersion) {
      return;
    }
    body.remove_prefix(sizeof kMagic + 1);
    uint64_t count = 0;
    if (!get(body, count, 8)) return;
    std::unordered_map<std::string, Remembered> loaded;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t path_len = 0;
      if (!get(body, path_len, 4) || body.size() < path_len) return;
      std::string path(body.substr(0, path_len));
      body.remove_prefix(path_len);
      Remembered r;
      uint64_t mtime = 0, ctime = 0;
      if (!get(body, r.stamp.size, 8) || !get(body, mtime, 8) || !get(body, ctime, 8) ||
          !get(body, r.stamp.inode, 8) || !get(body, r.stamp.device, 8) || body.size() < 16) {
        return;
      }
      r.stamp.mtime_ns = static_cast<int64_t>(mtime);
      r.stamp.ctime_ns = static_cast<int64_t>(ctime);
      std::memcpy(r.digest.bytes.data(), body.data(), 16);
      body.remove_prefix(16);
      loaded.emplace(std::move(path), r);
    }
    if (!body.empty()) return;
    table = std::move(loaded);
  }
};

FileHasher::FileHasher(std::filesystem::path state_file, std::chrono::milliseconds racy_window)
    : impl_(std::make_unique<Impl>()) {
  impl_->state_file = std::move(state_file);
  impl_->racy_window = racy_window;
  impl_->load();
}

FileHasher::~FileHasher() {
  (void)save();
}

FileHasher::Counters FileHasher::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

Result<Digest> FileHasher::digest(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec).lexically_normal();
  std::string name = ec ? path.string() : absolute.string();
  struct stat st;
  if (::stat(name.c_str(), &st) != 0) {
    int err = errno;
    return Status(err == ENOENT ? StatusCode::not_found : StatusCode::io,
                  "cannot read " + path.string() + ": " + std::strerror(err));
  }
  FileStamp stamp{static_cast<uint64_t>(st.st_size), ns_of(st.st_mtim), ns_of(st.st_ctim),
                  static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_dev)};
  {
    std::lock_guard lock(impl_->mutex);
    ++impl_->counters.lookups;
    auto it = impl_->table.find(name);
    if (it != impl_->table.end() && it->second.stamp == stamp) return it->second.digest;
  }
  Result<Digest> digest = hash_file(name);
  if (!digest) return digest;
  // A timestamp this close to now could be followed by another edit within the same
  // timestamp tick that keeps size and mtime: do not remember such a file yet.
  struct timespec now_ts;
  clock_gettime(CLOCK_REALTIME, &now_ts);
  const int64_t racy_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(impl_->racy_window).count();
  bool trustworthy = ns_of(now_ts) - std::max(stamp.mtime_ns, stamp.ctime_ns) >= racy_ns;
  std::lock_guard lock(impl_->mutex);
  ++impl_->counters.hashed;
  if (trustworthy) {
    impl_->table[name] = Remembered{stamp, *digest};
    impl_->dirty = true;
  } else {
    impl_->table.erase(name);
  }
  return digest;
}

void FileHasher::remember(const std::filesystem::path& path, const Digest& digest) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec).lexically_normal();
  const std::string name = ec ? path.string() : absolute.string();
  struct stat st;
  if (::stat(name.c_str(), &st) != 0) return;
  FileStamp stamp{static_cast<uint64_t>(st.st_size), ns_of(st.st_mtim), ns_of(st.st_ctim),
                  static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_dev)};
  std::lock_guard lock(impl_->mutex);
  impl_->table[name] = Remembered{stamp, digest};
  impl_->dirty = true;
}

Status FileHasher::save() {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->dirty || impl_->state_file.empty()) return Status::ok();
  std::string out(kMagic, sizeof kMagic);
  out.push_back(static_cast<char>(kVersion));
  put(out, impl_->table.size(), 8);
  for (const auto& [path, r] : impl_->table) {
    put(out, path.size(), 4);
    out += path;
    put(out, r.stamp.size, 8);
    put(out, static_cast<uint64_t>(r.stamp.mtime_ns), 8);
    put(out, static_cast<uint64_t>(r.stamp.ctime_ns), 8);
    put(out, r.stamp.inode, 8);
    put(out, r.stamp.device, 8);
    out.append(reinterpret_cast<const char*>(r.digest.bytes.data()), 16);
  }
  put(out, XXH3_64bits(out.data(), out.size()), 8);

  std::error_code ec;
  std::filesystem::create_directories(impl_->state_file.parent_path(), ec);
  std::filesystem::path temp = impl_->state_file;
  temp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!file) {
      std::filesystem::remove(temp, ec);
      return Status(StatusCode::io, "cannot write " + temp.string());
    }
  }
  std::filesystem::rename(temp, impl_->state_file, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    return Status(StatusCode::io, "cannot replace " + impl_->state_file.string());
  }
  impl_->dirty = false;
  return Status::ok();
}

FileHasher& FileHasher::shared() {
  static FileHasher hasher([] {
    const char* env = std::getenv("SITECACHE_STAT_CACHE");
    if (env && *env) return std::filesystem::path(env);
    std::error_code ec;
    return std::filesystem::current_path(ec) / ".sitecache" / "stat-cache";
  }());
  return hasher;
}

}  // namespace sitecache
