// FileHasher: content digests of input files with a persistent stat cache, kept as
// shard files (memo/stat_cache_format.hpp) that are read when a path in them is first
// looked up and written when one of their records changed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "memo/stat_cache_format.hpp"
#include "sitecache/memoize.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;

int64_t ns_of(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The whole file, or nullopt when it cannot be read (missing counts as unreadable).
std::optional<std::string> read_small_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string data;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
// so readers see the old shard or the new one, never a mix.
Status replace_file(const fs::path& path, const std::string& bytes) {
  fs::path temp = path;
  temp += ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(StatusCode::io, "cannot write " + temp.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool complete = done == bytes.size() && ::close(fd) == 0;
  if (!complete || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return Status(StatusCode::io, "cannot replace " + path.string() + ": " + std::strerror(err));
  }
  return Status::ok();
}

// One shard in memory: its records as last read, and this process's changes to it, kept
// apart so that a save applies them to the shard as it is on disk by then (another
// process may have added records since this one read it).
struct Shard {
  bool loaded = false;
  StatTable records;
  StatTable changed;
  std::unordered_set<std::string> erased;

  bool dirty() const { return !changed.empty() || !erased.empty(); }
  void set(const std::string& path, const RememberedFile& r) {
    records[path] = r;
    changed[path] = r;
    erased.erase(path);
  }
  void forget(const std::string& path) {
    if (records.erase(path) > 0 || changed.erase(path) > 0) erased.insert(path);
  }
};

}  // namespace

struct FileHasher::Impl {
  fs::path state_dir;
  std::chrono::milliseconds racy_window{};
  mutable std::mutex mutex;
  std::array<Shard, kStatCacheShards> shards;
  Counters counters;

  // The shard of `path`, read from disk the first time. Caller holds the mutex.
  Shard& shard_for(const std::string& path, size_t& index) {
    index = stat_shard_of(path);
    Shard& shard = shards[index];
    if (!shard.loaded) {
      shard.loaded = true;
      if (!state_dir.empty()) shard.records = read_shard(index).value_or(StatTable{});
    }
    return shard;
  }

  std::optional<StatTable> read_shard(size_t index) const {
    std::optional<std::string> bytes = read_small_file(state_dir / stat_shard_name(index));
    if (!bytes) return std::nullopt;
    return decode_stat_shard(*bytes, index);
  }

  // The state path as a directory; a version 1 state file there is replaced.
  Status prepare_dir() const {
    std::error_code ec;
    if (fs::is_regular_file(state_dir, ec)) fs::remove(state_dir, ec);
    fs::create_directories(state_dir, ec);
    if (ec) return Status(StatusCode::io, "cannot create " + state_dir.string() + ": " + ec.message());
    return Status::ok();
  }

  Status save_shard(size_t index, Shard& shard) {
    StatTable merged = read_shard(index).value_or(StatTable{});
    for (const std::string& path : shard.erased) merged.erase(path);
    for (const auto& [path, r] : shard.changed) merged[path] = r;
    Status written = replace_file(state_dir / stat_shard_name(index), encode_stat_shard(merged));
    if (!written) return written;
    shard.records = std::move(merged);
    shard.changed.clear();
    shard.erased.clear();
    return Status::ok();
  }
};

FileHasher::FileHasher(std::filesystem::path state_dir, std::chrono::milliseconds racy_window)
    : impl_(std::make_unique<Impl>()) {
  impl_->state_dir = std::move(state_dir);
  impl_->racy_window = racy_window;
}

FileHasher::~FileHasher() {
  (void)save();
}

FileHasher::Counters FileHasher::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

namespace {

// The absolute, normalized name a path is remembered under.
std::string remembered_name(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec).lexically_normal();
  return ec ? path.string() : absolute.string();
}

FileStamp stamp_of(const struct stat& st) {
  return FileStamp{static_cast<uint64_t>(st.st_size), ns_of(st.st_mtim), ns_of(st.st_ctim),
                   static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_dev)};
}

}  // namespace

Result<Digest> FileHasher::digest(const std::filesystem::path& path) {
  const std::string name = remembered_name(path);
  struct stat st;
  if (::stat(name.c_str(), &st) != 0) {
    int err = errno;
    return Status(err == ENOENT ? StatusCode::not_found : StatusCode::io,
                  "cannot read " + path.string() + ": " + std::strerror(err));
  }
  const FileStamp stamp = stamp_of(st);
  {
    std::lock_guard lock(impl_->mutex);
    ++impl_->counters.lookups;
    size_t index = 0;
    Shard& shard = impl_->shard_for(name, index);
    auto it = shard.records.find(name);
    if (it != shard.records.end() && it->second.stamp == stamp) return it->second.digest;
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
  size_t index = 0;
  Shard& shard = impl_->shard_for(name, index);
  if (trustworthy) {
    shard.set(name, RememberedFile{stamp, *digest});
  } else {
    shard.forget(name);
  }
  return digest;
}

void FileHasher::remember(const std::filesystem::path& path, const Digest& digest) {
  const std::string name = remembered_name(path);
  struct stat st;
  if (::stat(name.c_str(), &st) != 0) return;
  const RememberedFile remembered{stamp_of(st), digest};
  std::lock_guard lock(impl_->mutex);
  size_t index = 0;
  Shard& shard = impl_->shard_for(name, index);
  if (auto it = shard.records.find(name); it != shard.records.end() && it->second == remembered) {
    return;  // already on record: nothing to write
  }
  shard.set(name, remembered);
}

Status FileHasher::save() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->state_dir.empty()) return Status::ok();
  bool prepared = false;
  for (size_t index = 0; index < kStatCacheShards; ++index) {
    Shard& shard = impl_->shards[index];
    if (!shard.dirty()) continue;
    if (!prepared) {
      if (Status s = impl_->prepare_dir(); !s) return s;
      prepared = true;
    }
    if (Status s = impl_->save_shard(index, shard); !s) return s;
  }
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
