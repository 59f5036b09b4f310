#include "sitecache/key.hpp"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "format/entry_format.hpp"
#include "format/plain_key.hpp"
#include "temp_dir.hpp"

namespace sitecache {
namespace {

// Builds the framing of key.hpp's grammar by hand, independently of KeyBuilder.
class ManualFraming {
 public:
  ManualFraming(std::string_view step, uint64_t version) {
    bytes_ += "sitecache-key";
    u32(kKeyFormatVersion);
    u32(kEntryFormatVersion);
    field(9, step);
    u64_field(4, version);
  }
  void field(uint8_t tag, std::string_view data) {
    bytes_.push_back(static_cast<char>(tag));
    u64(data.size());
    bytes_ += data;
  }
  void u64_field(uint8_t tag, uint64_t v) {
    std::string le;
    for (int i = 0; i < 8; ++i) le.push_back(static_cast<char>(v >> (8 * i)));
    field(tag, le);
  }
  std::string hex() const {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(bytes_.data(), bytes_.size()));
    Digest d;
    std::memcpy(d.bytes.data(), c.digest, 16);
    return d.hex();
  }

 private:
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string bytes_;
};

TEST(Key, GoldenValueNeverDrifts) {
  // If this fails, the key format changed: every stored entry of every user is lost.
  // Bump kKeyFormatVersion and update the value only on purpose.
  Digest d = KeyBuilder("render-page", 3).add_string("posts/hello.md").add_int(-7).finish();
  EXPECT_EQ(d.hex(), "99c08a19a9c070bb2dc5990efed81332");
}

TEST(Key, MatchesTheDocumentedGrammar) {
  ManualFraming manual("render-page", 3);
  manual.field(2, "posts/hello.md");
  manual.u64_field(3, static_cast<uint64_t>(int64_t{-7}));
  manual.u64_field(4, 42);
  std::string digest_bytes(16, '\x5a');
  manual.field(5, digest_bytes);
  Digest nested;
  nested.bytes.fill(0x5a);
  Digest built = KeyBuilder("render-page", 3)
                     .add_string("posts/hello.md")
                     .add_int(-7)
                     .add_uint(42)
                     .add_digest(nested)
                     .finish();
  EXPECT_EQ(built.hex(), manual.hex());
}

TEST(Key, FieldBoundariesNeverCollide) {
  auto two = [](std::string_view a, std::string_view b) {
    return KeyBuilder("s", 1).add_string(a).add_string(b).finish();
  };
  EXPECT_NE(two("ab", "c"), two("a", "bc"));
  EXPECT_NE(two("", "abc"), two("abc", ""));
  // Same bytes as string vs bytes vs file digest are distinct fields.
  std::string text(16, 'x');
  Digest as_digest;
  as_digest.bytes.fill('x');
  auto raw = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), 16);
  std::set<Digest> all = {
      KeyBuilder("s", 1).add_string(text).finish(),
      KeyBuilder("s", 1).add_bytes(raw).finish(),
      KeyBuilder("s", 1).add_digest(as_digest).finish(),
      KeyBuilder("s", 1).add_file_digest(as_digest).finish(),
  };
  EXPECT_EQ(all.size(), 4u);
  // Lists bracket their elements.
  Digest ab_c = KeyBuilder("s", 1)
                    .begin_list(2)
                    .add_string("a")
                    .add_string("b")
                    .end_list()
                    .begin_list(1)
                    .add_string("c")
                    .end_list()
                    .finish();
  Digest a_bc = KeyBuilder("s", 1)
                    .begin_list(1)
                    .add_string("a")
                    .end_list()
                    .begin_list(2)
                    .add_string("b")
                    .add_string("c")
                    .end_list()
                    .finish();
  EXPECT_NE(ab_c, a_bc);
}

TEST(Key, StepNameAndVersionSaltTheKey) {
  Digest base = KeyBuilder("page", 1).add_string("x").finish();
  EXPECT_NE(base, KeyBuilder("page", 2).add_string("x").finish());
  EXPECT_NE(base, KeyBuilder("pag", 1).add_string("x").finish());
  EXPECT_EQ(base, KeyBuilder("page", 1).add_string("x").finish());
  EXPECT_NE(KeyBuilder("s", 1).add_int(1).finish(), KeyBuilder("s", 1).add_uint(1).finish());
  EXPECT_NE(KeyBuilder("s", 1).add_bool(true).finish(), KeyBuilder("s", 1).add_int(1).finish());
}

TEST(Key, CopiesContinueIndependently) {
  KeyBuilder common("s", 1);
  common.add_string("shared");
  KeyBuilder a = common;
  KeyBuilder b = common;
  a.add_string("a");
  b.add_string("b");
  EXPECT_NE(a.finish(), b.finish());
  EXPECT_EQ(a.finish(), KeyBuilder("s", 1).add_string("shared").add_string("a").finish());
}

TEST(Key, FileContentNotPath) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& content) {
    return dir.write(name, content);
  };
  auto p1 = write("a.md", "hello");
  auto p2 = write("b.md", "hello");
  auto key = [](const std::filesystem::path& p) {
    KeyBuilder k("s", 1);
    EXPECT_TRUE(k.add_file(p).is_ok());
    return k.finish();
  };
  EXPECT_EQ(key(p1), key(p2));
  write("b.md", "hellp");
  EXPECT_NE(key(p1), key(p2));
  EXPECT_EQ(hash_file(p1).value(), hash_bytes(std::string_view("hello")));
  KeyBuilder k("s", 1);
  Status missing = k.add_file(dir.path() / "missing.md");
  EXPECT_EQ(missing.code(), StatusCode::not_found);
  EXPECT_NE(missing.message().find("missing.md"), std::string::npos);
}

TEST(Digest, HexRoundTripAndRejects) {
  Digest d = plain_key_digest("menu");
  EXPECT_EQ(d.hex().size(), 32u);
  EXPECT_EQ(Digest::from_hex(d.hex()).value(), d);
  EXPECT_FALSE(Digest::from_hex("abc").is_ok());
  EXPECT_FALSE(Digest::from_hex(std::string(32, 'g')).is_ok());
  EXPECT_NE(plain_key_digest("menu"), plain_key_digest("menu "));
  std::string appended = "prefix:";
  d.append_hex(appended);
  EXPECT_EQ(appended, "prefix:" + d.hex());
}

// plain_key_digest hashes in one call what KeyBuilder streams; both must agree for every
// length (XXH3 takes different paths at 16, 128 and 240 bytes, and the stack buffer ends
// at 512), and never drift.
TEST(Key, PlainKeyDigestIsTheKeyBuilderDigest) {
  for (size_t length : {0, 1, 15, 16, 17, 100, 128, 129, 239, 240, 241, 400, 460, 470, 512, 4096}) {
    std::string key(length, 'k');
    for (size_t i = 0; i < length; ++i) key[i] = static_cast<char>('a' + i % 26);
    EXPECT_EQ(plain_key_digest(key), KeyBuilder("sitecache.plain-key", 1).add_string(key).finish())
        << length;
  }
  EXPECT_EQ(plain_key_digest("menu").hex(), "b710cc986f49343481821f44ee2c082b");
}

}  // namespace
}  // namespace sitecache
