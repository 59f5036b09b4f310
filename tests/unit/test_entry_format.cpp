#include "format/entry_format.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "sitecache/config.hpp"
#include "zero_frame.hpp"

namespace sitecache {
namespace {

EntryMeta sample_meta() {
  EntryMeta meta;
  meta.created_ms = 1700000000000;
  meta.expires_ms = 1700000600000;
  meta.generation = 12;
  meta.cost_us = 3456;
  meta.label = "render-page";
  meta.slot = "content/posts/hello.md";
  meta.tags = {"posts", "cpp"};
  return meta;
}

std::string html(size_t n) {
  std::string out;
  while (out.size() < n) out += "<p>The <em>quick</em> brown fox jumps over the lazy dog.</p>\n";
  out.resize(n);
  return out;
}

TEST(EntryFormat, RoundTripsEverything) {
  for (auto compression : {PayloadCompression::none, PayloadCompression::zstd}) {
    for (std::string value :
         {std::string(), std::string("x"), std::string("\0\1\2", 3), html(100000)}) {
      std::string bytes = encode_entry(sample_meta(), value, compression);
      Result<DecodedEntry> decoded = decode_entry(bytes);
      ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
      EXPECT_EQ(decoded->value, value);
      EXPECT_EQ(decoded->meta.label, "render-page");
      EXPECT_EQ(decoded->meta.slot, "content/posts/hello.md");
      EXPECT_EQ(decoded->meta.tags, (std::vector<std::string>{"posts", "cpp"}));
      EXPECT_EQ(decoded->meta.generation, 12u);
      EXPECT_EQ(decoded->meta.cost_us, 3456u);
      EXPECT_EQ(decoded->meta.expires_ms, 1700000600000);
      EXPECT_EQ(decoded->meta.raw_size, value.size());
    }
  }
}

TEST(EntryFormat, CompressesOnlyWhenWorthwhile) {
  std::string big = html(64 * 1024);
  std::string compressed = encode_entry(sample_meta(), big, PayloadCompression::zstd);
  EXPECT_LT(compressed.size(), big.size() / 4);
  EXPECT_TRUE(decode_entry(compressed)->meta.compressed);
  // Random bytes do not compress: stored raw.
  std::mt19937 rng(7);
  std::string noise(8192, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  auto stored = decode_entry(encode_entry(sample_meta(), noise, PayloadCompression::zstd));
  EXPECT_FALSE(stored->meta.compressed);
  EXPECT_EQ(stored->value, noise);
  // Tiny values are never compressed.
  EXPECT_FALSE(
      decode_entry(encode_entry(sample_meta(), "aaaa", PayloadCompression::zstd))->meta.compressed);
}

TEST(EntryFormat, EveryTruncationIsCorruption) {
  std::string bytes = encode_entry(sample_meta(), html(3000), PayloadCompression::zstd);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<DecodedEntry> decoded = decode_entry(std::string_view(bytes.data(), n));
    ASSERT_FALSE(decoded.is_ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(decoded.status().code(), StatusCode::corruption);
  }
}

TEST(EntryFormat, EveryFlippedBitIsCorruption) {
  std::string bytes = encode_entry(sample_meta(), html(700), PayloadCompression::zstd);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      ASSERT_FALSE(decode_entry(damaged).is_ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(EntryFormat, RejectsOtherVersionsMagicAndTrailingBytes) {
  std::string bytes = encode_entry(sample_meta(), "value", PayloadCompression::none);
  std::string other_version = bytes;
  other_version[3] = 2;
  EXPECT_NE(decode_entry(other_version).status().message().find("version 2"), std::string::npos);
  std::string other_magic = bytes;
  other_magic[0] = 'X';
  EXPECT_EQ(decode_entry(other_magic).status().code(), StatusCode::corruption);
  EXPECT_FALSE(decode_entry(bytes + "x").is_ok());
  EXPECT_FALSE(decode_entry(std::string_view("SCE")).is_ok());
}

TEST(EntryFormat, RandomGarbageNeverDecodes) {
  std::mt19937 rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (junk.size() >= 4) junk.replace(0, 4, std::string("SCE\x01", 4));
    EXPECT_FALSE(decode_entry(junk).is_ok());
  }
}

TEST(EntryFormat, MetaDecodeSkipsPayload) {
  std::string bytes = encode_entry(sample_meta(), html(5000), PayloadCompression::zstd);
  auto span =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  Result<EntryMeta> meta = decode_entry_meta(span);
  ASSERT_TRUE(meta.is_ok());
  EXPECT_EQ(meta->raw_size, 5000u);
  EXPECT_TRUE(meta->compressed);
}

// take_entry() on bytes that are overwritten right after it, as a backend's buffer is
// once its call returns, then finish_entry().
Result<DecodedEntry> decode_in_two_steps(std::string bytes) {
  Result<VerifiedEntry> taken = take_entry(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  std::fill(bytes.begin(), bytes.end(), '\xA5');
  if (!taken) return taken.status();
  return finish_entry(std::move(*taken));
}

std::string every_byte_value(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 131 + i / 256) & 0xFF);
  return out;
}

TEST(EntryFormat, TwoStepDecodeIsByteExact) {
  for (auto compression : {PayloadCompression::none, PayloadCompression::zstd}) {
    for (const std::string& value :
         {std::string(), std::string("\0", 1), every_byte_value(1024), html(28 * 1024),
          every_byte_value(64 * 1024), html(64 * 1024)}) {
      std::string bytes = encode_entry(sample_meta(), value, compression);
      Result<DecodedEntry> decoded = decode_in_two_steps(bytes);
      ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
      EXPECT_TRUE(decoded->value == value) << value.size() << " bytes differ";
      EXPECT_EQ(decoded->meta.label, "render-page");
      EXPECT_EQ(decoded->meta.slot, "content/posts/hello.md");
      EXPECT_EQ(decoded->meta.tags, (std::vector<std::string>{"posts", "cpp"}));
      EXPECT_EQ(decoded->meta.created_ms, 1700000000000);
      EXPECT_EQ(decoded->meta.expires_ms, 1700000600000);
      EXPECT_EQ(decoded->meta.raw_size, value.size());
    }
  }
  // Both sorts of payload were exercised.
  EXPECT_TRUE(
      decode_in_two_steps(encode_entry(sample_meta(), html(28 * 1024), PayloadCompression::zstd))
          ->meta.compressed);
  EXPECT_FALSE(
      decode_in_two_steps(encode_entry(sample_meta(), html(28 * 1024), PayloadCompression::none))
          ->meta.compressed);
}

// Every byte of an entry (header, metadata, payload length, payload, checksum), flipped
// in every bit, is rejected as corruption by the two-step decode.
void expect_every_damage_rejected(const std::string& bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      Result<DecodedEntry> decoded = decode_in_two_steps(damaged);
      ASSERT_FALSE(decoded.is_ok()) << "byte " << i << " of " << bytes.size() << " bit " << bit;
      ASSERT_EQ(decoded.status().code(), StatusCode::corruption);
      // As if the checksum were verified first: past magic and version, whatever the
      // damage broke, a single flipped bit reads as a checksum mismatch.
      if (i > 3) {
        ASSERT_EQ(decoded.status().message(), "entry checksum mismatch") << i;
      }
    }
  }
}

TEST(EntryFormat, TwoStepDecodeRejectsEveryDamagedByte) {
  std::string uncompressed =
      encode_entry(sample_meta(), every_byte_value(1500), PayloadCompression::none);
  ASSERT_FALSE(decode_entry(uncompressed)->meta.compressed);
  expect_every_damage_rejected(uncompressed);
  std::string compressed = encode_entry(sample_meta(), html(3000), PayloadCompression::zstd);
  ASSERT_TRUE(decode_entry(compressed)->meta.compressed);
  expect_every_damage_rejected(compressed);
}

// The checksum is XXH3-64 whichever SIMD variant the core computes it with (this file
// calls the library's plain entry point): entries on disk are the same bytes as before.
TEST(EntryFormat, ChecksumIsPlainXxh3) {
  for (size_t n : {0, 100, 240, 241, 1024, 28 * 1024, 64 * 1024 + 3}) {
    std::string bytes = encode_entry(sample_meta(), every_byte_value(n), PayloadCompression::none);
    uint64_t stored = 0;
    for (size_t i = 0; i < 8; ++i) {
      stored |= uint64_t{static_cast<uint8_t>(bytes[bytes.size() - 8 + i])} << (8 * i);
    }
    EXPECT_EQ(stored, XXH3_64bits(bytes.data(), bytes.size() - 8)) << n << " bytes";
    EXPECT_TRUE(decode_in_two_steps(bytes).is_ok()) << n << " bytes";
  }
}

TEST(EntryFormat, TwoStepDecodeRejectsTruncationAndPayloadDamageAsChecksum) {
  std::string bytes = encode_entry(sample_meta(), html(2000), PayloadCompression::none);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_in_two_steps(bytes.substr(0, n)).is_ok()) << n << " bytes";
  }
  EXPECT_FALSE(decode_in_two_steps(bytes + "x").is_ok());
  // A damaged payload byte leaves the structure intact: the checksum catches it.
  std::string damaged = bytes;
  damaged[bytes.size() - 100] ^= 0x01;
  EXPECT_EQ(decode_in_two_steps(damaged).status().message(), "entry checksum mismatch");
}

