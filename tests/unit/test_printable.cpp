// sitecache/printable.hpp: what reaches a terminal from outside text.
#include "sitecache/printable.hpp"

#include <gtest/gtest.h>

namespace sitecache {
namespace {

TEST(Printable, PlainTextAndUtf8PassUnchanged) {
  EXPECT_EQ(printable("posts/hello.md"), "posts/hello.md");
  EXPECT_EQ(printable("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(printable("back\\slash"), "back\\slash");
  EXPECT_EQ(printable(""), "");
}

// Finding (issue 17): a key holding an OSC title sequence and a clear-screen sequence
// reached the terminal raw through `ls` and the "not found" message.
TEST(Printable, TerminalSequencesAreWrittenOut) {
  const std::string key = "k\x1b]0;pwned\x07\x1b[2J";
  EXPECT_EQ(printable(key), "k\\x1b]0;pwned\\x07\\x1b[2J");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x7f"), "\\x7f");
  EXPECT_EQ(printable("tab\there\r\n"), "tab\\there\\r\\n");
}

TEST(Printable, LineBreaksCanBeKept) {
  EXPECT_EQ(printable("one\ntwo\x1b[2J\n", LineBreaks::keep), "one\ntwo\\x1b[2J\n");
}

TEST(Printable, C1ControlsAndMalformedUtf8AreEscaped) {
  EXPECT_EQ(printable("\xC2\x9B"
                      "2J"),
            "\\u009b2J");  // CSI as a UTF-8 C1 control
  EXPECT_EQ(printable("\x9B"
                      "2J"),
            "\\x9b2J");                                              // a lone 8-bit CSI byte
  EXPECT_EQ(printable("\xC2\xA0"), "\xC2\xA0");                      // U+00A0 is not a control
  EXPECT_EQ(printable("\xC3"), "\\xc3");                             // truncated sequence
  EXPECT_EQ(printable("\xC0\xAF"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(printable("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // beyond U+10FFFF
}

TEST(Printable, EveryByteComesOutPrintable) {
  for (int b = 0; b < 256; ++b) {
    const std::string out = printable(std::string(1, static_cast<char>(b)));
    for (unsigned char c : out) {
      EXPECT_TRUE(c >= 0x20 && c != 0x7f) << "byte " << b << " gave " << out;
    }
  }
}

}  // namespace
}  // namespace sitecache
