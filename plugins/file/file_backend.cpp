#include "file_backend.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <limits>

namespace sitecache::file {
namespace {

Status check_key(std::string_view key) {
  if (key.empty() || key.size() > SC_MAX_KEY_LENGTH) {
    return Status(Code::invalid_argument, "key must be 1 to 250 bytes long");
  }
  for (char c : key) {
    if (c <= ' ' || c > '~') {
      return Status(Code::invalid_argument, "key must be printable ASCII without spaces");
    }
  }
  return Status::ok();
}

Status check_ttl(int64_t ttl_ms) {
  if (ttl_ms < 0) return Status(Code::invalid_argument, "ttl must not be negative");
  return Status::ok();
}

int64_t expiry_for(int64_t ttl_ms) {
  if (ttl_ms == 0) return 0;
  int64_t now = now_ms();
  return ttl_ms > std::numeric_limits<int64_t>::max() - now ? std::numeric_limits<int64_t>::max()
                                                            : now + ttl_ms;
}

// Reads a non-negative integer option.
int64_t non_negative(const plugin::Options& options, std::string_view key, int64_t fallback,
                     Status& status) {
  int64_t value = options.get_int(key, fallback, status);
  if (status.is_ok() && value < 0) {
    status = Status(Code::invalid_argument, "option '" + std::string(key) + "' must be >= 0");
  }
  return value;
}

std::string resolve_location(const plugin::Options& options) {
  std::filesystem::path location(options.get_or("location", ".sitecache/files"));
  if (location.is_relative()) {
    auto base = options.get("base_dir");
    location = (base ? std::filesystem::path(*base) : std::filesystem::current_path()) / location;
  }
  std::string text = location.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// A cache directory at the root of the filesystem would put its shards, temporary files
// and state beside /etc and /usr, and `clear` would walk them: refused by name, and when
// an existing location (a symlink, "/tmp/..") leads there. Reads metadata only.
Status check_location(const std::string& location) {
  if (location == "/") {
    return Status(Code::invalid_argument,
                  "option 'location' must not be the root directory '/': name a directory "
                  "of its own, such as /var/cache/sitecache");
  }
  std::error_code ec;
  const std::filesystem::path resolved = std::filesystem::canonical(location, ec);
  if (!ec && resolved == "/") {
    return Status(Code::invalid_argument, "option 'location' '" + location +
                                              "' leads to the root directory '/': name a "
                                              "directory of its own");
  }
  return Status::ok();
}

}  // namespace

Status FileBackend::parse_settings(const Options& options, Settings& out) {
  Status status = options.check_known({"fsync"}, plugin_name);
  if (!status.is_ok()) return status;
  Settings settings;
  settings.limits.max_entries = non_negative(options, "max_entries", 0, status);
  if (status.is_ok()) settings.limits.max_bytes = non_negative(options, "max_size", 0, status);
  if (status.is_ok()) settings.limits.cull_frequency = options.get_int("cull_frequency", 3, status);
  if (status.is_ok() && settings.limits.cull_frequency < 0) {
    status = Status(Code::invalid_argument, "option 'cull_frequency' must be >= 0");
  }
  if (status.is_ok()) settings.read_only = options.get_bool("read_only", false, status);
  if (status.is_ok()) settings.fsync = options.get_bool("fsync", false, status);
  if (!status.is_ok()) return status;
  if (auto location = options.get("location"); location && location->empty()) {
    return Status(Code::invalid_argument, "option 'location' must not be empty");
  }
  settings.location = resolve_location(options);
  if (status = check_location(settings.location); !status.is_ok()) return status;
  out = std::move(settings);
  return Status::ok();
}

Status FileBackend::validate(const Options& options) {
  Settings settings;
  return parse_settings(options, settings);
}

Status FileBackend::create(const Options& options, std::unique_ptr<FileBackend>& out) {
  Settings settings;
  if (Status status = parse_settings(options, settings); !status.is_ok()) return status;
  std::unique_ptr<FileBackend> backend(new FileBackend());
  backend->limits_ = settings.limits;
  backend->read_only_ = settings.read_only;
  backend->fsync_ = settings.fsync;
  backend->location_ = std::move(settings.location);
  Status status = open_location(backend->location_, !backend->read_only_, backend->location_fd_);
  if (!status.is_ok()) return status;
  if (backend->location_fd_.valid()) {
    status = Accounting::open(backend->location_fd_.get(), backend->read_only_, backend->location_,
                              backend->accounting_);
    if (!status.is_ok()) return status;
  }
  out = std::move(backend);
  return Status::ok();
}

Status FileBackend::check_writable() const {
  if (!read_only_) return Status::ok();
  return Status(Code::unsupported, "file cache '" + location_ + "' is read_only");
}

std::string FileBackend::shard_where(const EntryPath& path) const {
  return location_ + "/" + path.level1 + "/" + path.level2;
}

void FileBackend::mark_access(int fd, const LoadedEntry& entry) const {
  if (read_only_ || now_ms() - entry.last_access_ms() < kAccessResolutionMs) return;
  struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  futimens(fd, times);  // best effort: a failure only makes LRU less accurate
}

Status FileBackend::lookup(std::string_view key, LoadedEntry& entry, Fd* keep) {
  if (Status status = check_key(key); !status.is_ok()) return status;
  if (!location_fd_.valid()) return Status::not_found();
  EntryPath path = entry_path(key);
  // Fast path: the entry in one openat2 call, no shard descriptor. ENOENT / ENOTDIR (no
  // such entry or shard) and ELOOP (a planted symlink on the way) are misses, as below.
  LoadOutcome outcome = LoadOutcome::absent;
  Fd file =
      open_beneath(location_fd_.get(), path.relative, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  Fd shard;
  if (file.valid()) {
    outcome = load_open_entry(std::move(file), true, entry, keep);
  } else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
    if (Status status = open_shard(location_fd_.get(), path.shard, false, location_, shard);
        !status.is_ok() || !shard.valid()) {
      return status.is_ok() ? Status::not_found() : status;
    }
    outcome = load_entry(shard.get(), path.name, true, entry, keep);
  }
  switch (outcome) {
    case LoadOutcome::ok:
      break;
    case LoadOutcome::garbled:
      if (read_only_) return Status::not_found();
      if (!shard.valid()) {
        // Failing to open it only leaves the garbage for maintenance.
        Status ignored = open_shard(location_fd_.get(), path.shard, false, location_, shard);
        (void)ignored;
      }
      if (shard.valid()) remove_if_same(shard.get(), path.name, entry.st.st_ino);
      return Status::not_found();
    case LoadOutcome::io_error:
      return io_error("cannot read entry", shard_where(path) + "/" + path.name, entry.error);
    case LoadOutcome::absent:
    case LoadOutcome::not_regular:
      return Status::not_found();
  }
  if (entry.key != key || is_expired(entry.header.expires_ms, now_ms())) {
    return Status::not_found();
  }
  return Status::ok();
}

Status FileBackend::get(std::string_view key, plugin::ValueSink& sink) {
  LoadedEntry entry;
  Fd file;
  Status status = lookup(key, entry, &file);
  if (!status.is_ok()) return status;
  mark_access(file.get(), entry);
  sink.deliver(entry.value());
  return Status::ok();
}

Status FileBackend::get_many(std::span<const std::string_view> keys, plugin::IndexedSink& sink) {
  for (size_t i = 0; i < keys.size(); ++i) {
    LoadedEntry entry;
    Fd file;
    Status status = lookup(keys[i], entry, &file);
    if (status.code() == Code::not_found) continue;
    if (!status.is_ok()) return status;
    mark_access(file.get(), entry);
    sink.deliver(i, entry.value());
  }
  return Status::ok();
}

Status FileBackend::prepare(std::string_view key, Bytes value, int64_t ttl_ms,
                            const EntryPath& path, Fd& shard, TempEntry& temp) {
  if (Status status = check_writable(); !status.is_ok()) return status;
  if (Status status = check_key(key); !status.is_ok()) return status;
  if (Status status = check_ttl(ttl_ms); !status.is_ok()) return status;
  uint64_t size = kHeaderSize + key.size() + value.size();
  if (limits_.max_bytes > 0 && size > static_cast<uint64_t>(limits_.max_bytes)) {
    return Status(Code::invalid_argument, "entry of " + std::to_string(size) +
                                              " bytes exceeds max_size of " +
                                              std::to_string(limits_.max_bytes));
  }
  Status status = open_shard(location_fd_.get(), path.shard, true, location_, shard);
  if (!status.is_ok()) return status;
  return temp.write(shard.get(), key, value, expiry_for(ttl_ms), fsync_, shard_where(path));
}

Status FileBackend::set(std::string_view key, Bytes value, int64_t ttl_ms) {
  EntryPath path = entry_path(key);
  Fd shard;
  TempEntry temp;
  if (Status status = prepare(key, value, ttl_ms, path, shard, temp); !status.is_ok()) {
    return status;
  }
  // A new key (the common case in a content-addressed cache) is published without
  // looking first; only an existing name is examined, for the counters, then replaced.
  int err = temp.publish_new(path.name);
  bool was_file = false;
  struct stat old {};
  if (err == EEXIST || err == EINVAL || err == ENOSYS) {
    was_file =
        fstatat(shard.get(), path.name, &old, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(old.st_mode);
    err = temp.replace(path.name);
  }
  if (err != 0) return io_error("cannot store entry", shard_where(path) + "/" + path.name, err);
  if (fsync_) fsync(shard.get());
  after_write(
      was_file ? 0 : 1,
      static_cast<int64_t>(temp.file_size()) - (was_file ? static_cast<int64_t>(old.st_size) : 0),
      path.name);
  return Status::ok();
}

Status FileBackend::set_many(std::span<const plugin::Item> items) {
  for (const auto& item : items) {
    Status status = set(item.key, item.value, item.ttl_ms);
    if (!status.is_ok()) return status;
  }
  return Status::ok();
}

Status FileBackend::add(std::string_view key, Bytes value, int64_t ttl_ms, bool& stored) {
  stored = false;
  EntryPath path = entry_path(key);
  Fd shard;
  TempEntry temp;
  if (Status status = prepare(key, value, ttl_ms, path, shard, temp); !status.is_ok()) {
    return status;
  }
  const std::string where = shard_where(path) + "/" + path.name;
  for (int attempt = 0; attempt < 8; ++attempt) {
    int err = temp.link_if_absent(path.name);
    if (err == 0) {
      stored = true;
      if (fsync_) fsync(shard.get());
      after_write(1, static_cast<int64_t>(temp.file_size()), path.name);
      return Status::ok();
    }
    if (err != EEXIST) return io_error("cannot store entry", where, err);
    LoadedEntry existing;
    LoadOutcome outcome = load_entry(shard.get(), path.name, false, existing);
    if (outcome == LoadOutcome::absent) continue;  // removed meanwhile: try the link again
    if (outcome == LoadOutcome::io_error) {
      return io_error("cannot read entry", where, existing.error);
    }
    if (S_ISDIR(existing.st.st_mode)) return io_error("cannot store entry", where, EISDIR);
    if (outcome == LoadOutcome::ok && existing.key == key &&
        !is_expired(existing.header.expires_ms, now_ms())) {
      return Status::ok();  // present: not stored
    }
    bool retry = false;
    Status status = replace_dead(path, key, existing.st.st_ino, temp, stored, retry);
    if (!status.is_ok()) return status;
    if (stored) {
      if (fsync_) fsync(shard.get());
      bool was_file = outcome == LoadOutcome::ok || outcome == LoadOutcome::garbled;
      after_write(was_file ? 0 : 1,
                  static_cast<int64_t>(temp.file_size()) -
                      (was_file ? static_cast<int64_t>(existing.st.st_size) : 0),
                  path.name);
    }
    if (!retry) return Status::ok();
  }
  return Status(Code::busy, "entry '" + where + "' keeps changing; add gave up");
}

Status FileBackend::replace_dead(const EntryPath& path, std::string_view key, ino_t dead,
                                 TempEntry& temp, bool& stored, bool& retry) {
  // Exchange rather than remove-then-link: the name is never empty, so no other add can
  // slip in between, and the swapped-out file tells whether it was the dead one we saw.
  int err = temp.exchange(path.name);
  if (err == ENOENT) {
    retry = true;  // vanished: the caller tries the link again
    return Status::ok();
  }
  if (err == EINVAL || err == ENOSYS || err == ENOTSUP) {
    // No RENAME_EXCHANGE on this file system: remove the dead file only if it is still the
    // one examined, then let the caller retry the link.
    remove_if_same(temp.dir_fd(), path.name, dead);
    retry = true;
    return Status::ok();
  }
  if (err != 0) return io_error("cannot store entry", shard_where(path) + "/" + path.name, err);
  if (temp.temp_inode() == dead) {
    stored = true;  // the temporary name now holds the dead file; ~TempEntry removes it
    return Status::ok();
  }
  // Another writer replaced the dead file between our look and the exchange. If what we
  // swapped out is a live entry for this key, it was there first: swap it back.
  LoadedEntry swapped;
  if (load_entry(temp.dir_fd(), temp.temp_name().c_str(), false, swapped) == LoadOutcome::ok &&
      swapped.key == key && !is_expired(swapped.header.expires_ms, now_ms())) {
    temp.exchange(path.name);
    return Status::ok();
  }
  stored = true;
  return Status::ok();
}

Status FileBackend::remove(std::string_view key) {
  if (Status status = check_writable(); !status.is_ok()) return status;
  if (Status status = check_key(key); !status.is_ok()) return status;
  EntryPath path = entry_path(key);
  Fd shard;
  if (Status status = open_shard(location_fd_.get(), path.shard, false, location_, shard);
      !status.is_ok() || !shard.valid()) {
    return status.is_ok() ? Status::not_found() : status;
  }
  LoadedEntry entry;
  LoadOutcome outcome = load_entry(shard.get(), path.name, false, entry);
  const std::string where = shard_where(path) + "/" + path.name;
  if (outcome == LoadOutcome::io_error) return io_error("cannot read entry", where, entry.error);
  if (outcome == LoadOutcome::garbled) {
    if (remove_if_same(shard.get(), path.name, entry.st.st_ino)) after_write(-1, -entry.st.st_size);
    return Status::not_found();
  }
  if (outcome != LoadOutcome::ok || entry.key != key) return Status::not_found();
  if (unlinkat(shard.get(), path.name, 0) != 0) {
    return errno == ENOENT ? Status::not_found() : io_error("cannot remove entry", where, errno);
  }
  after_write(-1, -entry.st.st_size);
  // An expired entry was already logically absent.
  return is_expired(entry.header.expires_ms, now_ms()) ? Status::not_found() : Status::ok();
}

Status FileBackend::touch(std::string_view key, int64_t ttl_ms) {
  if (Status status = check_writable(); !status.is_ok()) return status;
  if (Status status = check_ttl(ttl_ms); !status.is_ok()) return status;
  // The expiry is rewritten as a whole new file, never patched in place, so that readers
  // and crashes see the old or the new entry only. If another writer replaces the entry
  // meanwhile, the touch applies to the newer one (retried) rather than resurrect the old.
  for (int attempt = 0; attempt < 4; ++attempt) {
    LoadedEntry entry;
    Status status = lookup(key, entry, nullptr);
    if (!status.is_ok()) return status;
    EntryPath path = entry_path(key);
    Fd shard;
    TempEntry temp;
    status = prepare(key, entry.value(), ttl_ms, path, shard, temp);
    if (!status.is_ok()) return status;
    struct stat now_there {};
    if (fstatat(shard.get(), path.name, &now_there, AT_SYMLINK_NOFOLLOW) != 0) {
      return Status::not_found();
    }
    if (now_there.st_ino != entry.st.st_ino) continue;
    if (int err = temp.replace(path.name); err != 0) {
      return io_error("cannot store entry", shard_where(path) + "/" + path.name, err);
    }
    if (fsync_) fsync(shard.get());
    return Status::ok();
  }
  return Status(Code::busy, "entry keeps changing; touch gave up");
}

}  // namespace sitecache::file

SITECACHE_PLUGIN(sitecache::file::FileBackend)
