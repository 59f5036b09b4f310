// sitecache-flatdir's backend class, its file descriptor owner and the records of a
// listing; the operations are defined in flatdir.cpp, whose top comment states the
// contract (options, limits, concurrency, capabilities).
#ifndef FLATDIR_FLATDIR_BACKEND_HPP
#define FLATDIR_FLATDIR_BACKEND_HPP

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sitecache/plugin_adapter.hpp>

namespace flatdir {

namespace sp = sitecache::plugin;

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  // Closes now; returns close's errno, or 0. A write error may surface only here.
  int close_checked() {
    const int fd = std::exchange(fd_, -1);
    return fd >= 0 && ::close(fd) != 0 ? errno : 0;
  }

 private:
  int fd_;
};

struct Limits {
  std::optional<int64_t> max_entries;
  std::optional<int64_t> max_bytes;
  int64_t cull_frequency = 3;
  bool any() const { return max_entries || max_bytes; }
};

// One file of a listing.
struct Listed {
  std::string name;
  std::optional<std::string> key;  // nullopt: a temporary or foreign file
  int64_t size = 0;                // size and mtime only in a listing that stats
  int64_t mtime_ms = 0;
};

class FlatDirBackend {
 public:
  static constexpr std::string_view plugin_name = "flatdir";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "one plain file per entry in a single directory, named by its key; LRU by mtime";
  static constexpr uint64_t plugin_flags = SC_CAP_THREAD_SAFE | SC_CAP_PERSISTENT;

  // Fails with SC_INVALID_ARGUMENT naming a bad or unknown option (checked before the
  // file system is touched), or SC_IO when the directory cannot be created or opened.
  static sp::Status create(const sp::Options& options, std::unique_ptr<FlatDirBackend>& out);
  // The option checks of create() alone, for `sitecache config check` (plugin ABI 1.1):
  // nothing is created or opened.
  static sp::Status validate(const sp::Options& options);

  FlatDirBackend(Fd dir, std::string path, Limits limits, bool read_only, bool fsync)
      : dir_(std::move(dir)),
        path_(std::move(path)),
        limits_(limits),
        read_only_(read_only),
        fsync_(fsync) {}

  // Every operation fails with SC_INVALID_ARGUMENT for a key that has no file name (see
  // encode), and every write with SC_UNSUPPORTED on a read-only cache. ttl_ms is not used:
  // the host's envelope carries the expiry.
  sp::Status get(std::string_view key, sp::ValueSink& sink);
  sp::Status set(std::string_view key, sp::Bytes value, int64_t ttl_ms);
  sp::Status remove(std::string_view key);
  // Stops at the first failing item; the items before it stay stored.
  sp::Status set_many(std::span<const sp::Item> items);
  sp::Status add(std::string_view key, sp::Bytes value, int64_t ttl_ms, bool& stored);
  // Removes every entry whose key starts with `prefix` (and temporary files left by
  // crashed writers). Goes on past a file it cannot remove and returns the first failure.
  sp::Status clear(std::string_view prefix);
  // Visits keys in scan_order(); the cursor is the order of the next key to visit. A call
  // never stops between two keys of the same order, so resuming skips nothing. Reports
  // each file's size and mtime (as last access); expiry is unknown (0). Does not count as
  // an access.
  sp::Status scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint, sp::ScanMode mode,
                  sp::ScanVisitor& visitor);
  // Counts the directory now: exact, at the cost of one listing.
  sp::Status stats(sp::Stats& out);

 private:
  sp::Status name_of(std::string_view key, std::string& name) const;
  sp::Status check_write(std::string_view key, size_t size, int64_t ttl_ms,
                         std::string& name) const;
  // Reads a whole entry file; SC_NOT_FOUND when there is none.
  sp::Status read_file(const std::string& name, bool mark_access, std::vector<uint8_t>& out,
                       struct stat& st) const;
  // Writes `value` to a new temporary file; returns its name in `temp`.
  sp::Status write_temp(sp::Bytes value, std::string& temp) const;
  // Writes and renames into place (no directory sync).
  sp::Status publish(const std::string& name, sp::Bytes value);
  sp::Status sync_directory() const;
  // The directory's files; with `with_stat` also their sizes and mtimes, leaving out
  // files that vanish meanwhile and anything that is not a regular file.
  sp::Status list(bool with_stat, std::vector<Listed>& out) const;
  // Counts a new file of `size` bytes in the estimate and runs an eviction pass when it
  // passes a limit or a recount is due. `kept` is never evicted.
  void after_write(int64_t size, const std::string& kept);
  // An eviction pass. Its failure is not the write's: the estimate stays over the limit,
  // so the next write tries again.
  void evict(const std::string& kept);
  std::string path_of(const std::string& name) const { return path_ + "/" + name; }

  const Fd dir_;  // opened once: the *at() calls then do not depend on the working directory
  const std::string path_;
  const Limits limits_;
  const bool read_only_;
  const bool fsync_;
  // This handle's estimate of the directory's entries and bytes, kept only with limits.
  // Overwrites and removals leave bytes overestimated until the next pass.
  std::atomic<int64_t> estimated_entries_{0};
  std::atomic<int64_t> estimated_bytes_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<int64_t> evictions_{0};
  std::mutex evicting_;  // one eviction pass at a time per handle
};

}  // namespace flatdir

#endif  // FLATDIR_FLATDIR_BACKEND_HPP