// A valid entry (checksum and all) whose payload is `frame`, declaring `raw_size`.
std::string entry_around(std::string_view frame, uint64_t raw_size) {
  EntryUnderConstruction entry = reserve_entry(sample_meta(), frame.size());
  std::memcpy(entry.bytes.data() + entry.payload_at, frame.data(), frame.size());
  seal_entry(entry, frame.size(), PayloadCompression::zstd, raw_size);
  return std::move(entry.bytes);
}

// How decoding `bytes` with `max_value_size` went in a child process: whether the entry
// was refused, and how much the child's peak resident memory rose above a child that
// decoded a small entry (in MiB). A separate process, so that the peak is the decode's.
struct ChildDecode {
  bool refused = false;
  long extra_mib = 0;
};
ChildDecode decode_in_child(const std::string& bytes, uint64_t max_value_size) {
  auto peak_kib = [&](const std::string& entry, uint64_t limit, bool& refused) {
    const pid_t pid = ::fork();
    if (pid == 0) _exit(decode_entry(entry, limit).is_ok() ? 1 : 0);
    int status = 0;
    struct rusage usage {};
    EXPECT_EQ(::wait4(pid, &status, 0, &usage), pid);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    refused = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return usage.ru_maxrss;
  };
  bool small_refused = false;
  const long baseline = peak_kib(encode_entry(sample_meta(), "x", PayloadCompression::none),
                                 max_value_size, small_refused);
  EXPECT_FALSE(small_refused);
  ChildDecode result;
  result.extra_mib = (peak_kib(bytes, max_value_size, result.refused) - baseline) / 1024;
  return result;
}

