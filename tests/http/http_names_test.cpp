// Key -> file name -> URL (names.hpp): reversible, never a path, never hidden, and the
// subdirectory hash is FNV-1a as documented.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "names.hpp"

namespace sitecache_http {
namespace {

TEST(HttpNames, FnvMatchesThePublishedTestVectors) {
  EXPECT_EQ(fnv1a_32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a_32("a"), 0xe40c292cu);
  EXPECT_EQ(fnv1a_32("foobar"), 0xbf9cf968u);
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ull);
}

TEST(HttpNames, OrdinaryKeysAreTheirOwnFileNameAndUrlSegment) {
  const std::string key = "blog:1:0123456789abcdef0123456789abcdef";
  EXPECT_EQ(file_name(key), key);
  Naming flat("http://h/c/", Layout::flat);
  EXPECT_EQ(flat.object_url(key), "http://h/c/" + key);
  EXPECT_EQ(flat.object_url("blog:builds:0000000012"), "http://h/c/blog:builds:0000000012");
}

TEST(HttpNames, EscapesPercentSlashAndALeadingDot) {
  EXPECT_EQ(file_name("a/b"), "a%2Fb");
  EXPECT_EQ(file_name("100%"), "100%25");
  EXPECT_EQ(file_name(".."), "%2E.");
  EXPECT_EQ(file_name(".hidden"), "%2Ehidden");
  EXPECT_EQ(file_name("a.b"), "a.b");
  // The URL then encodes the file name once more, so the server decodes back to it.
  Naming flat("http://h/c/", Layout::flat);
  EXPECT_EQ(flat.object_url("a/b c?#"), "http://h/c/a%252Fb%20c%3F%23");
  EXPECT_EQ(flat.object_url("~x_y-z.1:2"), "http://h/c/~x_y-z.1:2");
}

TEST(HttpNames, EveryPrintableKeyRoundTripsThroughItsFileName) {
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    std::string key(1 + rng() % 40, ' ');
    for (char& c : key) c = static_cast<char>('!' + rng() % 94);
    const std::string name = file_name(key);
    ASSERT_EQ(key_of_file_name(name), key) << key;
    ASSERT_EQ(name.find('/'), std::string::npos);
    ASSERT_NE(name.front(), '.');
  }
}

TEST(HttpNames, NamesWeDoNotWriteAreNotKeys) {
  for (const char* name : {"", "%", "%2", "%zz", "a%2fb", "x%2e", "%41", "%2e"}) {
    EXPECT_FALSE(key_of_file_name(name).has_value()) << name;
  }
  EXPECT_EQ(key_of_file_name("a%2Fb"), "a/b");
  EXPECT_EQ(key_of_file_name("%2E."), "..");
  EXPECT_EQ(key_of_file_name("%2E"), ".");
}

TEST(HttpNames, PercentDecodingRejectsMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2f%2F+"), "a b//+");
  EXPECT_FALSE(percent_decode("abc%").has_value());
  EXPECT_FALSE(percent_decode("abc%4").has_value());
  EXPECT_FALSE(percent_decode("%g0").has_value());
}

TEST(HttpNames, LongEscapedNamesAreRefused) {
  Naming flat("http://h/c/", Layout::flat);
  EXPECT_TRUE(flat.object_url(std::string(250, 'k')).has_value());
  EXPECT_TRUE(flat.object_url(std::string(85, '/')).has_value());  // 255 bytes
  EXPECT_FALSE(flat.object_url(std::string(86, '/')).has_value());
}

TEST(HttpNames, SubdirsComeFromTheHashNotTheKeysFirstCharacters) {
  Naming subdirs("https://h/c/", Layout::subdirs);
  const std::string key = "blog:1:0123456789abcdef0123456789abcdef";
  const unsigned index = fnv1a_32(key) & 0xff;
  EXPECT_EQ(subdir_index(key), index);
  EXPECT_EQ(subdirs.object_url(key), "https://h/c/" + subdir_name(index) + "/" + key);
  EXPECT_EQ(subdirs.directory_url(index), "https://h/c/" + subdir_name(index) + "/");
  EXPECT_EQ(subdir_name(0), "00");
  EXPECT_EQ(subdir_name(0xab), "ab");
  EXPECT_EQ(subdirs.directory_count(), 256u);
  EXPECT_EQ(Naming("http://h/", Layout::flat).directory_count(), 1u);
  // Entry keys of one cache share their prefix; they still spread over all directories.
  std::map<unsigned, int> per_directory;
  std::mt19937 rng(5);
  for (int i = 0; i < 25600; ++i) {
    char hex[33];
    for (int j = 0; j < 32; ++j) hex[j] = "0123456789abcdef"[rng() % 16];
    hex[32] = '\0';
    per_directory[subdir_index(std::string("blog:1:") + hex)]++;
  }
  EXPECT_EQ(per_directory.size(), 256u);
  for (const auto& [directory, count] : per_directory) {
    EXPECT_GT(count, 50) << directory;  // 100 expected
    EXPECT_LT(count, 150) << directory;
  }
}

}  // namespace
}  // namespace sitecache_http
