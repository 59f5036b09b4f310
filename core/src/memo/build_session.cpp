// Build sessions: generation claim, recording, and the build record written at the end.
#include "cache/cache_impl.hpp"
#include "memo/build_state.hpp"

namespace sitecache {
namespace {

// Probing bound when claiming a generation: far more concurrent builds than any CI fleet
// starts against one cache at the same moment.
constexpr uint64_t kClaimAttempts = 1000;

// The newest generation a build claimed; nullopt when no build has (or the head is
// unreadable garbage). A backend failure is returned, whatever on_error says: the CLI
// must not plan on an empty history.
Result<std::optional<uint64_t>> read_head(CacheImpl& impl) {
  Result<std::optional<StoredValue>> head = impl.read(impl.keys.build_head(), Counting::no);
  if (!head) return head.status();
  if (!head->has_value()) return std::optional<uint64_t>();
  try {
    return std::optional<uint64_t>(std::stoull((*head)->value));
  } catch (...) {
    return std::optional<uint64_t>();
  }
}

}  // namespace

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

namespace {

// Closes the state and returns the finished record (counters taken from the cache).
BuildRecord close_state(BuildSession::State& state, CacheImpl& impl) {
  std::lock_guard lock(state.mutex);
  state.finished = true;
  const CacheCounters now = state.cache->counters();
  state.record.ended_ms = now_ms();
  state.record.errors = now.errors - state.counters_at_start.errors;
  state.record.rejected = now.rejected - state.counters_at_start.rejected;
  state.record.bytes_read = now.bytes_read - state.counters_at_start.bytes_read;
  state.record.bytes_written = now.bytes_written - state.counters_at_start.bytes_written;
  {
    std::lock_guard session_lock(impl.session_mutex);
    if (impl.session.get() == &state) impl.session.reset();
  }
  // Moved, not copied: a finished state records nothing more (every writer checks
  // `finished` under the lock held here), and a 10,000-page record has ~50,000 uses.
  return std::move(state.record);
}

}  // namespace

namespace {

thread_local const BuildSession::State* t_state = nullptr;
thread_local int64_t t_use = -1;

// Bounds carry_forward's recursion: a record's parents only point backwards, so depth is
// at most the nesting of the renders that wrote it.
constexpr size_t kMaxNesting = 64;

}  // namespace

std::vector<RecordedInput> recorded_inputs(const Inputs& inputs) {
  std::vector<RecordedInput> out;
  out.reserve(inputs.entries().size());
  for (const auto& input : inputs.entries()) {
    out.push_back(RecordedInput{input.name, input.digest.hex().substr(0, 16)});
  }
  return out;
}

int64_t current_parent(const BuildSession::State* state) {
  return t_state == state ? t_use : -1;
}

CurrentUse::CurrentUse(BuildSession::State* state, int64_t index)
    : saved_state_(t_state), saved_index_(t_use) {
  t_state = state;
  t_use = index;
}

CurrentUse::~CurrentUse() {
  t_state = saved_state_;
  t_use = saved_index_;
}

int64_t BuildSession::State::open_use(std::string_view key, std::string_view step,
                                      std::string_view slot, std::vector<RecordedInput> inputs,
                                      int64_t parent) {
  std::lock_guard lock(mutex);
  if (finished) return -1;
  auto [it, inserted] = use_index.emplace(std::string(key), record.uses.size());
  if (inserted) {
    RecordedUse recorded;
    recorded.key = std::string(key);
    recorded.step = std::string(step);
    recorded.slot = std::string(slot);
    recorded.inputs = std::move(inputs);
    recorded.parent = parent >= 0 && static_cast<size_t>(parent) < record.uses.size() ? parent : -1;
    record.uses.push_back(std::move(recorded));
  }
  return static_cast<int64_t>(it->second);
}

void BuildSession::State::close_use(int64_t index, Use use, uint64_t micros, uint64_t cost_us,
                                    std::vector<RecordedOutput> outputs,
                                    std::string_view not_stored) {
  const bool hit = use == Use::hit;
  std::lock_guard lock(mutex);
  if (finished || index < 0 || static_cast<size_t>(index) >= record.uses.size()) return;
  RecordedUse& recorded = record.uses[static_cast<size_t>(index)];
  StepCounters& counters = record.steps[recorded.step];
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
  recorded.hit = recorded.hit || hit;
  recorded.cost_us = cost_us;
  if (!outputs.empty()) recorded.outputs = std::move(outputs);
  recorded.not_stored = std::string(not_stored);
}

const BuildRecordView* BuildSession::State::previous_record() {
  std::call_once(previous_once_,
                 [this] { load_previous(CacheInternals::of(*cache), compare_before); });
  return previous ? &*previous : nullptr;
}

void BuildSession::State::carry_forward(size_t previous_index, int64_t parent) {
  if (!previous) return;
  std::lock_guard lock(mutex);
  carry_forward_locked(previous_index, parent, 0);
}

void BuildSession::State::carry_forward_locked(size_t previous_index, int64_t parent,
                                               size_t depth) {
  if (finished || depth > kMaxNesting || previous_index >= previous->use_count()) return;
  const BuildRecordView::Use old = previous->use(previous_index);
  auto [it, inserted] = use_index.emplace(std::string(old.key), record.uses.size());
  if (inserted) {
    RecordedUse use;
    use.key = std::string(old.key);
    use.step = std::string(old.step);
    use.slot = std::string(old.slot);
    use.parent = parent;
    use.cost_us = old.cost_us;
    for (uint32_t i = 0; i < old.input_count; ++i) {
      const BuildRecordView::Input in = previous->input(old.first_input + i);
      use.inputs.push_back(RecordedInput{std::string(in.name), input_digest_hex(in.digest)});
    }
    for (uint32_t i = 0; i < old.output_count; ++i) {
      use.outputs.push_back(previous->output(old.first_output + i));
    }
    record.uses.push_back(std::move(use));
  }
  RecordedUse& use = record.uses[it->second];
  use.hit = true;
  StepCounters& counters = record.steps[use.step];
  ++record.hits;
  ++counters.hits;
  record.saved_us += use.cost_us;
  counters.saved_us += use.cost_us;
  const auto index = static_cast<int64_t>(it->second);
  if (previous_index < previous_children.size()) {
    for (uint32_t child : previous_children[previous_index]) {
      carry_forward_locked(child, index, depth + 1);
    }
  }
}

void BuildSession::State::load_previous(CacheImpl& impl, uint64_t current) {
  // Probe downwards from the newest claimed generation: the newest finished record wins.
  const uint64_t oldest = current > kBuildRecordsKept + 16 ? current - kBuildRecordsKept - 16 : 1;
  for (uint64_t g = current > 0 ? current - 1 : 0; g >= oldest && g > 0; --g) {
    Result<std::optional<StoredValue>> stored = impl.read(impl.keys.build_record(g), Counting::no);
    if (!stored || !stored->has_value()) continue;
    if (!is_binary_build_record((*stored)->value)) {
      // A version-1 record (still running, or from sitecache 0.1): nothing to compare with
      // unless it is an unfinished placeholder of a concurrent build.
      if ((*stored)->value.find("\"in_progress\":true") != std::string::npos) continue;
      return;
    }
    previous_bytes = std::move((*stored)->value);
    Result<BuildRecordView> view = BuildRecordView::open(previous_bytes);
    if (!view) {
      previous_bytes.clear();
      return;
    }
    previous = *view;
    previous_children.assign(previous->use_count(), {});
    for (size_t i = 0; i < previous->use_count(); ++i) {
      const int32_t parent = previous->use(i).parent;
      if (parent >= 0)
        previous_children[static_cast<size_t>(parent)].push_back(static_cast<uint32_t>(i));
    }
    return;
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
  BuildRecord record = close_state(*state, impl);  // not const: returned by move
  (void)FileHasher::shared().save();
  if (!state->journal.empty()) {
    if (Status s = append_to_journal(state->journal, record); !s) return s;
    return record;
  }
  if (record.generation == 0 || impl.settings.read_only) return record;
  if (Status s = impl.settle(store_record(impl, record), "writing the build record"); !s) {
    return s;
  }
  return record;
}

Status store_record(CacheImpl& impl, const BuildRecord& record) {
  Status stored = impl.write_raw(impl.keys.build_record(record.generation),
                                 encode_record_entry(record.encode(), "build-record"));
  if (!stored) return stored;
  if (record.generation > kBuildRecordsKept) {
    (void)impl.remove_key(impl.keys.build_record(record.generation - kBuildRecordsKept));
  }
  return Status::ok();
}

std::string encode_record_entry(std::string_view payload, std::string_view label) {
  EntryMeta meta;
  meta.created_ms = now_ms();
  meta.label = std::string(label);
  return encode_entry(meta, payload, PayloadCompression::zstd);
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
  uint64_t current = state->record.generation;
  if (current == 0) {  // read-only: compare with the newest build others recorded
    Result<std::optional<uint64_t>> head = read_head(*impl_);
    current = head && head->has_value() ? **head + 1 : 0;
  }
  state->compare_before = current;
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
    Result<std::optional<StoredValue>> next =
        impl.read(impl.keys.build_record(newest + 1), Counting::no);
    if (!next || !next->has_value()) break;
    ++newest;
  }
  const uint64_t oldest = newest > kBuildRecordsKept + 16 ? newest - kBuildRecordsKept - 16 : 1;
  for (uint64_t g = newest; g >= oldest && g > 0 && records.size() < limit; --g) {
    Result<std::optional<StoredValue>> stored = impl.read(impl.keys.build_record(g), Counting::no);
    if (!stored) return stored.status();
    if (!stored->has_value()) continue;
    Result<BuildRecord> record = BuildRecord::decode((*stored)->value);
    if (!record || record->ended_ms == 0) continue;  // unreadable or still running
    records.push_back(std::move(record.value()));
  }
  return records;
}

}  // namespace sitecache
