// The `file` backend: one file per entry under a directory, shared safely by any number of
// threads and processes.
//
// Options: "location" (default ".sitecache/files"; relative to "base_dir", else the working
// directory; created 0700 with its missing parents; never the root directory, by name or
// through a symlink), "max_entries" and "max_size" (bytes;
// 0 or absent = unlimited), "cull_frequency" (>= 0, default 3; the cull of plugin_abi.h),
// "read_only", and "fsync" (default false: fsync each entry and its directory before publishing it.
// Off by default because a cache entry lost to a power failure is only a miss, and a file left
// zeroed or truncated by one fails the entry checks and is dropped).
//
// Semantics:
//   - Each entry records its own expiry (entry_format.hpp); expired entries read as absent
//     and are removed by maintenance (maintenance.hpp), or replaced by add.
//   - Writers publish complete files by rename/link (entry_io.hpp): readers never see a
//     torn entry and a crash leaves the old or the new value. Concurrent writers of one
//     key: the last rename wins.
//   - LRU is approximated by each file's mtime, used as a last-access clock: a write sets
//     it and a read hit advances it with futimens (at most once per kAccessResolutionMs).
//     Published files are never written into, so nothing else moves it; atime is not used
//     because relatime / noatime and any other reader of the files make it meaningless.
//   - Limits are checked on every write against shared approximate counters
//     (accounting.hpp; far from a limit a process shares its deltas in small batches);
//     only a maintenance pass lists the tree.
//   - A read-only cache never creates, modifies or removes anything (not even access
//     times or garbled files); its writes fail with SC_UNSUPPORTED. A read-only cache whose
//     location does not exist is empty.
//   - A garbled entry file reads as a miss and is removed; a symlink or other non-file in
//     place of an entry reads as a miss and is replaced by the next write (layout.hpp).
#ifndef SITECACHE_FILE_FILE_BACKEND_HPP
#define SITECACHE_FILE_FILE_BACKEND_HPP

#include <atomic>
#include <memory>
#include <string>

#include "accounting.hpp"
#include "entry_io.hpp"
#include "layout.hpp"
#include "maintenance.hpp"
#include "sitecache/plugin_adapter.hpp"

namespace sitecache::file {

inline constexpr int64_t kAccessResolutionMs = 1000;

class FileBackend {
 public:
  using Bytes = plugin::Bytes;
  using Options = plugin::Options;

  static constexpr std::string_view plugin_name = "file";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "one file per entry in sharded directories; shareable between processes";
  static constexpr uint64_t plugin_flags =
      SC_CAP_THREAD_SAFE | SC_CAP_PERSISTENT | SC_CAP_SHARED | SC_CAP_NATIVE_TTL;

  static Status create(const Options& options, std::unique_ptr<FileBackend>& out);
  // What create() checks of the options, without creating or opening the directory:
  // unknown options, bad limits, an empty location, and a location that is, or leads
  // to, the root directory.
  static Status validate(const Options& options);

  // All operations are thread-safe and return SC_INVALID_ARGUMENT for a key that is
  // empty, longer than SC_MAX_KEY_LENGTH or not printable ASCII, or for a negative ttl.
  Status get(std::string_view key, plugin::ValueSink& sink);
  Status set(std::string_view key, Bytes value, int64_t ttl_ms);
  Status remove(std::string_view key);
  Status get_many(std::span<const std::string_view> keys, plugin::IndexedSink& sink);
  // Stops at the first failing item and returns its error.
  Status set_many(std::span<const plugin::Item> items);
  Status touch(std::string_view key, int64_t ttl_ms);
  Status add(std::string_view key, Bytes value, int64_t ttl_ms, bool& stored);
  // Removes every entry whose key starts with `prefix`, plus garbled files met on the way.
  Status clear(std::string_view prefix);
  // The cursor is 1 + the shard to resume from (0: start / done); each call finishes the
  // shards it starts, so entries are visited at least once across calls. Skips expired
  // and garbled entries (a keys-only scan reads and checks only each file's header and
  // key, not its value bytes); reports the stored value size, expiry and last access.
  Status scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint, plugin::ScanMode mode,
              plugin::ScanVisitor& visitor);
  // entries/bytes come from the shared counters (exact after each maintenance pass, then
  // approximate); bytes are whole file sizes, header and key included.
  Status stats(plugin::Stats& out);

 private:
  FileBackend() = default;

  Status check_writable() const;
  // Loads the live entry for `key` with its value. OK, NOT_FOUND or SC_IO; `keep` receives
  // the open file on OK.
  Status lookup(std::string_view key, LoadedEntry& entry, Fd* keep);
  // Writes the entry to a temporary file in its shard (created on demand).
  Status prepare(std::string_view key, Bytes value, int64_t ttl_ms, const EntryPath& path,
                 Fd& shard, TempEntry& temp);
  // add's slow path: `name` holds something that is not a live entry for `key` (with
  // inode `dead`); swap `temp` in unless another writer got there first. Sets `retry` when
  // the caller should attempt the link again.
  Status replace_dead(const EntryPath& path, std::string_view key, ino_t dead, TempEntry& temp,
                      bool& stored, bool& retry);
  // Records a write's effect on the shared counters and starts maintenance when due.
  void after_write(int64_t entries, int64_t bytes, std::string_view written = {});
  // Runs a maintenance pass unless another one is running; with !force, only when the
  // counters (re-read under the pass lock) still say one is due.
  void maintain(bool force, std::string_view written = {});
  void mark_access(int fd, const LoadedEntry& entry) const;
  std::string shard_where(const EntryPath& path) const;

  struct Settings {
    std::string location;  // absolute, lexically normal
    Limits limits;
    bool read_only = false;
    bool fsync = false;
  };
  static Status parse_settings(const Options& options, Settings& out);

  std::string location_;
  Fd location_fd_;  // invalid only for a read-only cache whose location does not exist
  std::unique_ptr<Accounting> accounting_;
  Limits limits_;
  bool read_only_ = false;
  bool fsync_ = false;
  std::atomic<int64_t> evictions_{0};
};

}  // namespace sitecache::file

#endif  // SITECACHE_FILE_FILE_BACKEND_HPP
