#include "layout.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

namespace sitecache::file {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kTempPrefix = ".tmp.";

void hex2(uint32_t value, char out[3]) {
  out[0] = kHex[(value >> 4) & 0xf];
  out[1] = kHex[value & 0xf];
  out[2] = '\0';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The value of a two-digit lowercase hex name, or -1.
int parse_level(std::string_view name) {
  if (name.size() != 2) return -1;
  int hi = hex_digit(name[0]);
  int lo = hex_digit(name[1]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// Opens one level below `parent`, creating or repairing it when asked (see open_shard).
Status open_level(int parent, const char* name, bool create, const std::string& where, Fd& out) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    out = Fd(openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (out.valid()) return Status::ok();
    int err = errno;
    if (err == ENOENT) {
      if (!create) return Status::ok();
      if (mkdirat(parent, name, 0700) != 0 && errno != EEXIST) {
        return io_error("cannot create shard directory", where, errno);
      }
    } else if (err == ELOOP || err == ENOTDIR) {
      // A symlink or a file where a shard directory belongs: never follow it; writers
      // remove the link itself (unlinkat does not follow) and create the real directory.
      if (!create) return Status::ok();
      if (unlinkat(parent, name, 0) != 0 && errno != ENOENT) {
        return io_error("cannot replace non-directory", where, errno);
      }
    } else {
      return io_error("cannot open shard directory", where, err);
    }
  }
  return Status(Code::io, "shard directory '" + where + "' keeps changing under us");
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd open_beneath(int dir_fd, const char* path, int flags, mode_t mode) {
  // Remembered per process: a kernel without openat2 (or a seccomp filter that refuses
  // it) costs one failed call, not one per operation.
  static std::atomic<bool> unavailable{false};
  if (unavailable.load(std::memory_order_relaxed)) {
    errno = ENOSYS;
    return Fd();
  }
  open_how how{};
  how.flags = static_cast<uint64_t>(flags);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;  // openat2 rejects a mode without O_CREAT
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  long fd = syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
  if (fd >= 0) return Fd(static_cast<int>(fd));
  // EPERM: seccomp profiles that predate openat2 refuse it that way.
  if (errno == ENOSYS || errno == EPERM || errno == E2BIG) {
    unavailable.store(true, std::memory_order_relaxed);
    errno = ENOSYS;
  }
  return Fd();
}

EntryPath entry_path(std::string_view key) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(key.data(), key.size()));
  EntryPath path{};
  for (size_t i = 0; i < sizeof(canonical.digest); ++i) {
    path.name[2 * i] = kHex[canonical.digest[i] >> 4];
    path.name[2 * i + 1] = kHex[canonical.digest[i] & 0xf];
  }
  path.name[32] = '\0';
  hex2(canonical.digest[0], path.level1);
  hex2(canonical.digest[1], path.level2);
  path.shard = canonical.digest[0] * 256u + canonical.digest[1];
  std::memcpy(path.shard_dir, path.level1, 2);
  path.shard_dir[2] = '/';
  std::memcpy(path.shard_dir + 3, path.level2, 3);
  std::memcpy(path.relative, path.shard_dir, 5);
  path.relative[5] = '/';
  std::memcpy(path.relative + 6, path.name, 33);
  return path;
}

bool is_entry_name(std::string_view name) {
  return name.size() == 32 &&
         std::all_of(name.begin(), name.end(), [](char c) { return hex_digit(c) >= 0; });
}

bool is_temp_name(std::string_view name) {
  return name.starts_with(kTempPrefix);
}

std::string make_temp_name() {
  static std::atomic<uint64_t> counter{0};
  // Seeded once per process; the pid (which differs in a forked child) keeps names of
  // processes apart, the counter keeps threads apart, the random part guards against pid
  // reuse by a process that crashed and left its temporary files behind.
  static const uint64_t seed = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  const pid_t pid = getpid();
  uint64_t salt = XXH3_64bits_withSeed(&n, sizeof(n), seed ^ static_cast<uint64_t>(pid));
  char buffer[80];
  std::snprintf(buffer, sizeof(buffer), ".tmp.%ld.%llu.%016llx", static_cast<long>(pid),
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(salt));
  return buffer;
}

int64_t to_ms(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_ms() {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  return to_ms(ts);
}

Status io_error(std::string_view what, const std::string& path, int err) {
  return Status(Code::io, std::string(what) + " '" + path + "': " + std::strerror(err));
}

Status open_location(const std::string& path, bool create, Fd& out) {
  out = Fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (out.valid()) return Status::ok();
  int err = errno;
  if (err != ENOENT) return io_error("cannot open cache directory", path, err);
  if (!create) return Status::ok();
  // mkdir -p, one component at a time; an existing component that is not a directory
  // surfaces as ENOTDIR on the next one.
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      int mkdir_err = errno;
      return io_error("cannot create cache directory '" + path + "': mkdir", prefix, mkdir_err);
    }
    if (pos == std::string::npos) break;
  }
  out = Fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!out.valid()) return io_error("cannot open cache directory", path, errno);
  return Status::ok();
}

