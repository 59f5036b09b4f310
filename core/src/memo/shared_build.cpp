// Builds that span processes (cache.hpp: start_shared_build, join_build,
// finish_shared_build) and their journal.
//
// Journal grammar (integers little-endian): the concatenation of parts, one per process
// that joined (and one written by start_shared_build, which carries the start time):
//
//   journal := part*
//   part    := length:u64 record[length]      record: a binary build record
//                                             (format/build_record_format.hpp)
//
// Each part is written with one O_APPEND write, so concurrent processes append whole
// parts. A part that fails its record's checks (a torn last append, a foreign file) ends
// the reading: the parts before it count.
//
// Version history: 1  first version.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "cache/cache_impl.hpp"
#include "memo/build_state.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;

fs::path journal_path(const CacheImpl& impl, uint64_t id) {
  std::error_code ec;
  const fs::path base = impl.config.base_dir.empty() ? fs::current_path(ec) : impl.config.base_dir;
  return base / ".sitecache" / "builds" /
         (impl.settings.name + "-" + std::to_string(id) + ".journal");
}

Status unknown_build(const fs::path& journal, uint64_t id) {
  return Status(StatusCode::not_found, "no build " + std::to_string(id) + " was started here (" +
                                           journal.string() + " does not exist)");
}

// Reads every whole part of a journal.
Result<std::vector<BuildRecord>> read_journal(const fs::path& journal) {
  std::ifstream in(journal, std::ios::binary);
  if (!in) return Status(StatusCode::io, "cannot read " + journal.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  std::vector<BuildRecord> parts;
  size_t at = 0;
  while (bytes.size() - at >= 8) {
    uint64_t length = 0;
    std::memcpy(&length, bytes.data() + at, 8);
    if (length > bytes.size() - at - 8) break;
    Result<BuildRecord> part = BuildRecord::decode(std::string_view(bytes).substr(at + 8, length));
    if (!part) break;
    parts.push_back(std::move(*part));
    at += 8 + length;
  }
  return parts;
}

// Adds one process's part to the merged record: counters summed, uses deduplicated by key
// (a hit if any process hit), parents renumbered.
void merge(BuildRecord& into, std::unordered_map<std::string, size_t>& index,
           const BuildRecord& part) {
  if (part.started_ms != 0 && (into.started_ms == 0 || part.started_ms < into.started_ms)) {
    into.started_ms = part.started_ms;
  }
  into.hits += part.hits;
  into.misses += part.misses;
  into.errors += part.errors;
  into.rejected += part.rejected;
  into.bytes_read += part.bytes_read;
  into.bytes_written += part.bytes_written;
  into.saved_us += part.saved_us;
  into.render_us += part.render_us;
  for (const auto& [name, c] : part.steps) {
    StepCounters& sum = into.steps[name];
    sum.hits += c.hits;
    sum.misses += c.misses;
    sum.saved_us += c.saved_us;
    sum.render_us += c.render_us;
  }
  std::vector<int64_t> renumbered(part.uses.size(), -1);
  for (size_t i = 0; i < part.uses.size(); ++i) {
    const RecordedUse& use = part.uses[i];
    auto [it, inserted] = index.emplace(use.key, into.uses.size());
    if (inserted) {
      RecordedUse copy = use;
      copy.parent =
          use.parent >= 0 && static_cast<size_t>(use.parent) < i ? renumbered[use.parent] : -1;
      into.uses.push_back(std::move(copy));
    } else {
      RecordedUse& existing = into.uses[it->second];
      existing.hit = existing.hit || use.hit;
      if (existing.outputs.empty()) existing.outputs = use.outputs;
    }
    renumbered[i] = static_cast<int64_t>(it->second);
  }
}

}  // namespace

Status append_to_journal(const fs::path& journal, const BuildRecord& part) {
  const std::string record = part.encode();
  std::string bytes(8, '\0');
  const uint64_t length = record.size();
  std::memcpy(bytes.data(), &length, 8);
  bytes += record;
  const int fd = ::open(journal.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    return Status(errno == ENOENT ? StatusCode::not_found : StatusCode::io,
                  "cannot append to " + journal.string() + ": " + std::strerror(errno));
  }
  // One write: concurrent appenders never interleave within a part.
  const ssize_t written = ::write(fd, bytes.data(), bytes.size());
  const int err = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(bytes.size())) {
    return Status(StatusCode::io, "cannot append to " + journal.string() + ": " +
                                      (written < 0 ? std::strerror(err) : "short write"));
  }
  return Status::ok();
}

Result<uint64_t> Cache::start_shared_build() {
  if (impl_->settings.read_only) return impl_->read_only_error("starting a build");
  const uint64_t id = claim_generation(*impl_);
  if (id == 0) {
    return Status(StatusCode::unavailable,
                  "cannot claim a build generation in cache '" + name() + "'");
  }
  const fs::path journal = journal_path(*impl_, id);
  std::error_code ec;
  fs::create_directories(journal.parent_path(), ec);
  if (ec) return Status(StatusCode::io, "cannot create " + journal.parent_path().string());
  const int fd = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(StatusCode::io, "cannot create " + journal.string());
  ::close(fd);
  BuildRecord start;
  start.generation = id;
  start.cache = name();
  start.started_ms = now_ms();
  if (Status s = append_to_journal(journal, start); !s) return s;
  return id;
}

Result<BuildSession> Cache::join_build(uint64_t id) {
  const fs::path journal = journal_path(*impl_, id);
  std::error_code ec;
  if (!fs::exists(journal, ec)) return unknown_build(journal, id);
  std::shared_ptr<BuildSession::State> previous = impl_->current_session();
  if (previous) (void)CacheInternals::make_session(previous).finish();
  auto state = std::make_shared<BuildSession::State>();
  state->cache = this;
  state->journal = journal;
  state->counters_at_start = counters();
  state->record.cache = name();
  state->record.generation = id;
  state->record.started_ms = now_ms();
  state->compare_before = id;
  {
    std::lock_guard lock(impl_->session_mutex);
    impl_->session = state;
  }
  return CacheInternals::make_session(state);
}

Result<BuildRecord> Cache::finish_shared_build(uint64_t id) {
  const fs::path journal = journal_path(*impl_, id);
  std::error_code ec;
  if (!fs::exists(journal, ec)) return unknown_build(journal, id);
  Result<std::vector<BuildRecord>> parts = read_journal(journal);
  if (!parts) return parts.status();
  BuildRecord record;
  record.generation = id;
  record.cache = name();
  std::unordered_map<std::string, size_t> index;
  for (const BuildRecord& part : *parts) merge(record, index, part);
  record.ended_ms = now_ms();
  if (record.started_ms == 0) record.started_ms = record.ended_ms;
  if (!impl_->settings.read_only) {
    if (Status s = store_record(*impl_, record); !s) return s;
  }
  fs::remove(journal, ec);
  return record;
}

}  // namespace sitecache
