#include "format/build_record_format.hpp"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3 through the widest SIMD variant this CPU runs
#endif

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace sitecache {
namespace {

constexpr char kMagic[4] = {'S', 'C', 'B', 'R'};
// The header's fixed part: magic and version, the counters (80 bytes in version 2, 88
// from version 3), then the table sizes.
constexpr size_t kCountersAt = 8;
constexpr size_t counters_size(uint8_t version) {
  return version == 2 ? 80 : 88;
}
constexpr size_t kTablesSize = 28;
constexpr size_t kHeaderSize = kCountersAt + counters_size(kBuildRecordFormatVersion) + kTablesSize;
constexpr size_t kStepSize = 4 + 8 * 4;
constexpr size_t kUseSize = 4 * 9 + 8 + 4;
constexpr size_t kInputSize = 4 + 8;
// An output row: 48 bytes up to version 3, 56 from version 4 (ctime_ns added).
constexpr size_t output_size(uint8_t version) {
  return version < 4 ? 4 + 4 + 16 + 8 * 3 : 4 + 4 + 16 + 8 * 4;
}
constexpr size_t kIndexSize = 8 + 4 + 4;
constexpr uint32_t kFlagHit = 1;

template <class T>
T load(std::string_view bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof value);  // little-endian hosts only
  return value;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  template <class T>
  void put(T value) {
    char raw[sizeof value];
    std::memcpy(raw, &value, sizeof value);
    out_.append(raw, sizeof raw);
  }
  void bytes(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }

 private:
  std::string& out_;
};

// Deduplicated strings, numbered in first-use order. Holds views: every text passed to
// ref() must outlive the table (encode_build_record passes only the record's own strings,
// which do; copying each of a 10,000-page record's ~200,000 references was a third of
// the encoding time).
class StringTable {
 public:
  explicit StringTable(size_t expected) { index_.reserve(expected); }
  uint32_t ref(std::string_view text) {
    auto [it, fresh] = index_.try_emplace(text, static_cast<uint32_t>(order_.size()));
    if (fresh) order_.push_back(text);
    return it->second;
  }
  void write(Writer& w) const {
    uint32_t offset = 0;
    w.put(offset);
    for (std::string_view s : order_) {
      offset += static_cast<uint32_t>(s.size());
      w.put(offset);
    }
    for (std::string_view s : order_) w.bytes(s.data(), s.size());
  }
  uint32_t count() const { return static_cast<uint32_t>(order_.size()); }
  uint32_t bytes() const {
    uint64_t total = 0;
    for (std::string_view s : order_) total += s.size();
    return static_cast<uint32_t>(total);
  }

 private:
  std::unordered_map<std::string_view, uint32_t> index_;
  std::vector<std::string_view> order_;
};

uint64_t slot_hash(std::string_view step, std::string_view slot) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, step.data(), step.size());
  XXH3_64bits_update(&state, "", 1);
  XXH3_64bits_update(&state, slot.data(), slot.size());
  return XXH3_64bits_digest(&state);
}

Status corrupt(const std::string& what) {
  return Status(StatusCode::corruption, "build record: " + what);
}

void write_header(Writer& w, const BuildRecord& r, uint32_t cache, const StringTable& strings,
                  size_t inputs, size_t outputs) {
  w.bytes(kMagic, 4);
  w.put(kBuildRecordFormatVersion);
  w.put(uint8_t{0});
  w.put(uint16_t{0});
  for (uint64_t v : {r.generation, static_cast<uint64_t>(r.started_ms),
                     static_cast<uint64_t>(r.ended_ms), r.hits, r.misses, r.errors, r.bytes_read,
                     r.bytes_written, r.saved_us, r.render_us, r.rejected}) {
    w.put(v);
  }
  w.put(cache);
  w.put(strings.bytes());
  w.put(strings.count());
  w.put(static_cast<uint32_t>(r.steps.size()));
  w.put(static_cast<uint32_t>(r.uses.size()));
  w.put(static_cast<uint32_t>(inputs));
  w.put(static_cast<uint32_t>(outputs));
}

}  // namespace

uint64_t input_digest_bits(std::string_view hex16) {
  uint64_t bits = 0;
  for (size_t i = 0; i < 16; ++i) {
    const char c = i < hex16.size() ? hex16[i] : '0';
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
    bits = bits << 4 | static_cast<uint64_t>(v);
  }
  return bits;
}

std::string input_digest_hex(uint64_t bits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, bits >>= 4) out[static_cast<size_t>(i)] = kHex[bits & 0xF];
  return out;
}

bool is_binary_build_record(std::string_view bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0;
}

