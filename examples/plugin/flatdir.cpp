// sitecache-flatdir: an example backend plugin, built the way a third-party author builds
// one: this file and its two headers (flatdir_backend.hpp, file_names.hpp), the installed
// <sitecache/plugin_adapter.hpp>, and nothing else from sitecache (README.md next to this
// file shows the build command).
//
// Storage: one directory, one regular file per entry. The file's name is the key and its
// content is exactly the bytes the host stored. The host's entry envelope carries expiry
// and a checksum, so this backend needs neither: a file torn by a power failure fails the
// host's checks and reads as a miss, which the host then removes.
//
// Names: file_names.hpp. The backend class: flatdir_backend.hpp.
//
// Options:
//   location     the directory (default ".sitecache/flatdir"), relative to base_dir when
//                given, else to the working directory. Created with its parents.
//   max_entries  optional limit, >= 1.
//   max_size     optional limit on the sum of the files' sizes in bytes, >= 1. A value
//                larger than max_size is refused with SC_INVALID_ARGUMENT.
//   read_only    "true": nothing in the directory is created, changed or removed (not
//                even access times), writes fail with SC_UNSUPPORTED, and a missing
//                directory fails create with SC_IO.
//   fsync        "true" (default "false"): fsync each file before publishing it and the
//                directory after. Off by default because an entry lost to a power failure
//                is only a miss.
//   cull_frequency  >= 0, default 3: how much a cull removes (see below).
//   cache_name   ignored.
// Any other option fails create with SC_INVALID_ARGUMENT naming it.
//
// Limits and recency: a file's mtime is its last access. A write sets it, and a read hit
// advances it (at most once a second per file). When a write takes the handle's running
// estimate of entries or bytes over a limit, one pass lists the directory and culls as
// plugin_abi.h defines it: the least recently used files, max(1, E / cull_frequency) of
// them (E: the files besides the one just written; all of them for 0), and more while a
// limit is still exceeded, never the file just written. The
// estimate counts this handle's own writes only, so every kRecountWrites writes a pass
// also recounts: with several processes writing to one directory the limits hold
// approximately, not exactly.
//
// Concurrency: every operation is safe from any number of threads and processes at once.
// A writer fills a temporary file and publishes it with rename (set: the last writer
// wins) or link (add: fails when the name exists, so exactly one of several racing adds
// stores, across processes too). Published files are never written into, so a reader
// sees a whole old or a whole new value, never a mix.
//
// Capabilities: declared by which member functions exist (plugin.hpp's concepts), plus
// plugin_flags for the informational bits. Left out on purpose:
//   - get_many: it would only loop over get, which the host does itself when it is absent.
//     set_many is there because it syncs the directory once per batch, not once per item.
//   - touch, and SC_CAP_NATIVE_TTL: the backend never looks inside a value, so it cannot
//     change an entry's expiry; the host rewrites the entry instead.
//   - SC_CAP_SHARED, although several processes may share a directory: the host builds
//     cross-process leases (single_flight = "shared") only on shared backends, and relies
//     on them to expire a crashed holder's lease natively, which this backend cannot do.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sitecache/plugin_adapter.hpp>

#include "file_names.hpp"
#include "flatdir_backend.hpp"

