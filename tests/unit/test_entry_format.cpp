#include "format/entry_format.hpp"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <random>

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

}  // namespace
}  // namespace sitecache