// Finding (issue 17): a 36 KB entry whose frame inflates to 1 GiB made a reader allocate
// 1 GiB (sitegen wrote a 1 GiB page). A cache's max_value_size (64 MiB by default) now
// refuses it from the header, before anything is allocated.
TEST(EntryFormat, ADecompressionBombIsRefusedBeforeAnythingIsAllocated) {
  constexpr uint64_t kClaimed = uint64_t{1} << 30;
  const std::string bomb = entry_around(testing::zero_frame(kClaimed), kClaimed);
  ASSERT_LT(bomb.size(), 64u * 1024);
  Result<DecodedEntry> decoded = decode_entry(bomb, kDefaultMaxValueSize);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::corruption);
  EXPECT_EQ(decoded.status().message(),
            "value of 1073741824 bytes is over max_value_size (67108864 bytes)");
  const ChildDecode child = decode_in_child(bomb, kDefaultMaxValueSize);
  EXPECT_TRUE(child.refused);
  EXPECT_LT(child.extra_mib, 16) << "MiB allocated for a refused entry";
  // take_entry, the cache's read path, refuses it the same way.
  EXPECT_FALSE(take_entry(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bomb.data()),
                                                   bomb.size()),
                          kDefaultMaxValueSize)
                   .is_ok());
}

// A frame that claims more than it holds (cut after its first blocks) costs what it holds:
// the value grows in steps as the frame yields bytes, not to the claim at once.
TEST(EntryFormat, AFrameThatClaimsMoreThanItHoldsCostsOnlyWhatItHolds) {
  constexpr uint64_t kClaimed = uint64_t{512} << 20;
  const std::string cut = testing::zero_frame(kClaimed).substr(0, 64);
  const ChildDecode child = decode_in_child(entry_around(cut, kClaimed), kMaxValueSize);
  EXPECT_TRUE(child.refused);
  EXPECT_LT(child.extra_mib, 16) << "MiB allocated for a frame that holds almost nothing";
}

TEST(EntryFormat, LargeValuesInflateInStepsToTheExactBytes) {
  const std::string value = html((size_t{5} << 20) + 12345);  // several 1 MiB steps
  const std::string bytes = encode_entry(sample_meta(), value, PayloadCompression::zstd);
  ASSERT_LT(bytes.size(), value.size() / 4) << "the sample compresses";
  Result<DecodedEntry> decoded = decode_entry(bytes, kDefaultMaxValueSize);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_TRUE(decoded->value == value);
  // Declaring one byte less or more than the frame holds is corruption.
  const std::string frame = testing::zero_frame(value.size());
  EXPECT_TRUE(decode_entry(entry_around(frame, value.size())).is_ok());
  EXPECT_FALSE(decode_entry(entry_around(frame, value.size() - 1)).is_ok());
  EXPECT_FALSE(decode_entry(entry_around(frame, value.size() + 1)).is_ok());
}

TEST(EntryFormat, AnUncompressedValueOverTheLimitIsRefused) {
  const std::string bytes = encode_entry(sample_meta(), html(5000), PayloadCompression::none);
  EXPECT_TRUE(decode_entry(bytes, 5000).is_ok());
  Result<DecodedEntry> decoded = decode_entry(bytes, 4999);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().message(), "value of 5000 bytes is over max_value_size (4999 bytes)");
  // Listing reads metadata only and still shows the entry's size.
  Result<EntryMeta> meta = decode_entry_meta(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  ASSERT_TRUE(meta.is_ok());
  EXPECT_EQ(meta->raw_size, 5000u);
}

}  // namespace
}  // namespace sitecache
