// The binary build record (format/build_record_format.hpp): round trips, lookups by slot,
// and rejection of every damaged or inconsistent record.
#include <gtest/gtest.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstring>

#include "format/build_record_format.hpp"

namespace sitecache {
namespace {

BuildRecord sample_record() {
  BuildRecord r;
  r.generation = 42;
  r.cache = "default";
  r.started_ms = 1'700'000'000'000;
  r.ended_ms = r.started_ms + 1234;
  r.hits = 3;
  r.misses = 1;
  r.errors = 0;
  r.bytes_read = 100;
  r.bytes_written = 200;
  r.saved_us = 5000;
  r.render_us = 700;
  r.steps["page"] = StepCounters{2, 1, 4000, 700};
  r.steps["highlight"] = StepCounters{1, 0, 1000, 0};
  RecordedUse page;
  page.key = "sc:1:" + std::string(32, 'a');
  page.step = "page";
  page.slot = "posts/a.md";
  page.hit = true;
  page.inputs = {{"source", "0123456789abcdef"}, {"layout", "fedcba9876543210"}};
  RecordedOutput html;
  html.path = "public/a/index.html";
  html.digest = hash_bytes(std::string_view("<html>"));
  html.size = 6;
  html.mtime_ns = 1'700'000'000'123'456'789;
  html.inode = 77;
  html.ctime_ns = 1'700'000'001'000'000'007;
  html.mode = 0644;
  page.outputs = {html};
  page.cost_us = 1234;
  RecordedUse code = page;
  code.key = "sc:1:" + std::string(32, 'b');
  code.step = "highlight";
  code.slot = "";
  code.outputs.clear();
  code.parent = 0;
  RecordedUse other = page;
  other.key = "sc:1:" + std::string(32, 'c');
  other.slot = "posts/b.md";
  other.hit = false;
  other.not_stored = "exit status 1";
  r.uses = {page, code, other};
  return r;
}

// Recomputes the trailing checksum after a test edits the body.
void reseal(std::string& bytes) {
  const uint64_t sum = XXH3_64bits(bytes.data(), bytes.size() - 8);
  std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
}

TEST(BuildRecordFormat, RoundTripsEveryField) {
  const BuildRecord r = sample_record();
  const std::string bytes = r.encode();
  EXPECT_TRUE(is_binary_build_record(bytes));
  Result<BuildRecord> back = BuildRecord::decode(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->to_json(), r.to_json());
  EXPECT_EQ(back->uses[1].parent, 0);
  EXPECT_EQ(back->uses[0].outputs, r.uses[0].outputs);
  // The JSON form carries the same fields.
  EXPECT_EQ(BuildRecord::from_json(r.to_json())->to_json(), r.to_json());
}

TEST(BuildRecordFormat, FindsAUseByStepAndSlot) {
  const std::string bytes = sample_record().encode();
  Result<BuildRecordView> view = BuildRecordView::open(bytes);
  ASSERT_TRUE(view.is_ok()) << view.status().to_string();
  EXPECT_EQ(view->generation(), 42u);
  EXPECT_EQ(view->find("page", "posts/b.md"), std::optional<size_t>(2));
  EXPECT_EQ(view->find("page", "posts/a.md"), std::optional<size_t>(0));
  EXPECT_EQ(view->find("highlight", ""), std::optional<size_t>(1));
  EXPECT_EQ(view->find("page", "posts/c.md"), std::nullopt);
  EXPECT_EQ(view->find("feed", "posts/a.md"), std::nullopt);
  const BuildRecordView::Use use = view->use(0);
  EXPECT_EQ(use.key, sample_record().uses[0].key);
  ASSERT_EQ(use.output_count, 1u);
  EXPECT_EQ(view->output(use.first_output).path, "public/a/index.html");
  EXPECT_EQ(view->input(use.first_input).digest, 0x0123456789abcdefu);
}

TEST(BuildRecordFormat, AnEmptyRecordRoundTrips) {
  BuildRecord empty;
  Result<BuildRecord> back = BuildRecord::decode(empty.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->to_json(), empty.to_json());
}

TEST(BuildRecordFormat, EveryTruncationAndEveryBitFlipIsRejected) {
  const std::string bytes = sample_record().encode();
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(BuildRecordView::open(bytes.substr(0, size)).is_ok()) << "size " << size;
  }
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
      EXPECT_FALSE(BuildRecordView::open(damaged).is_ok()) << "byte " << at << " bit " << bit;
    }
  }
  std::string longer = bytes + "x";
  EXPECT_FALSE(BuildRecordView::open(longer).is_ok());
}

