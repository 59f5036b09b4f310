// Reading one entry file safely, and writing one atomically.
//
// Reads open with O_NOFOLLOW (or openat2's RESOLVE_NO_SYMLINKS, see layout.hpp) and
// O_NONBLOCK and insist on a regular file, so a planted symlink is never followed and a
// planted FIFO never blocks. Writes go to a new temporary
// file (O_CREAT | O_EXCL, mode 0600) in the entry's own shard directory and are then
// renamed or linked into place, so a reader sees the old file or the new one, never a
// torn one, and a crash leaves at most a temporary file that maintenance removes later.
#ifndef SITECACHE_FILE_ENTRY_IO_HPP
#define SITECACHE_FILE_ENTRY_IO_HPP

#include <sys/stat.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "entry_format.hpp"
#include "layout.hpp"

namespace sitecache::file {

enum class LoadOutcome {
  ok,           // a well-formed entry (possibly expired, possibly another key: check)
  absent,       // no file by that name
  not_regular,  // a symlink, directory, FIFO... in place of an entry: never read
  garbled,      // a regular file that is not a well-formed entry
  io_error,     // reading failed; LoadedEntry::error holds errno
};

struct LoadedEntry {
  EntryHeader header;
  std::string key;
  std::vector<uint8_t> bytes;  // the whole file, or only its head (see load_entry)
  struct stat st {};           // of the opened file (or of the non-regular thing found)
  int error = 0;

  // The value; only meaningful when loaded with with_value.
  std::span<const uint8_t> value() const {
    return std::span<const uint8_t>(bytes).subspan(kHeaderSize + key.size());
  }
  // Last access for LRU: the file's mtime, which a write sets and a read hit advances
  // explicitly (see FileBackend::get). Not atime: relatime, noatime and every other
  // reader (this backend's own scans and maintenance included) move it unpredictably.
  int64_t last_access_ms() const { return to_ms(st.st_mtim); }
};

// Loads entry `name` from `shard_fd`. With `with_value`, reads the whole file and checks
// the value's hash too (a mismatch is `garbled`); otherwise reads only the head. When
// `keep` is not null and the result is ok, the open descriptor is handed over to it.
LoadOutcome load_entry(int shard_fd, const char* name, bool with_value, LoadedEntry& out,
                       Fd* keep = nullptr);
// The same for a file the caller opened itself (read-only, O_NONBLOCK, never through a
// symlink).
LoadOutcome load_open_entry(Fd fd, bool with_value, LoadedEntry& out, Fd* keep = nullptr);

// A fully written entry in a temporary file, not yet visible under its final name.
// Destroying it removes whatever is then under its temporary name. Not thread-safe; one
// writer owns it.
class TempEntry {
 public:
  TempEntry() = default;
  TempEntry(const TempEntry&) = delete;
  TempEntry& operator=(const TempEntry&) = delete;
  ~TempEntry();

  // Writes key + value with the given expiry to a new temporary file in `shard_fd`.
  // `where` names the shard directory in error messages (SC_IO with strerror, e.g. for
  // ENOSPC). With `sync`, the data is fsync'ed before it can be published.
  Status write(int shard_fd, std::string_view key, std::span<const uint8_t> value,
               int64_t expires_ms, bool sync, const std::string& where);

  // Atomically replaces `name` (whatever it was, including a symlink: the link itself is
  // replaced, its target untouched). Returns 0 or errno.
  int replace(const char* name);
  // Publishes under `name` only if nothing is there (renameat2 RENAME_NOREPLACE). Returns
  // 0 or errno: EEXIST when taken, EINVAL or ENOSYS where the file system cannot do it.
  int publish_new(const char* name);
  // Publishes under `name` only if nothing is there (link(2): atomic across processes,
  // also on NFS). Returns 0 or errno (EEXIST when taken).
  int link_if_absent(const char* name);
  // Atomically swaps the temporary file and `name`: afterwards the temporary name holds
  // what `name` held. Returns 0 or errno (EINVAL where the file system cannot exchange).
  int exchange(const char* name);
  // Inode now under the temporary name (after exchange: the swapped-out file); 0 if none.
  ino_t temp_inode() const;

  uint64_t file_size() const { return size_; }
  // The directory and temporary name, e.g. to inspect what an exchange swapped out.
  int dir_fd() const { return dir_fd_; }
  const std::string& temp_name() const { return name_; }

 private:
  int dir_fd_ = -1;
  std::string name_;
  uint64_t size_ = 0;
};

}  // namespace sitecache::file

#endif  // SITECACHE_FILE_ENTRY_IO_HPP
