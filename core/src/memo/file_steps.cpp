// Cache::produce_file and Cache::memoize_files (outputs.hpp): skip unchanged outputs,
// restore them on a hit, render and capture them on a miss, and record them in the build.
#include <chrono>

#include "cache/cache_impl.hpp"
#include "memo/build_state.hpp"
#include "memo/lease.hpp"
#include "memo/manifest.hpp"
#include "memo/output_files.hpp"
#include "memo/output_store.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Use = BuildSession::State::Use;

// One file step: what it is about and where it records.
struct FileCall {
  CacheImpl& impl;
  const Step& step;
  const Inputs& inputs;
  const std::vector<fs::path>& outputs;
  const MemoOptions& options;
  Freshen freshen;
  Digest key;
  std::string backend_key;
  std::string slot;
  std::shared_ptr<BuildSession::State> session;
  int64_t parent = -1;

  FileCall(CacheImpl& impl_in, const Step& step_in, const Inputs& inputs_in,
           const std::vector<fs::path>& outputs_in, const MemoOptions& options_in,
           Freshen freshen_in, const Digest& key_in)
      : impl(impl_in),
        step(step_in),
        inputs(inputs_in),
        outputs(outputs_in),
        options(options_in),
        freshen(freshen_in),
        key(key_in),
        backend_key(impl_in.keys.entry(key_in)),
        slot(options_in.slot.empty() && !outputs_in.empty() ? outputs_in.front().string()
                                                            : options_in.slot),
        session(impl_in.current_session()),
        parent(current_parent(session.get())) {}

  int64_t open() const {
    return session
               ? session->open_use(backend_key, step.name, slot, recorded_inputs(inputs), parent)
               : -1;
  }
  void close(int64_t use, Use how, uint64_t micros, uint64_t cost_us,
             std::vector<RecordedOutput> recorded, std::string_view not_stored = {}) const {
    if (session) session->close_use(use, how, micros, cost_us, std::move(recorded), not_stored);
  }
};

uint64_t micros_since(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
}

// The previous build ran this step for this slot with the same key, and every output
// still has the signature recorded then: nothing to do but record the use again.
bool skip_unchanged(const FileCall& call) {
  if (!call.session || call.freshen == Freshen::yes) return false;
  const BuildRecordView* record = call.session->previous_record();
  if (record == nullptr) return false;
  const BuildRecordView& previous = *record;
  const std::optional<size_t> index = previous.find(call.step.name, call.slot);
  if (!index) return false;
  const BuildRecordView::Use use = previous.use(*index);
  if (use.key != call.backend_key || use.output_count != call.outputs.size()) return false;
  for (uint32_t i = 0; i < use.output_count; ++i) {
    const RecordedOutput recorded = previous.output(use.first_output + i);
    if (recorded.path != call.outputs[i].string() || !matches(call.outputs[i], recorded)) {
      return false;
    }
  }
  call.session->carry_forward(*index, call.parent);
  return true;
}

// What the record keeps of every output, once they hold the manifest's bytes.
Result<std::vector<RecordedOutput>> record_outputs(const FileCall& call, const Manifest& manifest) {
  std::vector<RecordedOutput> recorded;
  for (size_t i = 0; i < call.outputs.size(); ++i) {
    Result<RecordedOutput> output = record_output(call.outputs[i], manifest.outputs[i].digest);
    if (!output) return output.status();
    recorded.push_back(std::move(*output));
  }
  return recorded;
}

// A hit: the stored manifest, its outputs restored. nullopt when the entry turns out
// unusable (a damaged manifest or blob): the caller renders as on a miss.
Result<std::optional<FileOutcome>> restore(const FileCall& call, const StoredValue& stored) {
  Result<Manifest> manifest = Manifest::decode(stored.value);
  FileOutcome outcome;
  outcome.source = FileOutcome::Source::restored;
  Status restored =
      manifest ? restore_outputs(call.impl, *manifest, call.outputs, call.freshen, outcome.written)
               : manifest.status();
  if (!restored) {
    const StatusCode code = restored.code();
    if (code != StatusCode::corruption && code != StatusCode::not_found) return restored;
    if (!manifest && !call.impl.settings.read_only) (void)call.impl.remove_key(call.backend_key);
    return std::optional<FileOutcome>();
  }
  Result<std::vector<RecordedOutput>> recorded = record_outputs(call, *manifest);
  if (!recorded) return recorded.status();
  call.close(call.open(), Use::hit, stored.info.cost_us, stored.info.cost_us, std::move(*recorded));
  outcome.value = std::move(manifest->value);
  return std::optional<FileOutcome>(std::move(outcome));
}