namespace flatdir {
namespace {

// A read hit advances the file's mtime only when it is older than this.
constexpr int64_t kAccessResolutionMs = 1000;
// A write recounts the directory at least this often (see "Limits" above).
constexpr uint64_t kRecountWrites = 1024;
// Entries visited per scan call at least: every call lists the whole directory, so small
// batches would make a full scan quadratic in the number of entries.
constexpr size_t kMinScanBatch = 1024;
// A temporary file older than this was left by a crashed writer; eviction passes and
// clear remove it. (A live writer's file is seconds old.)
constexpr int64_t kStaleTempMs = 3600 * 1000;

sp::Status invalid(std::string message) {
  return sp::Status(sp::Code::invalid_argument, std::move(message));
}

sp::Status read_only_error() {
  return sp::Status(sp::Code::unsupported, "the cache is read-only");
}

// An I/O failure of `what` on `path`, with the system's text for `err`.
sp::Status failure(int err, std::string_view what, const std::string& path) {
  const sp::Code code = (err == EBUSY || err == EAGAIN) ? sp::Code::busy : sp::Code::io;
  return sp::Status(code,
                    std::string(what) + " " + path + ": " + std::system_category().message(err));
}

int64_t mtime_ms(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

int64_t now_ms() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The bytes of a value read back. Never a null pointer, even when empty: in a scan item a
// null value means "values were not asked for".
sp::Bytes view_of(const std::vector<uint8_t>& value) {
  static constexpr uint8_t kEmpty[1] = {0};
  return value.empty() ? sp::Bytes(kEmpty, 0) : sp::Bytes(value);
}

// What the options say, checked before the file system is touched.
struct Settings {
  Limits limits;
  bool read_only = false;
  bool fsync = false;
  std::filesystem::path path;  // absolute, lexically normal
};

sp::Status parse_settings(const sp::Options& options, Settings& out) {
  sp::Status status = options.check_known({"fsync"}, FlatDirBackend::plugin_name);
  constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
  Limits& limits = out.limits;
  if (options.get("max_entries")) {
    limits.max_entries = options.get_int("max_entries", 0, 1, kUnlimited, status);
  }
  if (options.get("max_size")) {
    limits.max_bytes = options.get_int("max_size", 0, 1, kUnlimited, status);
  }
  limits.cull_frequency = options.get_int("cull_frequency", 3, 0, kUnlimited, status);
  out.read_only = options.get_bool("read_only", false, status);
  out.fsync = options.get_bool("fsync", false, status);
  if (!status.is_ok()) return status;

  std::filesystem::path path = options.get_or("location", ".sitecache/flatdir");
  if (path.is_relative()) {
    std::error_code ec;
    const auto base = options.get("base_dir");
    path = (base ? std::filesystem::path(*base) : std::filesystem::current_path(ec)) / path;
  }
  out.path = path.lexically_normal();
  return sp::Status::ok();
}

}  // namespace

sp::Status FlatDirBackend::validate(const sp::Options& options) {
  Settings settings;
  return parse_settings(options, settings);
}

sp::Status FlatDirBackend::create(const sp::Options& options,
                                  std::unique_ptr<FlatDirBackend>& out) {
  Settings settings;
  sp::Status status = parse_settings(options, settings);
  if (!status.is_ok()) return status;
  const Limits& limits = settings.limits;
  const bool read_only = settings.read_only;
  const bool fsync = settings.fsync;
  const std::filesystem::path& path = settings.path;
  if (!read_only) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return failure(ec.value(), "cannot create directory", path.string());
  }
  Fd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return failure(errno, "cannot open directory", path.string());

