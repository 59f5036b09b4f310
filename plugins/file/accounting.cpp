#include "accounting.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>

namespace sitecache::file {
namespace {

constexpr char kMagic[8] = {'S', 'C', 'F', 'S', 'T', 'A', 'T', '1'};
constexpr size_t kStateSize = 40;

void put_i64(uint8_t* out, int64_t value) {
  auto v = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
int64_t get_i64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return static_cast<int64_t>(v);
}

// flock for the lifetime of the object; EINTR is retried.
class FileLock {
 public:
  FileLock(int fd, int operation) : fd_(fd) {
    while (fd_ >= 0 && flock(fd_, operation) != 0) {
      if (errno != EINTR) {
        fd_ = -1;  // proceed unlocked: the counters are approximate anyway
      }
    }
  }
  ~FileLock() {
    if (fd_ >= 0) flock(fd_, LOCK_UN);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// Opens the state file without following a symlink; a writable cache replaces a symlink
// planted in its place (the link itself, never its target). Sets errno on failure.
Fd open_state(int location_fd, bool read_only) {
  const std::string name(kStateFileName);
  int flags = O_NOFOLLOW | O_CLOEXEC | (read_only ? O_RDONLY : O_RDWR | O_CREAT);
  Fd fd(openat(location_fd, name.c_str(), flags, 0600));
  if (!fd.valid() && errno == ELOOP && !read_only) {
    unlinkat(location_fd, name.c_str(), 0);
    fd = Fd(openat(location_fd, name.c_str(), flags, 0600));
  }
  return fd;
}

}  // namespace

Status Accounting::open(int location_fd, bool read_only, const std::string& location,
                        std::unique_ptr<Accounting>& out) {
  Fd fd = open_state(location_fd, read_only);
  if (!fd.valid() && !read_only) {
    return io_error("cannot create state file", location + "/" + std::string(kStateFileName),
                    errno);
  }
  out.reset(new Accounting(location_fd, std::move(fd), read_only));
  out->read();
  return Status::ok();
}

void Accounting::refresh_locked() {
  struct stat st {};
  if (fd_.valid() && fstat(fd_.get(), &st) == 0 && st.st_nlink > 0) return;
  // Deleted (e.g. by hand, to force a recount) or not there yet in a read-only cache:
  // follow the file that now has the name, so that all processes keep sharing one.
  Fd fd = open_state(location_fd_, read_only_);
  if (fd.valid()) fd_ = std::move(fd);
}

Totals Accounting::load_locked() const {
  uint8_t buffer[kStateSize];
  Totals totals;
  if (!fd_.valid() || pread(fd_.get(), buffer, kStateSize, 0) != kStateSize) return totals;
  if (std::memcmp(buffer, kMagic, sizeof(kMagic)) != 0) return totals;
  if (static_cast<uint64_t>(get_i64(buffer + 32)) != XXH3_64bits(buffer, 32)) return totals;
  totals.entries = get_i64(buffer + 8);
  totals.bytes = get_i64(buffer + 16);
  totals.last_pass_ms = get_i64(buffer + 24);
  return totals;
}

void Accounting::store_locked(const Totals& totals) const {
  if (!fd_.valid() || read_only_) return;
  uint8_t buffer[kStateSize];
  std::memcpy(buffer, kMagic, sizeof(kMagic));
  put_i64(buffer + 8, totals.entries);
  put_i64(buffer + 16, totals.bytes);
  put_i64(buffer + 24, totals.last_pass_ms);
  put_i64(buffer + 32, static_cast<int64_t>(XXH3_64bits(buffer, 32)));
  // One 40-byte pwrite under the lock; a torn write after a crash fails the checksum and
  // reads as "no information", which triggers a recount.
  [[maybe_unused]] ssize_t written = pwrite(fd_.get(), buffer, kStateSize, 0);
}

Accounting::~Accounting() {
  std::lock_guard guard(mutex_);
  if (pending_writes_ > 0) share_locked();
}

Totals Accounting::share_locked() {
  refresh_locked();
  FileLock lock(fd_.get(), LOCK_EX);
  Totals totals = load_locked();
  totals.entries = std::max<int64_t>(0, totals.entries + pending_.entries);
  totals.bytes = std::max<int64_t>(0, totals.bytes + pending_.bytes);
  store_locked(totals);
  pending_ = Totals{};
  pending_writes_ = 0;
  shared_ = totals;
  return totals;
}

Totals Accounting::read() {
  std::lock_guard guard(mutex_);
  if (pending_writes_ > 0) return share_locked();
  refresh_locked();
  FileLock lock(fd_.get(), LOCK_SH);
  shared_ = load_locked();
  return shared_;
}

Totals Accounting::adjust(int64_t entries, int64_t bytes, bool share_now) {
  std::lock_guard guard(mutex_);
  pending_.entries += entries;
  pending_.bytes += bytes;
  const int64_t now = now_ms();
  if (pending_writes_++ == 0) pending_since_ms_ = now;
  if (share_now || read_only_ || pending_writes_ >= kMaxPendingWrites ||
      now - pending_since_ms_ >= kMaxPendingMs) {
    return share_locked();
  }
  return known_locked();
}

Totals Accounting::known() {
  std::lock_guard guard(mutex_);
  return known_locked();
}

Totals Accounting::known_locked() const {
  Totals view = shared_;
  view.entries = std::max<int64_t>(0, view.entries + pending_.entries);
  view.bytes = std::max<int64_t>(0, view.bytes + pending_.bytes);
  return view;
}

void Accounting::finish_pass(const Totals& at_start, int64_t entries, int64_t bytes, int64_t now) {
  std::lock_guard guard(mutex_);
  FileLock lock(fd_.get(), LOCK_EX);
  Totals current = load_locked();
  Totals result;
  result.entries = std::max<int64_t>(0, entries + (current.entries - at_start.entries));
  result.bytes = std::max<int64_t>(0, bytes + (current.bytes - at_start.bytes));
  result.last_pass_ms = now;
  store_locked(result);
  shared_ = result;
}

PassLock PassLock::try_acquire(int location_fd) {
  PassLock lock;
  const std::string name(kLockFileName);
  Fd fd(openat(location_fd, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid() && errno == ELOOP) {
    unlinkat(location_fd, name.c_str(), 0);
    fd = Fd(openat(location_fd, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  }
  if (fd.valid() && flock(fd.get(), LOCK_EX | LOCK_NB) == 0) lock.fd_ = std::move(fd);
  return lock;
}

}  // namespace sitecache::file