std::string encode_build_record(const BuildRecord& r) {
  StringTable strings(r.uses.size() * 2 + 64);
  const uint32_t cache = strings.ref(r.cache);
  struct Row {
    uint32_t key, step, slot, not_stored;
  };
  std::vector<Row> rows;
  rows.reserve(r.uses.size());
  size_t inputs = 0, outputs = 0;
  for (const RecordedUse& u : r.uses) {
    rows.push_back(
        {strings.ref(u.key), strings.ref(u.step), strings.ref(u.slot), strings.ref(u.not_stored)});
    for (const RecordedInput& in : u.inputs) (void)strings.ref(in.name);
    for (const RecordedOutput& o : u.outputs) (void)strings.ref(o.path);
    inputs += u.inputs.size();
    outputs += u.outputs.size();
  }
  std::vector<uint32_t> step_names;
  for (const auto& [name, counters] : r.steps) step_names.push_back(strings.ref(name));

  std::string out;
  out.reserve(kHeaderSize + strings.bytes() + 4 * strings.count() + r.uses.size() * 64);
  Writer w(out);
  write_header(w, r, cache, strings, inputs, outputs);
  strings.write(w);
  size_t s = 0;
  for (const auto& [name, c] : r.steps) {
    w.put(step_names[s++]);
    for (uint64_t v : {c.hits, c.misses, c.saved_us, c.render_us}) w.put(v);
  }
  uint32_t next_input = 0, next_output = 0;
  for (size_t i = 0; i < r.uses.size(); ++i) {
    const RecordedUse& u = r.uses[i];
    const bool valid_parent = u.parent >= 0 && static_cast<size_t>(u.parent) < i;
    for (uint32_t v : {rows[i].key, rows[i].step, rows[i].slot}) w.put(v);
    w.put(static_cast<int32_t>(valid_parent ? u.parent : -1));
    w.put(u.hit ? kFlagHit : 0u);
    w.put(next_input);
    w.put(static_cast<uint32_t>(u.inputs.size()));
    w.put(next_output);
    w.put(static_cast<uint32_t>(u.outputs.size()));
    w.put(u.cost_us);
    w.put(rows[i].not_stored);
    next_input += static_cast<uint32_t>(u.inputs.size());
    next_output += static_cast<uint32_t>(u.outputs.size());
  }
  for (const RecordedUse& u : r.uses) {
    for (const RecordedInput& in : u.inputs) {
      w.put(strings.ref(in.name));
      w.put(input_digest_bits(in.digest));
    }
  }
  for (const RecordedUse& u : r.uses) {
    for (const RecordedOutput& o : u.outputs) {
      w.put(strings.ref(o.path));
      w.put(o.mode);
      w.bytes(o.digest.bytes.data(), 16);
      w.put(o.size);
      w.put(o.mtime_ns);
      w.put(o.inode);
      w.put(o.ctime_ns);
    }
  }
  std::vector<std::pair<uint64_t, uint32_t>> index;
  index.reserve(r.uses.size());
  for (size_t i = 0; i < r.uses.size(); ++i) {
    index.emplace_back(slot_hash(r.uses[i].step, r.uses[i].slot), static_cast<uint32_t>(i));
  }
  std::sort(index.begin(), index.end());
  for (const auto& [hash, use] : index) {
    w.put(hash);
    w.put(use);
    w.put(uint32_t{0});
  }
  w.put(static_cast<uint64_t>(XXH3_64bits(out.data(), out.size())));
  return out;
}

Result<BuildRecordView> BuildRecordView::open(std::string_view bytes) {
  BuildRecordView view(bytes);
  if (Status status = view.validate(); !status) return status;
  return view;
}