  auto backend =
      std::make_unique<FlatDirBackend>(std::move(dir), path.string(), limits, read_only, fsync);
  if (limits.any()) {
    std::vector<Listed> files;
    status = backend->list(true, files);
    if (!status.is_ok()) return status;
    for (const Listed& file : files) {
      if (!file.key) continue;
      backend->estimated_entries_ += 1;
      backend->estimated_bytes_ += file.size;
    }
  }
  out = std::move(backend);
  return sp::Status::ok();
}

sp::Status FlatDirBackend::name_of(std::string_view key, std::string& name) const {
  std::optional<std::string> encoded = encode(key);
  if (encoded) {
    name = std::move(*encoded);
    return sp::Status::ok();
  }
  if (key.empty()) return invalid("empty key");
  for (char c : key) {
    if (c <= ' ' || c > '~') {
      return invalid("key with a space or a byte that is not printable ASCII");
    }
  }
  return invalid("key of " + std::to_string(key.size()) + " bytes needs a file name over " +
                 std::to_string(kMaxName) + " bytes ('/', '%' and a leading '.' take three)");
}

sp::Status FlatDirBackend::check_write(std::string_view key, size_t size, int64_t ttl_ms,
                                       std::string& name) const {
  if (read_only_) return read_only_error();
  if (ttl_ms < 0) return invalid("ttl_ms must be >= 0, got " + std::to_string(ttl_ms));
  if (limits_.max_bytes && size > static_cast<uint64_t>(*limits_.max_bytes)) {
    return invalid("value of " + std::to_string(size) + " bytes exceeds max_size of " +
                   std::to_string(*limits_.max_bytes) + " bytes");
  }
  return name_of(key, name);
}

sp::Status FlatDirBackend::read_file(const std::string& name, bool mark_access,
                                     std::vector<uint8_t>& out, struct stat& st) const {
  Fd fd(::openat(dir_.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    return errno == ENOENT ? sp::Status::not_found() : failure(errno, "cannot open", path_of(name));
  }
  if (::fstat(fd.get(), &st) != 0) return failure(errno, "cannot stat", path_of(name));
  if (!S_ISREG(st.st_mode)) {
    return sp::Status(sp::Code::corruption, path_of(name) + " is not a regular file");
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure(errno, "cannot read", path_of(name));
    if (n == 0) return sp::Status(sp::Code::corruption, path_of(name) + " shrank while read");
    done += static_cast<size_t>(n);
  }
  // Best effort: a file owned by another user cannot be touched, and is then only
  // evicted as if it had not been read.
  if (mark_access && !read_only_ && now_ms() - mtime_ms(st) >= kAccessResolutionMs) {
    (void)::futimens(fd.get(), nullptr);
  }
  return sp::Status::ok();
}

sp::Status FlatDirBackend::write_temp(sp::Bytes value, std::string& temp) const {
  // Unique within the process (counter, shared by all handles) and across processes (pid).
  static std::atomic<uint64_t> counter{0};
  temp = ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  Fd fd(::openat(dir_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return failure(errno, "cannot create", path_of(temp));
  size_t done = 0;
  int err = 0;
  while (done < value.size() && err == 0) {
    const ssize_t n = ::write(fd.get(), value.data() + done, value.size() - done);
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (err == 0 && fsync_ && ::fsync(fd.get()) != 0) err = errno;
  if (const int close_err = fd.close_checked(); err == 0) err = close_err;
  if (err != 0) {
    ::unlinkat(dir_.get(), temp.c_str(), 0);
    return failure(err, "cannot write", path_of(temp));
  }
  return sp::Status::ok();
}

sp::Status FlatDirBackend::publish(const std::string& name, sp::Bytes value) {
  std::string temp;
  if (sp::Status status = write_temp(value, temp); !status.is_ok()) return status;
  if (::renameat(dir_.get(), temp.c_str(), dir_.get(), name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir_.get(), temp.c_str(), 0);
    return failure(err, "cannot publish", path_of(name));
  }
  after_write(static_cast<int64_t>(value.size()), name);
  return sp::Status::ok();
}

sp::Status FlatDirBackend::sync_directory() const {
  if (fsync_ && ::fsync(dir_.get()) != 0) return failure(errno, "cannot sync", path_);
  return sp::Status::ok();
}

sp::Status FlatDirBackend::get(std::string_view key, sp::ValueSink& sink) {
  std::string name;
  if (sp::Status status = name_of(key, name); !status.is_ok()) return status;
  std::vector<uint8_t> value;
  struct stat st {};
  if (sp::Status status = read_file(name, true, value, st); !status.is_ok()) return status;
  sink.deliver(view_of(value));
  return sp::Status::ok();
}

sp::Status FlatDirBackend::set(std::string_view key, sp::Bytes value, int64_t ttl_ms) {
  std::string name;
  sp::Status status = check_write(key, value.size(), ttl_ms, name);
  if (status.is_ok()) status = publish(name, value);
  if (status.is_ok()) status = sync_directory();
  return status;
}

sp::Status FlatDirBackend::set_many(std::span<const sp::Item> items) {
  for (const sp::Item& item : items) {
    std::string name;
    sp::Status status = check_write(item.key, item.value.size(), item.ttl_ms, name);
    if (status.is_ok()) status = publish(name, item.value);
    if (!status.is_ok()) return status;
  }
  return sync_directory();
}

sp::Status FlatDirBackend::add(std::string_view key, sp::Bytes value, int64_t ttl_ms,
                               bool& stored) {
  stored = false;
  std::string name, temp;
  sp::Status status = check_write(key, value.size(), ttl_ms, name);
  if (status.is_ok()) status = write_temp(value, temp);
  if (!status.is_ok()) return status;
  // link, unlike rename, fails when the name exists: an atomic "store if absent".
  const int linked = ::linkat(dir_.get(), temp.c_str(), dir_.get(), name.c_str(), 0);
  const int err = errno;
  ::unlinkat(dir_.get(), temp.c_str(), 0);
  if (linked != 0) {
    return err == EEXIST ? sp::Status::ok() : failure(err, "cannot publish", path_of(name));
  }
  stored = true;
  after_write(static_cast<int64_t>(value.size()), name);
  return sync_directory();
}

sp::Status FlatDirBackend::remove(std::string_view key) {
  std::string name;
  if (sp::Status status = name_of(key, name); !status.is_ok()) return status;
  if (read_only_) return read_only_error();
  if (::unlinkat(dir_.get(), name.c_str(), 0) != 0) {
    return errno == ENOENT ? sp::Status::not_found()
                           : failure(errno, "cannot remove", path_of(name));
  }
  if (limits_.any()) estimated_entries_ -= 1;
  return sp::Status::ok();
}

sp::Status FlatDirBackend::list(bool with_stat, std::vector<Listed>& out) const {
  out.clear();
  // A fresh descriptor per listing: a directory stream owns its descriptor and read
  // position, and several threads may list at once.
  Fd fd(::openat(dir_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return failure(errno, "cannot list", path_);
  std::unique_ptr<DIR, int (*)(DIR*)> stream(::fdopendir(fd.get()), &::closedir);
  if (!stream) return failure(errno, "cannot list", path_);
  fd.release();  // the stream closes it
  errno = 0;
  while (const struct dirent* found = ::readdir(stream.get())) {
    const std::string_view name = found->d_name;
    if (found->d_type != DT_REG && found->d_type != DT_UNKNOWN) continue;
    Listed file{std::string(name), std::nullopt, 0, 0};
    if (!is_temp(name)) {
      file.key = decode(name);
      if (!file.key) continue;
    }
    if (with_stat) {
      struct stat st {};
      if (::fstatat(dir_.get(), found->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        return failure(errno, "cannot stat", path_of(file.name));
      }
      if (!S_ISREG(st.st_mode)) continue;
      file.size = static_cast<int64_t>(st.st_size);
      file.mtime_ms = mtime_ms(st);
    }
    out.push_back(std::move(file));
    errno = 0;
  }
  if (errno != 0) return failure(errno, "cannot list", path_);
  return sp::Status::ok();
}

void FlatDirBackend::after_write(int64_t size, const std::string& kept) {
  if (!limits_.any()) return;
  const int64_t entries = ++estimated_entries_;  // an overwrite overcounts until a pass
  const int64_t bytes = estimated_bytes_ += size;
  const bool over = (limits_.max_entries && entries > *limits_.max_entries) ||
                    (limits_.max_bytes && bytes > *limits_.max_bytes);
  if (over || ++writes_ % kRecountWrites == 0) evict(kept);
}

void FlatDirBackend::evict(const std::string& kept) {
  std::unique_lock lock(evicting_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another thread's pass is doing it
  // Writes by other threads during the pass are added to the estimate meanwhile; keep
  // them by applying the pass's correction rather than overwriting the estimate.
  const int64_t entries_before = estimated_entries_;
  const int64_t bytes_before = estimated_bytes_;
  std::vector<Listed> files;
  if (!list(true, files).is_ok()) return;
  const int64_t now = now_ms();
  std::vector<const Listed*> entries;
  int64_t entry_count = 0;
  int64_t byte_count = 0;
  for (const Listed& file : files) {
    if (file.key) {
      entries.push_back(&file);
      entry_count += 1;
      byte_count += file.size;
    } else if (now - file.mtime_ms > kStaleTempMs) {
      ::unlinkat(dir_.get(), file.name.c_str(), 0);
    }
  }
  const int64_t unlimited = std::numeric_limits<int64_t>::max();
  const int64_t max_entries = limits_.max_entries.value_or(unlimited);
  const int64_t max_bytes = limits_.max_bytes.value_or(unlimited);
  if (entry_count > max_entries || byte_count > max_bytes) {
    // The cull of plugin_abi.h: a fraction at once, so that the next pass is many writes
    // away rather than the very next write.
    const bool kept_listed = std::any_of(entries.begin(), entries.end(),
                                         [&](const Listed* file) { return file->name == kept; });
    const int64_t others = entry_count - (kept_listed ? 1 : 0);
    int64_t cull = limits_.cull_frequency == 0
                       ? others
                       : std::max<int64_t>(1, others / limits_.cull_frequency);
    std::sort(entries.begin(), entries.end(), [](const Listed* a, const Listed* b) {
      return a->mtime_ms != b->mtime_ms ? a->mtime_ms < b->mtime_ms : a->name < b->name;
    });
    for (const Listed* file : entries) {
      if (cull <= 0 && entry_count <= max_entries && byte_count <= max_bytes) break;
      if (file->name == kept) continue;
      if (::unlinkat(dir_.get(), file->name.c_str(), 0) == 0) {
        evictions_ += 1;
      } else if (errno != ENOENT) {
        continue;  // still there: it still counts
      }
      cull -= 1;
      entry_count -= 1;
      byte_count -= file->size;
    }
  }
  estimated_entries_ += entry_count - entries_before;
  estimated_bytes_ += byte_count - bytes_before;
}

sp::Status FlatDirBackend::clear(std::string_view prefix) {
  if (read_only_) return read_only_error();
  std::vector<Listed> files;
  if (sp::Status status = list(false, files); !status.is_ok()) return status;
  sp::Status first_failure;
  int64_t removed = 0;
  const int64_t now = now_ms();
  for (const Listed& file : files) {
    if (!file.key) {
      struct stat st {};
      if (::fstatat(dir_.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          now - mtime_ms(st) > kStaleTempMs) {
        ::unlinkat(dir_.get(), file.name.c_str(), 0);
      }
      continue;
    }
    if (!file.key->starts_with(prefix)) continue;
    if (::unlinkat(dir_.get(), file.name.c_str(), 0) == 0) {
      removed += 1;
    } else if (errno != ENOENT && first_failure.is_ok()) {
      first_failure = failure(errno, "cannot remove", path_of(file.name));
    }
  }
  if (limits_.any()) estimated_entries_ -= removed;
  return first_failure;
}

sp::Status FlatDirBackend::scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint,
                                sp::ScanMode mode, sp::ScanVisitor& visitor) {
  std::vector<Listed> files;
  if (sp::Status status = list(false, files); !status.is_ok()) return status;
  struct Pending {
    uint64_t order;
    const Listed* file;
  };
  std::vector<Pending> pending;
  for (const Listed& file : files) {
    if (!file.key || !file.key->starts_with(prefix)) continue;
    const uint64_t order = scan_order(*file.key);
    if (order >= cursor) pending.push_back({order, &file});
  }
  std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return a.order != b.order ? a.order < b.order : *a.file->key < *b.file->key;
  });
  const size_t limit = std::max(batch_hint, kMinScanBatch);
  size_t visited = 0;
  for (size_t i = 0; i < pending.size(); ++i) {
    if (visited >= limit && pending[i].order != pending[i - 1].order) {
      cursor = pending[i].order;  // > 0: it is larger than the order before it
      return sp::Status::ok();
    }
    const Listed& file = *pending[i].file;
    struct stat st {};
    std::vector<uint8_t> value;
    if (mode == sp::ScanMode::values) {
      sp::Status status = read_file(file.name, false, value, st);
      if (status.code() == sp::Code::not_found) continue;  // removed since the listing
      if (!status.is_ok()) return status;
    } else if (::fstatat(dir_.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return failure(errno, "cannot stat", path_of(file.name));
    }
    sp::ScanEntry entry;
    entry.key = *file.key;
    if (mode == sp::ScanMode::values) entry.value = view_of(value);
    entry.value_size = static_cast<int64_t>(st.st_size);
    entry.last_access_ms = mtime_ms(st);
    ++visited;
    if (!visitor.visit(entry)) {
      cursor = i + 1 < pending.size() ? pending[i + 1].order : 0;
      return sp::Status::ok();
    }
  }
  cursor = 0;
  return sp::Status::ok();
}

sp::Status FlatDirBackend::stats(sp::Stats& out) {
  std::vector<Listed> files;
  if (sp::Status status = list(true, files); !status.is_ok()) return status;
  out.entries = 0;
  out.bytes = 0;
  for (const Listed& file : files) {
    if (!file.key) continue;
    out.entries += 1;
    out.bytes += file.size;
  }
  out.max_entries = limits_.max_entries.value_or(-1);
  out.max_bytes = limits_.max_bytes.value_or(-1);
  out.evictions = evictions_;
  return sp::Status::ok();
}

}  // namespace flatdir

// The one exported symbol, sitecache_plugin_entry (see sitecache-flatdir.map).
SITECACHE_PLUGIN(flatdir::FlatDirBackend)