// Stores the manifest of a finished render or run (batched inside a build session
// unless a lease is held) and completes the use.
Status store_manifest(const FileCall& call, Manifest manifest, int64_t use, uint64_t cost_us,
                      const Lease& lease) {
  Result<std::vector<RecordedOutput>> recorded = record_outputs(call, manifest);
  if (!recorded) return recorded.status();
  StoreOptions store;
  store.timeout = call.options.timeout;
  store.label = call.step.name;
  store.slot = call.slot;
  store.tags = call.options.tags;
  store.cost_us = cost_us;
  store.generation = call.session ? call.session->record.generation : 0;
  store.files = true;
  store.references = manifest.blobs();
  const WritePath path = call.session && !lease.held() ? WritePath::batched : WritePath::direct;
  Status stored = call.impl.write(call.backend_key, manifest.encode(), store, path);
  if (Status s = call.impl.settle(stored, "set"); !s) return s;
  call.close(use, Use::miss, cost_us, cost_us, std::move(*recorded));
  return Status::ok();
}

// The lookup every file step starts with (after the skip): the stored entry, restored;
// with single_flight = "shared", possibly after waiting for another process's run.
Result<std::optional<FileOutcome>> lookup(const FileCall& call, Lease& lease) {
  Result<std::optional<StoredValue>> found = call.impl.lookup(call.backend_key);
  if (!found) return found.status();
  if (!found->has_value() && leases_apply(call.impl)) {
    found = lease_or_wait(call.impl, call.key, call.backend_key, lease);
    if (!found) return found.status();
  }
  if (!found->has_value()) return std::optional<FileOutcome>();
  return restore(call, **found);
}

}  // namespace

Result<FileOutcome> Cache::produce_file(const Step& step, const Inputs& inputs,
                                        const fs::path& output,
                                        const std::function<std::string()>& render,
                                        const MemoOptions& options, Freshen freshen) {
  if (!inputs.status()) return inputs.status();
  const std::vector<fs::path> outputs{output};
  const FileCall call(*impl_, step, inputs, outputs, options, freshen, step_key(step, inputs));
  if (skip_unchanged(call)) return FileOutcome{FileOutcome::Source::unchanged, {}, 0};
  Lease lease(*impl_);
  Result<std::optional<FileOutcome>> hit = lookup(call, lease);
  if (!hit) return hit.status();
  if (hit->has_value()) return std::move(**hit);

  const int64_t use = call.open();
  const auto start = Clock::now();
  std::string content;
  {
    CurrentUse current(call.session.get(), use);  // nested memoize calls name this use
    content = render();                           // may throw: nothing is stored
  }
  const uint64_t cost_us = micros_since(start);
  Manifest manifest;
  uint64_t written = 0;
  Result<ManifestOutput> captured = capture_content(*impl_, output, content, 0644);
  if (!captured) return captured.status();
  // Written from the rendered bytes, never read back from the store (a large output's blob
  // may not be there: the dummy backend keeps nothing). A file that already holds them
  // stays as it is.
  if (Status s = write_content(output, content, captured->digest, 0644, freshen, written); !s) {
    return s;
  }
  manifest.outputs.push_back(std::move(*captured));
  if (Status s = store_manifest(call, std::move(manifest), use, cost_us, lease); !s) return s;
  return FileOutcome{FileOutcome::Source::rendered, {}, written};
}

Result<FileOutcome> Cache::memoize_files(const Step& step, const Inputs& inputs,
                                         const std::vector<fs::path>& outputs,
                                         const std::function<StepRun()>& run,
                                         const MemoOptions& options, Freshen freshen) {
  if (!inputs.status()) return inputs.status();
  // The declared paths are part of the key: the same command and inputs writing other
  // files is another step.
  Inputs keyed = inputs;
  std::vector<std::string> paths;
  for (const fs::path& p : outputs) paths.push_back(p.string());
  keyed.value("sitecache.outputs", paths);
  const FileCall call(*impl_, step, keyed, outputs, options, freshen, step_key(step, keyed));
  Lease lease(*impl_);
  Result<std::optional<FileOutcome>> hit = lookup(call, lease);
  if (!hit) return hit.status();
  if (hit->has_value()) return std::move(**hit);

  const int64_t use = call.open();
  const auto start = Clock::now();
  StepRun result;
  {
    CurrentUse current(call.session.get(), use);
    result = run();
  }
  const uint64_t cost_us = micros_since(start);
  FileOutcome outcome{FileOutcome::Source::rendered, std::move(result.value), 0};
  if (result.store == StepRun::Store::no) {
    call.close(use, Use::miss, cost_us, cost_us, {},
               result.why_not.empty() ? "not stored" : result.why_not);
    return outcome;
  }
  Manifest manifest;
  manifest.value = outcome.value;
  for (const fs::path& path : outputs) {
    Result<ManifestOutput> captured = capture_output(*impl_, path);
    if (!captured) return captured.status();
    manifest.outputs.push_back(std::move(*captured));
  }
  if (Status s = store_manifest(call, std::move(manifest), use, cost_us, lease); !s) return s;
  return outcome;
}

}  // namespace sitecache
