// The backend-key grammar (format/key_space.hpp): every key kind round-trips, and nothing
// outside the grammar parses as one of ours.
#include <gtest/gtest.h>

#include "format/key_space.hpp"
#include "sitecache/plugin_abi.h"

namespace sitecache {
namespace {

Digest digest_of(std::string_view text) {
  return hash_bytes(text);
}

TEST(KeySpace, EntryKeysRoundTripForEveryVersion) {
  const KeySpace keys("blog", 3);
  const Digest d = digest_of("page");
  EXPECT_EQ(keys.prefix(), "blog:");
  EXPECT_EQ(keys.entry(d), "blog:3:" + d.hex());
  for (int64_t version : {int64_t{0}, int64_t{1}, int64_t{42}, INT64_MAX}) {
    const std::string key = keys.entry(d, version);
    const ParsedKey parsed = keys.parse(key);
    EXPECT_EQ(parsed.kind, KeyKind::entry) << key;
    EXPECT_EQ(parsed.version, version) << key;
    EXPECT_EQ(parsed.digest, d) << key;
    EXPECT_TRUE(keys.is_entry(key));
  }
}

TEST(KeySpace, LeaseAndBuildKeysRoundTrip) {
  const KeySpace keys("sc", 1);
  const Digest d = digest_of("x");
  const ParsedKey lease = keys.parse(keys.lease(d));
  EXPECT_EQ(lease.kind, KeyKind::lease);
  EXPECT_EQ(lease.digest, d);
  EXPECT_EQ(keys.build_head(), "sc:builds:head");
  EXPECT_EQ(keys.parse(keys.build_head()).kind, KeyKind::build_head);
  for (uint64_t generation : {uint64_t{1}, uint64_t{12}, uint64_t{9999999999}, UINT64_MAX}) {
    const std::string key = keys.build_record(generation);
    const ParsedKey parsed = keys.parse(key);
    EXPECT_EQ(parsed.kind, KeyKind::build_record) << key;
    EXPECT_EQ(parsed.generation, generation) << key;
  }
  EXPECT_EQ(keys.build_record(12), "sc:builds:0000000012");  // sorts by age
  const ParsedKey blob = keys.parse(keys.blob(d));
  EXPECT_EQ(blob.kind, KeyKind::blob);
  EXPECT_EQ(blob.digest, d);
  EXPECT_EQ(keys.blob(d), "sc:blob:" + d.hex());
  EXPECT_FALSE(keys.is_entry(keys.blob(d)));
  EXPECT_FALSE(keys.is_entry(keys.lease(d)));
  EXPECT_FALSE(keys.is_entry(keys.build_head()));
}

TEST(KeySpace, KeysOutsideTheGrammarAreForeign) {
  const KeySpace keys("sc", 1);
  const std::string hex = digest_of("x").hex();
  for (const std::string& key : {
           "other:1:" + hex,                      // another prefix
           "sc2:1:" + hex,                        // a prefix that extends ours
           "sc:1:" + hex.substr(1),               // short digest
           "sc:1:" + hex + "0",                   // long digest
           "sc:1:" + std::string(32, 'A'),        // upper case: not the spelling we write
           "sc:01:" + hex,                        // leading zero
           "sc:-1:" + hex,                        // sign
           "sc::" + hex,                          // no version
           "sc:" + hex,                           // no version field at all
           "sc:99999999999999999999:" + hex,      // beyond int64
           std::string("sc:builds:12"),           // not zero-padded
           std::string("sc:builds:00000000012"),  // padded past 10 digits
           std::string("sc:builds:"),
           std::string("sc:builds:heads"),
           "sc:lease:" + hex.substr(2),
           "sc:blob:" + hex + "0",
           std::string("sc:"),
           std::string(""),
       }) {
    EXPECT_EQ(keys.parse(key).kind, KeyKind::foreign) << "'" << key << "'";
  }
}

TEST(KeySpace, KeysFitTheAbiLimit) {
  const KeySpace keys(std::string(64, 'p'), INT64_MAX);  // the longest prefix config allows
  const Digest d = digest_of("x");
  for (const std::string& key :
       {keys.entry(d), keys.lease(d), keys.build_head(), keys.build_record(UINT64_MAX)}) {
    EXPECT_LE(key.size(), size_t{SC_MAX_KEY_LENGTH}) << key;
    for (char c : key) EXPECT_TRUE(c > ' ' && c < 127) << key;
  }
}

}  // namespace
}  // namespace sitecache
