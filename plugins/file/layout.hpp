// Where things live under a file cache's location, and how they are reached without ever
// leaving it.
//
//   <location>/sitecache-file.state   shared counters (accounting.hpp)
//   <location>/sitecache-file.lock    held by the process running a maintenance pass
//   <location>/ab/cd/<32 hex digits>  one entry (entry_format.hpp)
//   <location>/ab/cd/.tmp.*           a write in flight, or a file set aside for removal
//
// Entry names are the XXH3-128 digest of the key in lowercase hex, and the shard
// directories are its first two pairs of digits (256 x 256 shards). The key itself is kept
// in the entry's header, where scan and clear read it back. A digest rather than an
// escaped key because an escaped 250-byte key can exceed NAME_MAX (255), because names
// like "." and ".." or names differing only in case (case-insensitive file systems) would
// need special cases, and because a fixed-length hex name can never contain '/'. A digest
// collision cannot return a wrong value: reads compare the stored key and miss on a
// mismatch; the cost is that the two colliding keys evict each other.
//
// Containment: the location directory is opened once when the backend is created
// (following any symlink in the configured path at that moment: pointing `.sitecache` at
// a faster disk is legitimate). Everything after that is reached relative to that
// descriptor without following any symlink: in one openat2() call with RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS where the kernel has it (Linux 5.6+), else with openat() one
// component at a time with O_NOFOLLOW. Either way a symlink planted inside the location,
// as a shard directory or as an entry, is never followed. Writers replace
// such symlinks rather than write through them, and never write into an existing inode
// (every write is a new temporary file renamed into place), so a hard link planted inside
// the location cannot redirect a write either.
#ifndef SITECACHE_FILE_LAYOUT_HPP
#define SITECACHE_FILE_LAYOUT_HPP

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/plugin_adapter.hpp"

namespace sitecache::file {

using plugin::Code;
using plugin::Status;

// Owns one file descriptor and closes it on destruction. Movable, not copyable.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

inline constexpr uint32_t kShardCount = 256 * 256;
inline constexpr std::string_view kStateFileName = "sitecache-file.state";
inline constexpr std::string_view kLockFileName = "sitecache-file.lock";
// A temporary file whose mtime is older than this belongs to a crashed writer.
inline constexpr int64_t kStaleTempMs = 60 * 60 * 1000;

// The place of one key's entry. All names are NUL-terminated lowercase hex.
struct EntryPath {
  char level1[3];
  char level2[3];
  char name[33];
  char shard_dir[6];  // "<level1>/<level2>"
  char relative[39];  // "<level1>/<level2>/<name>", relative to the location
  uint32_t shard;     // level1 * 256 + level2, the scan cursor's unit
};

EntryPath entry_path(std::string_view key);
// Whether `name` could be an entry file name (32 lowercase hex digits).
bool is_entry_name(std::string_view name);
// Whether `name` is one of our temporary files (in flight, or set aside for removal).
bool is_temp_name(std::string_view name);
// A fresh temporary name, unique across threads and processes (pid + counter + random);
// callers still create it with O_EXCL.
std::string make_temp_name();

// Milliseconds since the Unix epoch (wall clock: expiry is shared between processes).
int64_t now_ms();
int64_t to_ms(const struct timespec& ts);

// SC_IO with "<what> '<path>': <strerror(err)>".
Status io_error(std::string_view what, const std::string& path, int err);

// Opens (and with `create`, first creates with mode 0700, parents included) the location
// directory. Fails with SC_IO naming the path when it cannot be created or opened; with
// !create a missing directory leaves `out` invalid and returns OK.
Status open_location(const std::string& path, bool create, Fd& out);

// openat2(dir_fd, path, flags, mode) resolving every component of the relative `path`
// beneath dir_fd without following symlinks (a symlink anywhere fails with ELOOP).
// Returns an invalid Fd with errno set; errno ENOSYS means the kernel (or a seccomp
// filter) does not offer openat2, and callers then take the component-wise path.
Fd open_beneath(int dir_fd, const char* path, int flags, mode_t mode = 0);

// Opens the shard directory `shard` below `location_fd` without following symlinks. With
// !create, a missing shard, or anything other than a real directory in its place, leaves
// `out` invalid (a miss) and returns OK. With `create`, missing levels are created 0700 and
// a symlink or file planted in place of a level is removed (the link itself, never its
// target) and replaced by a directory. `location` is only used in error messages.
Status open_shard(int location_fd, uint32_t shard, bool create, const std::string& location,
                  Fd& out);

// Opens `name` in `dir_fd` as a directory without following a symlink; invalid if absent
// or not a directory.
Fd open_subdir(int dir_fd, const char* name);

// The names in a directory except "." and "..", sorted. Empty when it cannot be read.
std::vector<std::string> list_dir(int dir_fd);

// Calls visit(shard, shard_fd) for every existing shard with index >= first, in increasing
// order, until visit returns false. Returns the index of the shard where it stopped, or
// kShardCount when it went through all of them.
uint32_t for_each_shard(int location_fd, uint32_t first,
                        const std::function<bool(uint32_t shard, int shard_fd)>& visit);

// Removes `name` from `dir_fd` only if it still is the inode `ino` examined earlier: the
// file is renamed aside first, and put back if another writer replaced it meanwhile, so a
// fresh entry written by another process is not deleted in place of the stale one. Returns
// true when the examined inode was removed.
bool remove_if_same(int dir_fd, const char* name, ino_t ino);

// Removes `name` (one of our temporary names) when its mtime is older than kStaleTempMs.
// Returns true when it was removed.
bool remove_if_stale_temp(int dir_fd, const std::string& name, int64_t now);

}  // namespace sitecache::file

#endif  // SITECACHE_FILE_LAYOUT_HPP