// Records whose checksum is right but whose fields are not: a writer's bug or a crafted
// entry. Each must be rejected, never read out of bounds.
TEST(BuildRecordFormat, ConsistentChecksumButBadFieldsIsRejected) {
  const std::string good = sample_record().encode();
  Result<BuildRecordView> view = BuildRecordView::open(good);
  ASSERT_TRUE(view.is_ok());
  const uint32_t strings = [&] {
    uint32_t n;
    std::memcpy(&n, good.data() + 104, 4);
    return n;
  }();
  const size_t uses_at = good.size() - 8 - 16 * 3 - 56 * 2 - 12 * 6 - 48 * 3;
  uint32_t first_key = 0;  // string 0 is the cache name, string 1 the first use's key
  std::memcpy(&first_key, good.data() + uses_at, 4);
  ASSERT_EQ(first_key, 1u) << "the uses table is not where this test expects it";
  struct Edit {
    const char* what;
    size_t at;
    uint32_t value;
  };
  for (const Edit& edit : {
           Edit{"version", 4, 9},
           Edit{"cache name out of range", 96, strings},
           Edit{"use count", 112, 4},
           Edit{"use key out of range", uses_at, strings},
           Edit{"use parent pointing forward", uses_at + 48 + 12, 1},
           Edit{"use parent below -1", uses_at + 12, 0xFFFFFFF0u},
           Edit{"unknown flags", uses_at + 16, 2},
           Edit{"inputs past the table", uses_at + 20, 5},
           Edit{"outputs past the table", uses_at + 32, 3},
       }) {
    std::string bad = good;
    std::memcpy(bad.data() + edit.at, &edit.value, 4);
    reseal(bad);
    EXPECT_FALSE(BuildRecordView::open(bad).is_ok()) << edit.what;
  }
}

// The sample record (two outputs) in the version-3 layout: the output rows without
// ctime_ns. The index (3 uses) and the checksum follow the outputs.
std::string as_version_three(const BuildRecord& record) {
  std::string bytes = record.encode();
  EXPECT_EQ(bytes[4], 4);
  const size_t outputs_at = bytes.size() - 8 - 16 * 3 - 56 * 2;
  bytes.erase(outputs_at + 56 + 48, 8);
  bytes.erase(outputs_at + 48, 8);
  bytes[4] = 3;
  reseal(bytes);
  return bytes;
}

// Version 3 lacked each output's ctime_ns; its records still decode, with 0 (which no
// file on disk has, so the next build checks those outputs instead of skipping them).
TEST(BuildRecordFormat, VersionThreeRecordsStillDecode) {
  const BuildRecord record = sample_record();
  Result<BuildRecord> decoded = BuildRecord::decode(as_version_three(record));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->uses.size(), record.uses.size());
  ASSERT_EQ(decoded->uses[0].outputs.size(), 1u);
  EXPECT_EQ(decoded->uses[0].outputs[0].ctime_ns, 0);
  EXPECT_EQ(decoded->uses[0].outputs[0].inode, 77u);
  EXPECT_EQ(decoded->uses[2].outputs[0].path, record.uses[2].outputs[0].path);
  Result<BuildRecord> current = BuildRecord::decode(record.encode());
  ASSERT_TRUE(current.is_ok());
  EXPECT_EQ(current->uses[0].outputs[0].ctime_ns, record.uses[0].outputs[0].ctime_ns);
}

// Version 2 lacked rejected:u64 after render_us; its records still decode, with 0.
TEST(BuildRecordFormat, VersionTwoRecordsStillDecode) {
  BuildRecord record = sample_record();
  record.rejected = 5;
  std::string v2 = as_version_three(record);
  v2.erase(88, 8);
  v2[4] = 2;
  reseal(v2);
  Result<BuildRecord> decoded = BuildRecord::decode(v2);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->rejected, 0u);
  EXPECT_EQ(decoded->render_us, record.render_us);
  EXPECT_EQ(decoded->cache, record.cache);
  ASSERT_EQ(decoded->uses.size(), record.uses.size());
  EXPECT_EQ(decoded->uses[0].key, record.uses[0].key);
  Result<BuildRecord> current = BuildRecord::decode(record.encode());
  ASSERT_TRUE(current.is_ok());
  EXPECT_EQ(current->rejected, 5u);
}