Status open_shard(int location_fd, uint32_t shard, bool create, const std::string& location,
                  Fd& out) {
  char l1[3];
  char l2[3];
  hex2(shard >> 8, l1);
  hex2(shard & 0xff, l2);
  // The common case in one call: both levels exist and are real directories. Anything
  // else (missing, planted symlink, no openat2) takes the component-wise path below,
  // which creates, repairs and reports.
  char both[6] = {l1[0], l1[1], '/', l2[0], l2[1], '\0'};
  out = open_beneath(location_fd, both, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (out.valid()) return Status::ok();
  Fd first;
  Status status = open_level(location_fd, l1, create, location + "/" + l1, first);
  if (!status.is_ok() || !first.valid()) {
    out = Fd();
    return status;
  }
  return open_level(first.get(), l2, create, location + "/" + l1 + "/" + l2, out);
}

Fd open_subdir(int dir_fd, const char* name) {
  return Fd(openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

std::vector<std::string> list_dir(int dir_fd) {
  std::vector<std::string> names;
  // fdopendir takes ownership of its descriptor, so give it a fresh one.
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return names;
  }
  while (struct dirent* entry = readdir(dir)) {
    std::string_view name(entry->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

uint32_t for_each_shard(int location_fd, uint32_t first,
                        const std::function<bool(uint32_t, int)>& visit) {
  for (const std::string& name1 : list_dir(location_fd)) {
    int hi = parse_level(name1);
    if (hi < 0 || static_cast<uint32_t>(hi) < first >> 8) continue;
    Fd level1 = open_subdir(location_fd, name1.c_str());
    if (!level1.valid()) continue;
    for (const std::string& name2 : list_dir(level1.get())) {
      int lo = parse_level(name2);
      if (lo < 0) continue;
      uint32_t shard = static_cast<uint32_t>(hi) * 256 + static_cast<uint32_t>(lo);
      if (shard < first) continue;
      Fd level2 = open_subdir(level1.get(), name2.c_str());
      if (!level2.valid()) continue;
      if (!visit(shard, level2.get())) return shard;
    }
  }
  return kShardCount;
}

bool remove_if_same(int dir_fd, const char* name, ino_t ino) {
  std::string aside = make_temp_name();
  if (renameat(dir_fd, name, dir_fd, aside.c_str()) != 0) return false;
  struct stat st {};
  if (fstatat(dir_fd, aside.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == ino) {
    unlinkat(dir_fd, aside.c_str(), 0);
    return true;
  }
  // Another writer replaced the file after it was examined: put the newer one back unless
  // an even newer one has appeared since (link fails with EEXIST), which then wins.
  linkat(dir_fd, aside.c_str(), dir_fd, name, 0);
  unlinkat(dir_fd, aside.c_str(), 0);
  return false;
}

bool remove_if_stale_temp(int dir_fd, const std::string& name, int64_t now) {
  struct stat st {};
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
  if (S_ISDIR(st.st_mode) || now - to_ms(st.st_mtim) < kStaleTempMs) return false;
  return unlinkat(dir_fd, name.c_str(), 0) == 0;
}

}  // namespace sitecache::file
