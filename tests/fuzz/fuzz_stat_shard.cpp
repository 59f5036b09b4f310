// libFuzzer harness: the stat-cache shard reader (core/src/memo/stat_cache_format.hpp).
//
// The first byte picks a mode, the second the shard number:
//   0  the rest is a stored shard file, as the file hasher reads it;
//   1  the rest is a shard without its checksum, which the harness appends, so that
//      mutations reach the record count and the records behind the checksum;
//   2  the rest describes records, which are encoded and decoded again.
// Properties:
//   - nothing unverified is accepted: an accepted shard ends with XXH3-64 of the bytes
//     before it;
//   - every record of an accepted shard belongs to that shard (stat_shard_of);
//   - an accepted shard re-encodes to a shard that decodes to the same table;
//   - decode(encode(x)) == x for a table of records of one shard (mode 2).
#include <xxhash.h>

#include <cstring>

#include "fuzz_support.hpp"
#include "memo/stat_cache_format.hpp"

namespace sitecache::fuzz {
namespace {

void check_stored(std::string_view bytes, size_t shard) {
  std::optional<StatTable> table = decode_stat_shard(bytes, shard);
  if (!table) return;
  FUZZ_CHECK(bytes.size() >= 8, "accepted fewer bytes than a checksum");
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  FUZZ_CHECK(stored == XXH3_64bits(bytes.data(), bytes.size() - 8),
             "accepted a shard whose checksum does not verify");
  for (const auto& [path, file] : *table) {
    FUZZ_CHECK(stat_shard_of(path) == shard, "a record of another shard was accepted");
  }
  std::optional<StatTable> again = decode_stat_shard(encode_stat_shard(*table), shard);
  FUZZ_CHECK(again.has_value(), "a re-encoded shard does not decode");
  FUZZ_CHECK(*again == *table, "re-encoding changed the shard");
}

void check_round_trip(std::span<const uint8_t> data, size_t shard) {
  Choices in(data);
  StatTable table;
  for (size_t n = in.byte() % 16; n > 0; --n) {
    std::string path = in.text(80);
    RememberedFile file;
    file.stamp.size = in.number(UINT64_MAX);
    file.stamp.mtime_ns = static_cast<int64_t>(in.number(UINT64_MAX));
    file.stamp.ctime_ns = static_cast<int64_t>(in.number(UINT64_MAX));
    file.stamp.inode = in.number(UINT64_MAX);
    file.stamp.device = in.number(UINT64_MAX);
    for (uint8_t& b : file.digest.bytes) b = in.byte();
    if (stat_shard_of(path) == shard) table[path] = file;
  }
  const std::string bytes = encode_stat_shard(table);
  std::optional<StatTable> decoded = decode_stat_shard(bytes, shard);
  FUZZ_CHECK(decoded.has_value(), "an encoded shard does not decode");
  FUZZ_CHECK(*decoded == table, "the shard changed on the way");
  check_stored(bytes, shard);
}

}  // namespace
}  // namespace sitecache::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sitecache::fuzz;
  if (size < 2) return 0;
  const size_t shard = data[1] % sitecache::kStatCacheShards;
  const std::span<const uint8_t> rest(data + 2, size - 2);
  switch (data[0] % 3) {
    case 0:
      check_stored(as_text(rest), shard);
      break;
    case 1: {
      std::string bytes(as_text(rest));
      const uint64_t checksum = XXH3_64bits(bytes.data(), bytes.size());
      bytes.append(reinterpret_cast<const char*>(&checksum), 8);  // little-endian hosts
      check_stored(bytes, shard);
      break;
    }
    default:
      check_round_trip(rest, shard);
  }
  return 0;
}
