#include "entry_io.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace sitecache::file {
namespace {

// Entry files up to this size are read whole in one call when the value is wanted.
constexpr uint64_t kSingleReadMax = uint64_t{4} << 20;

// Reads exactly `size` bytes at `offset`, retrying short reads. Returns 0 or errno (EIO
// when the file is shorter than fstat said: it changed under us).
int read_fully(int fd, uint8_t* data, size_t size, size_t offset) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// Writes all of `parts`, retrying partial writes. Returns 0 or errno.
int write_fully(int fd, iovec* parts, int count) {
  while (count > 0) {
    ssize_t n = writev(fd, parts, count);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    size_t left = static_cast<size_t>(n);
    while (count > 0 && left >= parts->iov_len) {
      left -= parts->iov_len;
      ++parts;
      --count;
    }
    if (count > 0) {
      parts->iov_base = static_cast<uint8_t*>(parts->iov_base) + left;
      parts->iov_len -= left;
    }
  }
  return 0;
}

}  // namespace

LoadOutcome load_entry(int shard_fd, const char* name, bool with_value, LoadedEntry& out,
                       Fd* keep) {
  Fd fd(openat(shard_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    out.error = errno;
    if (out.error == ENOENT) return LoadOutcome::absent;
    if (out.error == ELOOP || out.error == ENXIO || out.error == EISDIR) {
      fstatat(shard_fd, name, &out.st, AT_SYMLINK_NOFOLLOW);
      return LoadOutcome::not_regular;
    }
    return LoadOutcome::io_error;
  }
  return load_open_entry(std::move(fd), with_value, out, keep);
}

LoadOutcome load_open_entry(Fd fd, bool with_value, LoadedEntry& out, Fd* keep) {
  if (fstat(fd.get(), &out.st) != 0) {
    out.error = errno;
    return LoadOutcome::io_error;
  }
  if (!S_ISREG(out.st.st_mode)) return LoadOutcome::not_regular;
  auto file_size = static_cast<uint64_t>(out.st.st_size);
  if (file_size < kHeaderSize) return LoadOutcome::garbled;
  // A value up to kSingleReadMax is read with its head in one call. Bigger files are read
  // head first, and the rest (and memory for it) only once the header vouches for the
  // file's size, so a huge planted file costs nothing.
  const bool at_once = with_value && file_size <= kSingleReadMax;
  auto head_size =
      static_cast<size_t>(at_once ? file_size : std::min<uint64_t>(file_size, kMaxHeadSize));
  out.bytes.resize(head_size);
  if (int err = read_fully(fd.get(), out.bytes.data(), head_size, 0); err != 0) {
    out.error = err;
    return LoadOutcome::io_error;
  }
  std::string_view key;
  if (!decode_header(out.bytes, file_size, out.header, key)) return LoadOutcome::garbled;
  out.key.assign(key);
  if (with_value) {
    if (head_size < file_size) {
      out.bytes.resize(static_cast<size_t>(file_size));
      if (int err = read_fully(fd.get(), out.bytes.data() + head_size, out.bytes.size() - head_size,
                               head_size);
          err != 0) {
        out.error = err;
        return LoadOutcome::io_error;
      }
    }
    if (hash_value(out.value()) != out.header.value_hash) return LoadOutcome::garbled;
  }
  if (keep != nullptr) *keep = std::move(fd);
  return LoadOutcome::ok;
}

TempEntry::~TempEntry() {
  if (dir_fd_ >= 0 && !name_.empty()) unlinkat(dir_fd_, name_.c_str(), 0);
}

Status TempEntry::write(int shard_fd, std::string_view key, std::span<const uint8_t> value,
                        int64_t expires_ms, bool sync, const std::string& where) {
  Fd fd;
  for (int attempt = 0; attempt < 8 && !fd.valid(); ++attempt) {
    name_ = make_temp_name();
    fd = Fd(openat(shard_fd, name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0600));
    if (!fd.valid() && errno != EEXIST) {
      int err = errno;
      name_.clear();
      return io_error("cannot create temporary file in", where, err);
    }
  }
  if (!fd.valid()) {
    name_.clear();
    return Status(Code::io, "cannot find a free temporary file name in '" + where + "'");
  }
  dir_fd_ = shard_fd;
  EntryHeader header;
  header.expires_ms = expires_ms;
  header.value_size = value.size();
  header.value_hash = hash_value(value);
  auto head = encode_header(header, key);
  iovec parts[3] = {
      {head.data(), head.size()},
      {const_cast<char*>(key.data()), key.size()},
      {const_cast<uint8_t*>(value.data()), value.size()},
  };
  if (int err = write_fully(fd.get(), parts, 3); err != 0) {
    return io_error("cannot write entry in", where, err);
  }
  if (sync && fsync(fd.get()) != 0) return io_error("cannot sync entry in", where, errno);
  // close() can report a deferred write error (NFS, quota).
  if (::close(fd.release()) != 0) return io_error("cannot write entry in", where, errno);
  size_ = kHeaderSize + key.size() + value.size();
  return Status::ok();
}

int TempEntry::replace(const char* name) {
  if (renameat(dir_fd_, name_.c_str(), dir_fd_, name) != 0) return errno;
  name_.clear();
  return 0;
}

int TempEntry::publish_new(const char* name) {
  if (renameat2(dir_fd_, name_.c_str(), dir_fd_, name, RENAME_NOREPLACE) != 0) return errno;
  name_.clear();
  return 0;
}

int TempEntry::link_if_absent(const char* name) {
  if (linkat(dir_fd_, name_.c_str(), dir_fd_, name, 0) != 0) return errno;
  return 0;  // the temporary name goes away with this object
}

int TempEntry::exchange(const char* name) {
  if (renameat2(dir_fd_, name_.c_str(), dir_fd_, name, RENAME_EXCHANGE) != 0) return errno;
  return 0;
}

ino_t TempEntry::temp_inode() const {
  struct stat st {};
  if (fstatat(dir_fd_, name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
  return st.st_ino;
}

}  // namespace sitecache::file
