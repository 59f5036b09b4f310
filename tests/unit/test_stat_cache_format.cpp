// The stat cache's shard format (memo/stat_cache_format.hpp): round trip, and every
// damaged or misplaced shard decodes to nothing.
#include <gtest/gtest.h>

#include "memo/stat_cache_format.hpp"

namespace sitecache {
namespace {

// Records whose paths all belong to `shard`.
StatTable records_in(size_t shard, int count) {
  StatTable table;
  for (int i = 0; static_cast<int>(table.size()) < count; ++i) {
    std::string path = "/site/content/page-" + std::to_string(i) + ".md";
    if (stat_shard_of(path) != shard) continue;
    RememberedFile r;
    r.stamp = FileStamp{static_cast<uint64_t>(i), i * 1000LL, i * 2000LL, 77u + i, 3u};
    r.digest = hash_bytes(path);
    table.emplace(path, r);
  }
  return table;
}

TEST(StatCacheFormat, ShardNamesAreTwoHexDigits) {
  EXPECT_EQ(stat_shard_name(0), "00");
  EXPECT_EQ(stat_shard_name(0xa7), "a7");
  EXPECT_EQ(stat_shard_name(255), "ff");
}

TEST(StatCacheFormat, DecodeOfEncodeIsIdentity) {
  const StatTable table = records_in(42, 20);
  std::optional<StatTable> back = decode_stat_shard(encode_stat_shard(table), 42);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, table);
  EXPECT_EQ(decode_stat_shard(encode_stat_shard({}), 9).value().size(), 0u);
}

TEST(StatCacheFormat, ARecordOfAnotherShardMakesTheShardInvalid) {
  EXPECT_FALSE(decode_stat_shard(encode_stat_shard(records_in(42, 3)), 43).has_value());
}

TEST(StatCacheFormat, EveryTruncationAndEveryFlippedByteIsRefused) {
  const std::string bytes = encode_stat_shard(records_in(5, 4));
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_stat_shard(std::string_view(bytes).substr(0, n), 5).has_value()) << n;
    std::string flipped = bytes;
    flipped[n] = static_cast<char>(flipped[n] ^ 0x01);
    EXPECT_FALSE(decode_stat_shard(flipped, 5).has_value()) << n;
  }
}

}  // namespace
}  // namespace sitecache
