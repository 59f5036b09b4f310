// libFuzzer harness: the entry envelope (core/src/format/entry_format.hpp).
//
// The first byte picks a mode:
//   0  the rest is stored bytes, as a backend delivers them;
//   1  the rest is an entry without its checksum, which the harness appends, so that
//      mutations reach the header, the metadata and the zstd frame behind the checksum;
//   2  the rest describes an entry (metadata, value, compression), which every writer of
//      entry_format.hpp encodes and the readers decode again.
// Properties:
//   - the readers agree: decode_entry, take_entry + finish_entry, view_entry and
//     decode_entry_meta accept the same inputs (only finish_entry may still reject the
//     zstd frame) and report the same metadata;
//   - nothing unverified is accepted: an accepted input ends with XXH3-64 of the bytes
//     before it;
//   - the reader's limit bounds the value: decoding with max_value_size never yields a
//     larger value, and scripts/fuzz runs this harness with -malloc_limit_mb=64, so an
//     allocation made from a declared size beyond the limit is a crash (the 1 GiB
//     decompression bomb of issue 17);
//   - decode(encode(x)) == x, for every writer (mode 2).
#include <xxhash.h>

#include <cstring>

#include "format/entry_format.hpp"
#include "fuzz_support.hpp"

namespace sitecache::fuzz {
namespace {

// The readers' limit in modes 0 and 1: far below -malloc_limit_mb.
constexpr uint64_t kLimit = uint64_t{1} << 20;

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string describe(const EntryMeta& m) {
  return "created " + std::to_string(m.created_ms) + " expires " + std::to_string(m.expires_ms) +
         " generation " + std::to_string(m.generation) + " raw " + std::to_string(m.raw_size) +
         " label '" + m.label + "' slot '" + m.slot + "' tags " + std::to_string(m.tags.size()) +
         " references " + std::to_string(m.references.size());
}

bool same_meta(const EntryMeta& a, const EntryMeta& b) {
  return a.created_ms == b.created_ms && a.expires_ms == b.expires_ms &&
         a.generation == b.generation && a.cost_us == b.cost_us && a.raw_size == b.raw_size &&
         a.compressed == b.compressed && a.label == b.label && a.slot == b.slot &&
         a.tags == b.tags && a.files == b.files && a.references == b.references;
}

void check_readers(std::span<const uint8_t> bytes) {
  Result<EntryMeta> meta = decode_entry_meta(bytes);
  Result<EntryView> view = view_entry(bytes, kLimit);
  Result<VerifiedEntry> taken = take_entry(bytes, kLimit);
  Result<DecodedEntry> decoded = decode_entry(bytes, kLimit);
  FUZZ_CHECK(view.is_ok() == taken.is_ok(), "view_entry and take_entry disagree");
  FUZZ_CHECK(!decoded.is_ok() || taken.is_ok(), "decode_entry accepts what take_entry refuses");
  if (meta.is_ok()) {
    FUZZ_CHECK(bytes.size() >= 8, "accepted fewer bytes than a checksum");
    uint64_t stored = 0;
    std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
    FUZZ_CHECK(stored == XXH3_64bits(bytes.data(), bytes.size() - 8),
               "accepted an entry whose checksum does not verify");
  }
  if (view.is_ok()) {
    FUZZ_CHECK(meta.is_ok(), "view_entry accepts what decode_entry_meta refuses");
    FUZZ_CHECK(same_meta(view->meta, *meta), describe(view->meta) + " vs " + describe(*meta));
    FUZZ_CHECK(view->meta.raw_size <= kLimit, "view_entry accepted a value over its limit");
  }
  if (taken.is_ok()) {
    FUZZ_CHECK(same_meta(taken->meta, view->meta), "take_entry and view_entry disagree");
    Result<DecodedEntry> finished = finish_entry(std::move(*taken));
    FUZZ_CHECK(finished.is_ok() == decoded.is_ok(), "finish_entry and decode_entry disagree");
  }
  if (decoded.is_ok()) {
    FUZZ_CHECK(decoded->value.size() == decoded->meta.raw_size, "value is not raw_size bytes");
    FUZZ_CHECK(decoded->value.size() <= kLimit, "decoded a value over the reader's limit");
    if (!decoded->meta.compressed) {
      FUZZ_CHECK(
          std::memcmp(decoded->value.data(), view->payload.data(), view->payload.size()) == 0,
          "an uncompressed value differs from its payload");
    }
  }
}

EntryMeta meta_from(Choices& in) {
  EntryMeta m;
  m.created_ms = static_cast<int64_t>(in.number(UINT64_MAX));
  m.expires_ms = static_cast<int64_t>(in.number(UINT64_MAX));
  m.generation = in.number(UINT64_MAX);
  m.cost_us = in.number(UINT64_MAX);
  m.label = in.text(200);
  m.slot = in.text(200);
  for (size_t tags = in.byte() % 5; tags > 0; --tags) m.tags.push_back(in.text(40));
  m.files = in.flag();
  if (m.files) {
    for (size_t n = in.byte() % 4; n > 0; --n) {
      Digest d;
      for (uint8_t& b : d.bytes) b = in.byte();
      m.references.push_back(d);
    }
  }
  return m;
}

void check_round_trip(std::span<const uint8_t> data) {
  Choices in(data);
  const EntryMeta meta = meta_from(in);
  const size_t repeat = 1 + in.byte() % 64;  // repeated text compresses, so zstd is used
  const auto compression = in.flag() ? PayloadCompression::zstd : PayloadCompression::none;
  std::string value;
  const std::string_view unit = as_text(in.rest());
  for (size_t i = 0; i < repeat; ++i) value += unit;

  std::vector<std::string> encoded = {encode_entry(meta, value, compression)};
  if (std::optional<std::string> zstd = encode_compressed_entry(meta, bytes_of(value))) {
    encoded.push_back(std::move(*zstd));
  }
  EntryUnderConstruction built = reserve_entry(meta, value.size());
  std::memcpy(built.bytes.data() + built.payload_at, value.data(), value.size());
  seal_entry(built, value.size(), PayloadCompression::none, value.size());
  encoded.push_back(std::move(built.bytes));

  for (const std::string& bytes : encoded) {
    Result<DecodedEntry> decoded = decode_entry(bytes, value.size());
    FUZZ_CHECK(decoded.is_ok(), "an encoded entry does not decode: " + decoded.status().message());
    FUZZ_CHECK(decoded->value == value, "the value changed on the way");
    EntryMeta expected = meta;
    expected.raw_size = value.size();
    expected.compressed = decoded->meta.compressed;
    FUZZ_CHECK(same_meta(decoded->meta, expected),
               describe(decoded->meta) + " vs " + describe(expected));
    if (!value.empty()) {
      FUZZ_CHECK(!decode_entry(bytes, value.size() - 1).is_ok(),
                 "a value one byte over the limit was accepted");
    }
    check_readers(bytes_of(bytes));
  }
}

}  // namespace
}  // namespace sitecache::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sitecache::fuzz;
  return run_mode(
      data, size, [](std::span<const uint8_t> rest) { check_readers(rest); },
      [](std::span<const uint8_t> rest) {
        const std::string bytes = with_trailing_checksum(std::string(as_text(rest)));
        check_readers(bytes_of(bytes));
      },
      [](std::span<const uint8_t> rest) { check_round_trip(rest); });
}