Status BuildRecordView::validate() {
  if (!is_binary_build_record(bytes_) || bytes_.size() < 5) {
    return corrupt("not a binary build record");
  }
  const auto version = static_cast<uint8_t>(bytes_[4]);
  if (version < 2 || version > kBuildRecordFormatVersion) {
    return corrupt("format version " + std::to_string(version));
  }
  tables_at_ = kCountersAt + counters_size(version);
  output_size_ = output_size(version);
  const size_t header_size = tables_at_ + kTablesSize;
  if (bytes_.size() < header_size + 8) return corrupt("too short");
  const size_t body = bytes_.size() - 8;
  if (XXH3_64bits(bytes_.data(), body) != load<uint64_t>(bytes_, body)) {
    return corrupt("checksum mismatch");
  }
  const uint32_t string_bytes = load<uint32_t>(bytes_, tables_at_ + 4);
  string_count_ = load<uint32_t>(bytes_, tables_at_ + 8);
  step_count_ = load<uint32_t>(bytes_, tables_at_ + 12);
  use_count_ = load<uint32_t>(bytes_, tables_at_ + 16);
  input_count_ = load<uint32_t>(bytes_, tables_at_ + 20);
  output_count_ = load<uint32_t>(bytes_, tables_at_ + 24);
  // 64-bit arithmetic: no count can overflow the sum.
  const uint64_t expected = uint64_t{header_size} + 4 * (uint64_t{string_count_} + 1) +
                            string_bytes + uint64_t{kStepSize} * step_count_ +
                            uint64_t{kUseSize} * use_count_ + uint64_t{kInputSize} * input_count_ +
                            uint64_t{output_size_} * output_count_ +
                            uint64_t{kIndexSize} * use_count_;
  if (expected != body) return corrupt("sections do not add up to its size");
  offsets_at_ = header_size;
  string_bytes_at_ = offsets_at_ + 4 * (size_t{string_count_} + 1);
  steps_at_ = string_bytes_at_ + string_bytes;
  uses_at_ = steps_at_ + kStepSize * step_count_;
  inputs_at_ = uses_at_ + kUseSize * use_count_;
  outputs_at_ = inputs_at_ + kInputSize * input_count_;
  index_at_ = outputs_at_ + output_size_ * output_count_;

  uint32_t previous = 0;
  for (size_t i = 0; i <= string_count_; ++i) {
    const uint32_t offset = load<uint32_t>(bytes_, offsets_at_ + 4 * i);
    if (offset < previous || offset > string_bytes || (i == 0 && offset != 0)) {
      return corrupt("string offsets out of order");
    }
    previous = offset;
  }
  if (previous != string_bytes) return corrupt("string table size mismatch");
  auto is_string = [&](size_t at) { return load<uint32_t>(bytes_, at) < string_count_; };
  if (!is_string(tables_at_)) return corrupt("cache name out of range");
  for (size_t i = 0; i < step_count_; ++i) {
    if (!is_string(steps_at_ + kStepSize * i)) return corrupt("step name out of range");
  }
  for (size_t i = 0; i < use_count_; ++i) {
    const size_t at = uses_at_ + kUseSize * i;
    if (!is_string(at) || !is_string(at + 4) || !is_string(at + 8) || !is_string(at + 44)) {
      return corrupt("use string out of range");
    }
    const int32_t parent = load<int32_t>(bytes_, at + 12);
    const uint32_t flags = load<uint32_t>(bytes_, at + 16);
    const uint64_t inputs_end =
        uint64_t{load<uint32_t>(bytes_, at + 20)} + load<uint32_t>(bytes_, at + 24);
    const uint64_t outputs_end =
        uint64_t{load<uint32_t>(bytes_, at + 28)} + load<uint32_t>(bytes_, at + 32);
    if (parent < -1 || (parent >= 0 && static_cast<size_t>(parent) >= i)) {
      return corrupt("use parent out of range");
    }
    if ((flags & ~kFlagHit) != 0) return corrupt("unknown use flags");
    if (inputs_end > input_count_ || outputs_end > output_count_) {
      return corrupt("use inputs or outputs out of range");
    }
  }
  for (size_t i = 0; i < input_count_; ++i) {
    if (!is_string(inputs_at_ + kInputSize * i)) return corrupt("input name out of range");
  }
  for (size_t i = 0; i < output_count_; ++i) {
    if (!is_string(outputs_at_ + output_size_ * i)) return corrupt("output path out of range");
  }
  std::pair<uint64_t, uint32_t> last{0, 0};
  for (size_t i = 0; i < use_count_; ++i) {
    const std::pair<uint64_t, uint32_t> entry{
        load<uint64_t>(bytes_, index_at_ + kIndexSize * i),
        load<uint32_t>(bytes_, index_at_ + kIndexSize * i + 8)};
    // Strictly increasing, and each hash that of the use it names: so the index names
    // every use exactly once and find() finds each of them (a fuzzed record whose index
    // was merely sorted hid uses from `explain`).
    if (entry.second >= use_count_ || (i > 0 && !(last < entry))) return corrupt("slot index");
    const Use named = use(entry.second);
    if (entry.first != slot_hash(named.step, named.slot)) return corrupt("slot index hash");
    last = entry;
  }
  return Status::ok();
}

std::string_view BuildRecordView::string(uint32_t index) const {
  const uint32_t begin = load<uint32_t>(bytes_, offsets_at_ + 4 * size_t{index});
  const uint32_t end = load<uint32_t>(bytes_, offsets_at_ + 4 * (size_t{index} + 1));
  return bytes_.substr(string_bytes_at_ + begin, end - begin);
}

uint64_t BuildRecordView::generation() const {
  return load<uint64_t>(bytes_, 8);
}

