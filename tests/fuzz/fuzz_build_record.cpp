// libFuzzer harness: the build-record reader (core/src/format/build_record_format.hpp for
// format 2, and format 1's JSON in build_record.cpp, which is still read).
//
// The first byte picks a mode:
//   0  the rest is a stored record (binary or JSON), as BuildRecord::decode gets it;
//   1  the rest is a binary record without its checksum, which the harness appends, so
//      that mutations reach the section counts, offsets and index behind the checksum;
//   2  the rest describes a record, which is encoded in both formats and decoded again.
// Decoding runs on a thread with a 256 KiB stack (fuzz_support.hpp): a reader that
// recurses once per level of nesting overflows it with a few KB of brackets, where
// 200,000 levels were needed to crash `sitecache stats` (issue 17).
// Properties:
//   - a record that decodes re-encodes, and the re-encoding decodes to the same record;
//   - an accepted binary record's checksum verifies, and every use it holds is found by
//     (step, slot);
//   - decode(encode(x)) == x in format 2, and for plain-text records in format 1 too.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstring>

#include "format/build_record_format.hpp"
#include "fuzz_support.hpp"

namespace sitecache::fuzz {
namespace {

constexpr size_t kStack = 256 * 1024;

// Records compare through their JSON form, which lists every field.
bool same(const BuildRecord& a, const BuildRecord& b) {
  return a.to_json() == b.to_json();
}

void check_accepted(std::string_view bytes, const BuildRecord& record) {
  const std::string encoded = record.encode();
  Result<BuildRecord> again = BuildRecord::decode(encoded);
  FUZZ_CHECK(again.is_ok(), "a re-encoded record does not decode: " + again.status().message());
  FUZZ_CHECK(same(*again, record), "re-encoding changed the record");
  if (!is_binary_build_record(bytes)) return;
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  FUZZ_CHECK(stored == XXH3_64bits(bytes.data(), bytes.size() - 8),
             "accepted a record whose checksum does not verify");
  Result<BuildRecordView> view = BuildRecordView::open(bytes);
  FUZZ_CHECK(view.is_ok(), "decode accepts what BuildRecordView::open refuses");
  for (size_t i = 0; i < view->use_count(); ++i) {
    const BuildRecordView::Use use = view->use(i);
    std::optional<size_t> found = view->find(use.step, use.slot);
    FUZZ_CHECK(found.has_value(), "a use is not found by its step and slot");
    const BuildRecordView::Use other = view->use(*found);
    FUZZ_CHECK(other.step == use.step && other.slot == use.slot, "find returned another use");
  }
}

void check_stored(std::string_view bytes) {
  on_small_stack(kStack, [&] {
    Result<BuildRecord> record = BuildRecord::decode(bytes);
    if (record.is_ok()) check_accepted(bytes, *record);
  });
}

std::string printable_text(Choices& in, size_t max) {
  std::string text = in.text(max);
  for (char& c : text) c = static_cast<char>(' ' + static_cast<unsigned char>(c) % 95);
  return text;
}

BuildRecord record_from(Choices& in, bool plain_text) {
  auto text = [&](size_t max) { return plain_text ? printable_text(in, max) : in.text(max); };
  BuildRecord r;
  r.generation = in.number(UINT64_MAX);
  r.cache = text(20);
  r.started_ms = static_cast<int64_t>(in.number(UINT64_MAX) >> 1);
  r.ended_ms = static_cast<int64_t>(in.number(UINT64_MAX) >> 1);
  r.hits = in.number(UINT64_MAX);
  r.misses = in.number(UINT64_MAX);
  r.saved_us = in.number(UINT64_MAX);
  for (size_t n = in.byte() % 4; n > 0; --n) {
    r.steps[text(12)] = StepCounters{in.number(1000), in.number(1000), in.number(UINT64_MAX),
                                     in.number(UINT64_MAX)};
  }
  for (size_t n = in.byte() % 8; n > 0; --n) {
    RecordedUse u;
    u.key = text(40);
    u.step = text(12);
    u.slot = text(30);
    u.hit = in.flag();
    u.parent = r.uses.empty() ? -1 : static_cast<int64_t>(in.number(r.uses.size())) - 1;
    u.cost_us = in.number(UINT64_MAX);
    u.not_stored = text(20);
    for (size_t k = in.byte() % 3; k > 0; --k) {
      u.inputs.push_back({text(10), input_digest_hex(in.number(UINT64_MAX))});
    }
    for (size_t k = in.byte() % 3; k > 0; --k) {
      RecordedOutput o;
      o.path = text(30);
      for (uint8_t& b : o.digest.bytes) b = in.byte();
      o.size = in.number(UINT64_MAX);
      o.mtime_ns = static_cast<int64_t>(in.number(UINT64_MAX));
      o.inode = in.number(UINT64_MAX);
      o.mode = static_cast<uint32_t>(in.number(07777));
      u.outputs.push_back(std::move(o));
    }
    r.uses.push_back(std::move(u));
  }
  return r;
}

void check_round_trip(std::span<const uint8_t> data) {
  Choices in(data);
  const bool plain_text = in.flag();
  const BuildRecord record = record_from(in, plain_text);
  const std::string binary = record.encode();
  Result<BuildRecord> decoded = BuildRecord::decode(binary);
  FUZZ_CHECK(decoded.is_ok(), "an encoded record does not decode: " + decoded.status().message());
  FUZZ_CHECK(same(*decoded, record), "format 2 changed the record");
  check_accepted(binary, *decoded);
  if (plain_text) {  // format 1 writes text that is not UTF-8 as U+FFFD
    Result<BuildRecord> from_json = BuildRecord::from_json(record.to_json());
    FUZZ_CHECK(from_json.is_ok(), "format 1 does not read back: " + from_json.status().message());
    FUZZ_CHECK(same(*from_json, record), "format 1 changed the record");
  }
}

}  // namespace
}  // namespace sitecache::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sitecache::fuzz;
  return run_mode(
      data, size, [](std::span<const uint8_t> rest) { check_stored(as_text(rest)); },
      [](std::span<const uint8_t> rest) {
        check_stored(with_trailing_checksum(std::string(as_text(rest))));
      },
      [](std::span<const uint8_t> rest) { check_round_trip(rest); });
}
