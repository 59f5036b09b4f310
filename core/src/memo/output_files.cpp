#include "memo/output_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>
#include <zstd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

namespace sitecache {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 1 << 17;

Status io_error(const std::string& what, const fs::path& path, int err) {
  return Status(err == ENOENT ? StatusCode::not_found : StatusCode::io,
                what + " " + path.string() + ": " + std::strerror(err));
}

// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

int64_t ns_of(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Status write_all(int fd, const void* data, size_t size) {
  const char* at = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, at, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status(StatusCode::io, std::string("write failed: ") + std::strerror(errno));
    at += n;
    size -= static_cast<size_t>(n);
  }
  return Status::ok();
}

// A unique name beside the output, for file systems without O_TMPFILE and for the
// moment between link and rename.
std::string temporary_name(const fs::path& path) {
  static std::atomic<uint64_t> counter{0};
  return "." + path.filename().string() + ".sitecache-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

// Moves the written descriptor's file into place: link the unnamed file (O_TMPFILE) or
// use the named one, then rename over the output.
Status publish(int fd, const fs::path& temp, const fs::path& path, bool unnamed) {
  if (unnamed) {
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      return io_error("cannot link the new", path, errno);
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_error(err == EISDIR ? "a directory is in the way of" : "cannot replace", path,
                    err == EISDIR ? EISDIR : err);
  }
  return Status::ok();
}

}  // namespace

Result<FileSignature> stat_output(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return io_error("cannot read output", path, errno);
  if (S_ISDIR(st.st_mode)) {
    return Status(StatusCode::invalid_argument,
                  "output " + path.string() + " is a directory, but a file was declared");
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(StatusCode::invalid_argument,
                  "output " + path.string() + " is not a regular file");
  }
  return FileSignature{static_cast<uint64_t>(st.st_size), ns_of(st.st_mtim),
                       static_cast<uint64_t>(st.st_ino), static_cast<uint32_t>(st.st_mode & 07777),
                       ns_of(st.st_ctim)};
}

bool matches(const fs::path& path, const RecordedOutput& recorded) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         static_cast<uint64_t>(st.st_size) == recorded.size &&
         ns_of(st.st_mtim) == recorded.mtime_ns &&
         static_cast<uint64_t>(st.st_ino) == recorded.inode &&
         ns_of(st.st_ctim) == recorded.ctime_ns;
}

Status write_output(const fs::path& path, uint32_t mode,
                    const std::function<Status(int fd)>& fill) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("cannot create the directory of", path, ec.value());
  const fs::path temp = dir / temporary_name(path);
  bool unnamed = true;
  int raw = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode & 07777);
  if (raw < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    unnamed = false;
    raw = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode & 07777);
  }
  if (raw < 0) return io_error("cannot write output", path, errno);
  Fd fd(raw);
  Status filled = fill(fd.get());
  // The umask may have narrowed the mode; outputs keep the bits they were stored with.
  if (filled && ::fchmod(fd.get(), mode & 07777) != 0)
    filled = io_error("cannot chmod", path, errno);
  if (filled) filled = publish(fd.get(), temp, path, unnamed);
  if (!filled && !unnamed) ::unlink(temp.c_str());
  if (!filled && filled.code() == StatusCode::io &&
      filled.message().find(path.string()) == std::string::npos) {
    return Status(StatusCode::io, "cannot write output " + path.string() + ": " + filled.message());
  }
  return filled;
}

Status write_bytes(int fd, std::string_view bytes) {
  return write_all(fd, bytes.data(), bytes.size());
}

Status write_payload(int fd, std::span<const uint8_t> payload, bool zstd, uint64_t raw_size,
                     const Digest& expected) {
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  if (!zstd) {
    XXH3_128bits_update(&state, payload.data(), payload.size());
    if (Status s = write_all(fd, payload.data(), payload.size()); !s) return s;
  } else {
    std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> stream(ZSTD_createDStream(),
                                                                    ZSTD_freeDStream);
    std::unique_ptr<char[]> buffer(new char[kChunk]);
    ZSTD_inBuffer in{payload.data(), payload.size(), 0};
    uint64_t produced = 0;
    size_t rc = 1;
    while (rc != 0) {
      ZSTD_outBuffer out{buffer.get(), kChunk, 0};
      rc = ZSTD_decompressStream(stream.get(), &out, &in);
      if (ZSTD_isError(rc)) return Status(StatusCode::corruption, "stored output does not inflate");
      produced += out.pos;
      if (produced > raw_size)
        return Status(StatusCode::corruption, "stored output inflates too far");
      XXH3_128bits_update(&state, buffer.get(), out.pos);
      if (Status s = write_all(fd, buffer.get(), out.pos); !s) return s;
      if (rc != 0 && in.pos == in.size && out.pos < kChunk) {
        return Status(StatusCode::corruption, "stored output is a truncated frame");
      }
    }
    if (produced != raw_size) return Status(StatusCode::corruption, "stored output size mismatch");
  }
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(&state));
  if (std::memcmp(canonical.digest, expected.bytes.data(), 16) != 0) {
    return Status(StatusCode::corruption, "stored output does not match its digest");
  }
  return Status::ok();
}

Status freshen_output(const fs::path& path) {
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) != 0) {
    return io_error("cannot set the mtime of", path, errno);
  }
  return Status::ok();
}

Status read_output(const fs::path& path, char* dst, uint64_t size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot read output", path, errno);
  uint64_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::read(fd.get(), dst + done, static_cast<size_t>(std::min<uint64_t>(size - done, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read output", path, errno);
    if (n == 0) return Status(StatusCode::io, "output " + path.string() + " shrank while read");
    done += static_cast<uint64_t>(n);
  }
  return Status::ok();
}

}  // namespace sitecache