// Finding of fuzz_build_record (corpus/build_record/index-hash-of-another-use): a slot
// index that is sorted but whose hashes are not those of the uses they name was accepted,
// and find() then missed uses that are in the record.
TEST(BuildRecordFormat, ASlotIndexMustNameEachUseUnderItsOwnHash) {
  const std::string good = sample_record().encode();
  ASSERT_TRUE(BuildRecordView::open(good).is_ok());
  const size_t index_at = good.size() - 8 - 16 * 3;
  // Every entry gets the first entry's hash, and the uses 0, 1, 2 in order: sorted by
  // (hash, use), each use named once, but two of them under another use's hash.
  std::string bad = good;
  for (uint32_t use = 0; use < 3; ++use) {
    std::memcpy(bad.data() + index_at + 16 * use, good.data() + index_at, 8);
    std::memcpy(bad.data() + index_at + 16 * use + 8, &use, 4);
  }
  reseal(bad);
  EXPECT_FALSE(BuildRecordView::open(bad).is_ok());
  // One use named twice (the same entry repeated), another not at all.
  std::string twice = good;
  std::memcpy(twice.data() + index_at + 16, good.data() + index_at, 16);
  reseal(twice);
  EXPECT_FALSE(BuildRecordView::open(twice).is_ok());
}

// Finding of fuzz_build_record (corpus/build_record/json-parent-below-minus-one): a
// version-1 record's parent that names no earlier use decoded as itself, and the binary
// writer then stored -1: the record changed on re-encoding.
TEST(BuildRecordFormat, AVersionOneParentThatNamesNoEarlierUseIsNone) {
  const std::string json =
      R"({"format_version":1,"generation":7,"cache":"default","uses":[)"
      R"({"key":"a","step":"page","slot":"x","parent":-2,"inputs":[],"outputs":[]},)"
      R"({"key":"b","step":"page","slot":"y","parent":1,"inputs":[],"outputs":[]},)"
      R"({"key":"c","step":"page","slot":"z","parent":0,"inputs":[],"outputs":[]}]})";
  Result<BuildRecord> record = BuildRecord::decode(json);
  ASSERT_TRUE(record.is_ok()) << record.status().message();
  ASSERT_EQ(record->uses.size(), 3u);
  EXPECT_EQ(record->uses[0].parent, -1);
  EXPECT_EQ(record->uses[1].parent, -1) << "itself is not an earlier use";
  EXPECT_EQ(record->uses[2].parent, 0);
  Result<BuildRecord> again = BuildRecord::decode(record->encode());
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->to_json(), record->to_json());
}

// Finding of fuzz_build_record in a CI smoke run (corpus/build_record/
// json-input-digest-not-hex): a version-1 input digest that is not 16 lowercase hex
// digits was accepted, and the binary format, which holds it as 64 bits, changed it.
TEST(BuildRecordFormat, AVersionOneInputDigestMustBeSixteenHexDigits) {
  auto record_with = [](const std::string& digest) {
    return R"({"format_version":1,"generation":7,"cache":"default","uses":[)"
           R"({"key":"a","step":"page","slot":"x","inputs":[["content",")" +
           digest + R"("]],"outputs":[]}]})";
  };
  for (const char* bad : {"00000000000002a!", "0000000000002A", "000000000000002A",
                          "00000000000002a", "00000000000002a00", ""}) {
    Result<BuildRecord> r = BuildRecord::decode(record_with(bad));
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::corruption) << bad;
    EXPECT_NE(r.status().message().find("input digest"), std::string::npos) << bad;
  }
  Result<BuildRecord> good = BuildRecord::decode(record_with("00000000000002af"));
  ASSERT_TRUE(good.is_ok()) << good.status().to_string();
  Result<BuildRecord> again = BuildRecord::decode(good->encode());
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->to_json(), good->to_json());
}

