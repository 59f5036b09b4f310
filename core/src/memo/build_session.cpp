// Build sessions: generation claim, recording, and the build record written at the end.
#include "cache/cache_impl.hpp"
#include "memo/build_state.hpp"

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

// The newest generation a build claimed; nullopt when no build has (or the head is
// unreadable garbage). A backend failure is returned, whatever on_error says: the CLI
// must not plan on an empty history.
Result<std::optional<uint64_t>> read_head(CacheImpl& impl) {
  Result<std::optional<StoredValue>> head = impl.read(impl.keys.build_head());
  if (!head) return head.status();
  if (!head->has_value()) return std::optional<uint64_t>();
  try {
    return std::optional<uint64_t>(std::stoull((*head)->value));
  } catch (...) {
    return std::optional<uint64_t>();
  }
}

// Claims the next free generation with add, so two processes starting builds together get
// different numbers; the head key is only a hint where to start probing. 0 when none
// could be claimed (a backend failure: the build then records nothing).
uint64_t claim_generation(CacheImpl& impl) {
  Result<std::optional<uint64_t>> head = read_head(impl);
  if (!head) return 0;
  uint64_t next = head->value_or(0) + 1;
  for (uint64_t attempt = 0; attempt < kClaimAttempts; ++attempt, ++next) {
    const std::string placeholder =
        "{\"format_version\":1,\"generation\":" + std::to_string(next) + ",\"in_progress\":true}";
    Result<bool> claimed =
        impl.add_key(impl.keys.build_record(next), encode_record_entry(placeholder, "build-record"),
                     Timeout::never());
    if (!claimed) return 0;
    if (*claimed) {
      (void)impl.write_raw(impl.keys.build_head(),
                           encode_record_entry(std::to_string(next), "build-head"));
      return next;
    }
  }
  return 0;
}

// Closes the state and returns the finished record (counters taken from the cache).
BuildRecord close_state(BuildSession::State& state, CacheImpl& impl) {
  std::lock_guard lock(state.mutex);
  state.finished = true;
  const CacheCounters now = state.cache->counters();
  state.record.ended_ms = now_ms();
  state.record.errors = now.errors - state.counters_at_start.errors;
  state.record.bytes_read = now.bytes_read - state.counters_at_start.bytes_read;
  state.record.bytes_written = now.bytes_written - state.counters_at_start.bytes_written;
  {
    std::lock_guard session_lock(impl.session_mutex);
    if (impl.session.get() == &state) impl.session.reset();
  }
  return state.record;
}

}  // namespace

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
    RecordedUse recorded;
    recorded.key = key;
    recorded.step = step;
    recorded.slot = slot;
    recorded.hit = hit;
    recorded.inputs = std::move(inputs);
    record.uses.push_back(std::move(recorded));
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
  CacheImpl& impl = CacheInternals::of(*state->cache);
  // The build's batched stores land before its record (which names them) and before the
  // counters are read.
  impl.flush_batch();
  const BuildRecord record = close_state(*state, impl);
  (void)FileHasher::shared().save();
  if (record.generation == 0 || impl.settings.read_only) return record;

  Status stored = impl.write_raw(impl.keys.build_record(record.generation),
                                 encode_record_entry(record.encode(), "build-record"));
  if (Status s = impl.settle(stored, "writing the build record"); !s) return s;
  if (record.generation > kBuildRecordsKept) {
    (void)impl.remove_key(impl.keys.build_record(record.generation - kBuildRecordsKept));
  }
  return record;
}

BuildSession Cache::begin_build() {
  std::shared_ptr<BuildSession::State> previous = impl_->current_session();
  if (previous) {
    (void)CacheInternals::make_session(previous).finish();  // best effort: its record is written
  }
  auto state = std::make_shared<BuildSession::State>();
  state->cache = this;
  state->counters_at_start = counters();
  state->record.cache = name();
  state->record.started_ms = now_ms();
  if (!impl_->settings.read_only) state->record.generation = claim_generation(*impl_);
  {
    std::lock_guard lock(impl_->session_mutex);
    impl_->session = state;
  }
  return CacheInternals::make_session(state);
}

Result<std::vector<BuildRecord>> read_build_records(Cache& cache, size_t limit) {
  CacheImpl& impl = CacheInternals::of(cache);
  std::vector<BuildRecord> records;
  Result<std::optional<uint64_t>> head = read_head(impl);
  if (!head) return head.status();
  if (!head->has_value()) return records;
  // A concurrent build may have claimed generations past the head it wrote.
  uint64_t newest = **head;
  while (true) {
    Result<std::optional<StoredValue>> next = impl.read(impl.keys.build_record(newest + 1));
    if (!next || !next->has_value()) break;
    ++newest;
  }
  const uint64_t oldest = newest > kBuildRecordsKept + 16 ? newest - kBuildRecordsKept - 16 : 1;
  for (uint64_t g = newest; g >= oldest && g > 0 && records.size() < limit; --g) {
    Result<std::optional<StoredValue>> stored = impl.read(impl.keys.build_record(g));
    if (!stored) return stored.status();
    if (!stored->has_value()) continue;
    Result<BuildRecord> record = BuildRecord::decode((*stored)->value);
    if (!record || record->ended_ms == 0) continue;  // unreadable or still running
    records.push_back(std::move(record.value()));
  }
  return records;
}

}  // namespace sitecache
