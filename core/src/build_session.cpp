// Build sessions: generation claim, recording, and the build record written at the end.
#include <cstdio>

#include "build_state.hpp"
#include "cache_impl.hpp"

namespace sitecache {
namespace {

// Probing bound when claiming a generation: far more concurrent builds than any CI fleet
// starts against one cache at the same moment.
constexpr uint64_t kClaimAttempts = 1000;

std::string encode_record_entry(std::string_view json_text, std::string_view label) {
  EntryMeta meta;
  meta.created_ms = now_ms();
  meta.label = std::string(label);
  return encode_entry(meta, json_text, PayloadCompression::zstd);
}

// The newest generation a build claimed, nullopt when no build has (or the head is
// unreadable garbage). A backend failure is an error even under on_error = "miss", where
// it would otherwise look like "no builds": the CLI must not plan on an empty history.
Result<std::optional<uint64_t>> read_head(Cache& cache) {
  const uint64_t errors_before = cache.counters().errors;
  Result<std::optional<StoredValue>> head = cache.fetch_backend_key(build_head_key(cache));
  if (!head) return head.status();
  if (cache.counters().errors != errors_before) {
    return Status(StatusCode::unavailable, "cannot read the build records of cache '" +
                                               cache.name() + "' (see the warning)");
  }
  if (!head->has_value()) return std::optional<uint64_t>();
  try {
    return std::optional<uint64_t>(std::stoull((*head)->value));
  } catch (...) {
    return std::optional<uint64_t>();
  }
}

}  // namespace

std::string build_head_key(const Cache& cache) {
  return cache.key_space() + "builds:head";
}

std::string build_record_key(const Cache& cache, uint64_t generation) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%010llu", static_cast<unsigned long long>(generation));
  return cache.key_space() + "builds:" + digits;
}

void BuildSession::State::record_use(Use use, const std::string& key, const std::string& step,
                                     const std::string& slot, uint64_t micros,
                                     std::vector<RecordedInput> inputs) {
  const bool hit = use == Use::hit;
  std::lock_guard lock(mutex);
  if (finished) return;
  StepCounters& counters = record.steps[step];
  if (hit) {
    ++record.hits;
    ++counters.hits;
    record.saved_us += micros;
    counters.saved_us += micros;
  } else {
    ++record.misses;
    ++counters.misses;
    record.render_us += micros;
    counters.render_us += micros;
  }
  auto [it, inserted] = use_index.emplace(key, record.uses.size());
  if (inserted) {
    record.uses.push_back(RecordedUse{key, step, slot, hit, std::move(inputs)});
  } else {
    record.uses[it->second].hit = record.uses[it->second].hit || hit;
  }
}

BuildSession::BuildSession(std::shared_ptr<State> state) : state_(std::move(state)) {}
BuildSession::BuildSession(BuildSession&&) noexcept = default;
BuildSession& BuildSession::operator=(BuildSession&& other) noexcept {
  if (this != &other) {
    if (state_) (void)finish();
    state_ = std::move(other.state_);
  }
  return *this;
}
BuildSession::~BuildSession() {
  if (state_) (void)finish();
}

uint64_t BuildSession::generation() const {
  return state_ ? state_->record.generation : 0;
}

BuildRecord BuildSession::snapshot() const {
  if (!state_) return {};
  std::lock_guard lock(state_->mutex);
  return state_->record;
}

Result<BuildRecord> BuildSession::finish() {
  if (!state_) return Status(StatusCode::invalid_argument, "build session already finished");
  std::shared_ptr<State> state = std::move(state_);
  Cache& cache = *state->cache;
  // The build's batched stores land before its record (which names them) and before the
  // counters are read.
  cache.impl_->flush_batch();
  BuildRecord record;
  {
    std::lock_guard lock(state->mutex);
    state->finished = true;
    CacheCounters now = cache.counters();
    state->record.ended_ms = now_ms();
    state->record.errors = now.errors - state->counters_at_start.errors;
    state->record.bytes_read = now.bytes_read - state->counters_at_start.bytes_read;
    state->record.bytes_written = now.bytes_written - state->counters_at_start.bytes_written;
    record = state->record;
  }
  {
    std::lock_guard lock(cache.impl_->session_mutex);
    if (cache.impl_->session == state) cache.impl_->session.reset();
  }
  (void)FileHasher::shared().save();
  if (record.generation == 0 || cache.settings().read_only) return record;

  Cache::Impl& impl = *cache.impl_;
  Status stored = impl.write_raw(build_record_key(cache, record.generation),
                                 encode_record_entry(record.to_json(), "build-record"));
  if (!stored) return stored;
  if (record.generation > kBuildRecordsKept) {
    (void)cache.remove_backend_key(build_record_key(cache, record.generation - kBuildRecordsKept));
  }
  return record;
}

BuildSession Cache::begin_build() {
  std::shared_ptr<BuildSession::State> previous = impl_->current_session();
  if (previous) {
    (void)BuildSession(previous).finish();  // best effort: its record is written
  }
  auto state = std::make_shared<BuildSession::State>();
  state->cache = this;
  state->counters_at_start = counters();
  state->record.cache = name();
  state->record.started_ms = now_ms();

  if (!impl_->settings.read_only) {
    // Claim a generation with add, so two processes starting builds together get
    // different numbers; the head key is only a hint where to start probing.
    Result<std::optional<uint64_t>> head = read_head(*this);
    uint64_t next = (head ? head->value_or(0) : 0) + 1;
    for (uint64_t attempt = 0; attempt < kClaimAttempts; ++attempt, ++next) {
      Result<bool> claimed = add_backend_key(
          build_record_key(*this, next),
          encode_record_entry("{\"format_version\":1,\"generation\":" + std::to_string(next) +
                                  ",\"in_progress\":true}",
                              "build-record"),
          Timeout::never());
      if (!claimed) break;  // on_error = fail: record nothing rather than fail the build
      if (*claimed) {
        state->record.generation = next;
        (void)impl_->write_raw(build_head_key(*this),
                               encode_record_entry(std::to_string(next), "build-head"));
        break;
      }
    }
  }
  {
    std::lock_guard lock(impl_->session_mutex);
    impl_->session = state;
  }
  return BuildSession(state);
}

Result<std::vector<BuildRecord>> read_build_records(Cache& cache, size_t limit) {
  std::vector<BuildRecord> records;
  Result<std::optional<uint64_t>> head = read_head(cache);
  if (!head) return head.status();
  if (!head->has_value()) {
    if (Status status = cache.check_backend(); !status) return status;
    return records;
  }
  // A concurrent build may have claimed generations past the head it wrote.
  uint64_t newest = **head;
  while (true) {
    Result<std::optional<StoredValue>> next =
        cache.fetch_backend_key(build_record_key(cache, newest + 1));
    if (!next || !next->has_value()) break;
    ++newest;
  }
  uint64_t oldest = newest > kBuildRecordsKept + 16 ? newest - kBuildRecordsKept - 16 : 1;
  for (uint64_t g = newest; g >= oldest && g > 0 && records.size() < limit; --g) {
    Result<std::optional<StoredValue>> stored = cache.fetch_backend_key(build_record_key(cache, g));
    if (!stored) return stored.status();
    if (!stored->has_value()) continue;
    Result<BuildRecord> record = BuildRecord::from_json((*stored)->value);
    if (!record || record->ended_ms == 0) continue;  // unreadable or still running
    records.push_back(std::move(record.value()));
  }
  return records;
}

}  // namespace sitecache