// Finding of fuzz_build_record under UBSan (corpus/build_record/json-float-beyond-uint64):
// a number such as 6.7e31 where the record holds an integer was converted with undefined
// behaviour. A float, or an integer out of the field's range, is a malformed record.
TEST(BuildRecordFormat, AVersionOneNumberMustBeAWholeNumberInRange) {
  auto with_use = [](const std::string& field) {
    return R"({"format_version":1,"generation":7,"uses":[{"key":"a","step":"page",)"
           R"("slot":"x","inputs":[],"outputs":[{"path":"p",)" +
           field + R"(}]}]})";
  };
  for (const std::string& text :
       {std::string(R"({"format_version":1,"hits":66666666666666666666666666666660})"),
        std::string(R"({"format_version":1,"hits":1.5})"),
        std::string(R"({"format_version":1,"misses":-1})"),
        std::string(R"({"format_version":1,"started_ms":18446744073709551615})"),
        std::string(R"({"format_version":1,"steps":{"page":{"render_us":1e300}}})"),
        with_use(R"("mode":4294967296)"), with_use(R"("mtime_ns":-1e30)"),
        with_use(R"("size":-5)")}) {
    Result<BuildRecord> r = BuildRecord::decode(text);
    ASSERT_FALSE(r.is_ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::corruption) << text;
    EXPECT_NE(r.status().message().find("a whole number"), std::string::npos)
        << r.status().message();
  }
  Result<BuildRecord> fine = BuildRecord::decode(with_use(R"("mode":420,"mtime_ns":-3)"));
  ASSERT_TRUE(fine.is_ok()) << fine.status().to_string();
  EXPECT_EQ(fine->uses.at(0).outputs.at(0).mode, 420u);
  EXPECT_EQ(fine->uses.at(0).outputs.at(0).mtime_ns, -3);
}

TEST(BuildRecordFormat, VersionOneJsonRecordsStillDecode) {
  const std::string v1 =
      R"({"format_version":1,"generation":7,"cache":"default","started_ms":1,"ended_ms":2,)"
      R"("hits":1,"misses":0,"steps":{"page":{"hits":1}},"uses":[{"key":"sc:1:ab","step":"page",)"
      R"("slot":"a.md","hit":true,"inputs":[["source","0123456789abcdef"]]}]})";
  Result<BuildRecord> r = BuildRecord::decode(v1);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->generation, 7u);
  ASSERT_EQ(r->uses.size(), 1u);
  EXPECT_EQ(r->uses[0].parent, -1);
  EXPECT_TRUE(r->uses[0].outputs.empty());
}

// Finding (issue 17): a version-1 record nested 200,000 levels deep under "steps" or
// "uses" recursed through nlohmann's copies until the stack overflowed (`stats`, `explain`
// and `clear --stale` crashed). Now refused, by a scan that does not recurse.
TEST(BuildRecordFormat, DeeplyNestedVersionOneRecordIsCorruptionNotACrash) {
  constexpr size_t kDepth = 200'000;
  const std::string head = R"({"format_version":1,"generation":1,)";
  for (const std::string& member : {std::string("steps"), std::string("uses")}) {
    for (const char* bracket : {"[", "{\"a\":"}) {
      std::string text = head + "\"" + member + "\":";
      for (size_t i = 0; i < kDepth; ++i) text += bracket;
      Result<BuildRecord> r = BuildRecord::decode(text);
      ASSERT_FALSE(r.is_ok()) << member << " " << bracket;
      EXPECT_EQ(r.status().code(), StatusCode::corruption);
      EXPECT_NE(r.status().message().find("nests deeper than"), std::string::npos)
          << r.status().message();
    }
  }
  // Brackets inside strings are text, not nesting.
  const std::string quoted = head + R"("cache":")" + std::string(kDepth, '[') + R"("})";
  Result<BuildRecord> r = BuildRecord::decode(quoted);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->cache.size(), kDepth);
}

TEST(BuildRecordFormat, VersionOneRecordWithWrongTypesIsCorruption) {
  for (const char* text : {
           R"({"format_version":1,"steps":[]})",
           R"({"format_version":1,"uses":{}})",
           R"({"format_version":1,"uses":[{"inputs":{}}]})",
           R"({"format_version":1,"uses":[{"outputs":"x"}]})",
           R"({"format_version":1,"uses":[7]})",
           R"({"format_version":1,"steps":{"page":7}})",
       }) {
    Result<BuildRecord> r = BuildRecord::decode(text);
    ASSERT_FALSE(r.is_ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::corruption) << text;
  }
}

}  // namespace
}  // namespace sitecache