BuildRecordView::Use BuildRecordView::use(size_t index) const {
  const size_t at = uses_at_ + kUseSize * index;
  Use u;
  u.key = string(load<uint32_t>(bytes_, at));
  u.step = string(load<uint32_t>(bytes_, at + 4));
  u.slot = string(load<uint32_t>(bytes_, at + 8));
  u.parent = load<int32_t>(bytes_, at + 12);
  u.hit = (load<uint32_t>(bytes_, at + 16) & kFlagHit) != 0;
  u.first_input = load<uint32_t>(bytes_, at + 20);
  u.input_count = load<uint32_t>(bytes_, at + 24);
  u.first_output = load<uint32_t>(bytes_, at + 28);
  u.output_count = load<uint32_t>(bytes_, at + 32);
  u.cost_us = load<uint64_t>(bytes_, at + 36);
  u.not_stored = string(load<uint32_t>(bytes_, at + 44));
  return u;
}

BuildRecordView::Input BuildRecordView::input(size_t index) const {
  const size_t at = inputs_at_ + kInputSize * index;
  return Input{string(load<uint32_t>(bytes_, at)), load<uint64_t>(bytes_, at + 4)};
}

RecordedOutput BuildRecordView::output(size_t index) const {
  const size_t at = outputs_at_ + output_size_ * index;
  RecordedOutput o;
  o.path = std::string(string(load<uint32_t>(bytes_, at)));
  o.mode = load<uint32_t>(bytes_, at + 4);
  std::memcpy(o.digest.bytes.data(), bytes_.data() + at + 8, 16);
  o.size = load<uint64_t>(bytes_, at + 24);
  o.mtime_ns = load<int64_t>(bytes_, at + 32);
  o.inode = load<uint64_t>(bytes_, at + 40);
  // Records before version 4 have no change time: 0, which no file matches.
  o.ctime_ns = output_size_ > 48 ? load<int64_t>(bytes_, at + 48) : 0;
  return o;
}

std::optional<size_t> BuildRecordView::find(std::string_view step, std::string_view slot) const {
  const uint64_t hash = slot_hash(step, slot);
  size_t low = 0, high = use_count_;
  while (low < high) {  // the first index entry with this hash
    const size_t mid = low + (high - low) / 2;
    if (load<uint64_t>(bytes_, index_at_ + kIndexSize * mid) < hash) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  for (; low < use_count_ && load<uint64_t>(bytes_, index_at_ + kIndexSize * low) == hash; ++low) {
    const uint32_t candidate = load<uint32_t>(bytes_, index_at_ + kIndexSize * low + 8);
    const Use u = use(candidate);
    if (u.step == step && u.slot == slot) return candidate;
  }
  return std::nullopt;
}

BuildRecord BuildRecordView::materialize() const {
  BuildRecord r;
  r.generation = load<uint64_t>(bytes_, 8);
  r.started_ms = load<int64_t>(bytes_, 16);
  r.ended_ms = load<int64_t>(bytes_, 24);
  r.hits = load<uint64_t>(bytes_, 32);
  r.misses = load<uint64_t>(bytes_, 40);
  r.errors = load<uint64_t>(bytes_, 48);
  r.bytes_read = load<uint64_t>(bytes_, 56);
  r.bytes_written = load<uint64_t>(bytes_, 64);
  r.saved_us = load<uint64_t>(bytes_, 72);
  r.render_us = load<uint64_t>(bytes_, 80);
  if (tables_at_ > 88) r.rejected = load<uint64_t>(bytes_, 88);
  r.cache = std::string(string(load<uint32_t>(bytes_, tables_at_)));
  for (size_t i = 0; i < step_count_; ++i) {
    const size_t at = steps_at_ + kStepSize * i;
    r.steps[std::string(string(load<uint32_t>(bytes_, at)))] =
        StepCounters{load<uint64_t>(bytes_, at + 4), load<uint64_t>(bytes_, at + 12),
                     load<uint64_t>(bytes_, at + 20), load<uint64_t>(bytes_, at + 28)};
  }
  r.uses.reserve(use_count_);
  for (size_t i = 0; i < use_count_; ++i) {
    const Use u = use(i);
    RecordedUse out;
    out.key = std::string(u.key);
    out.step = std::string(u.step);
    out.slot = std::string(u.slot);
    out.hit = u.hit;
    out.parent = u.parent;
    out.cost_us = u.cost_us;
    out.not_stored = std::string(u.not_stored);
    for (uint32_t k = 0; k < u.input_count; ++k) {
      const Input in = input(u.first_input + k);
      out.inputs.push_back(RecordedInput{std::string(in.name), input_digest_hex(in.digest)});
    }
    for (uint32_t k = 0; k < u.output_count; ++k) out.outputs.push_back(output(u.first_output + k));
    r.uses.push_back(std::move(out));
  }
  return r;
}

}  // namespace sitecache
