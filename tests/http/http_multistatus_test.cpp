// The PROPFIND answer reader (multistatus.hpp): real server output, any split into pieces,
// the XML forms servers use, and hostile input that must fail cleanly.
#include <gtest/gtest.h>

#include <random>

#include "multistatus.hpp"

namespace sitecache_http {
namespace {

// What nginx 1.22 with dav-ext 3.0 answers (captured, with a hidden-file-free listing).
constexpr const char* kNginxAnswer = R"(<?xml version="1.0" encoding="utf-8" ?>
<D:multistatus xmlns:D="DAV:">
<D:response>
<D:href>/cache/</D:href>
<D:propstat>
<D:prop>
<D:resourcetype><D:collection/></D:resourcetype>
</D:prop>
<D:status>HTTP/1.1 200 OK</D:status>
</D:propstat>
</D:response>
<D:response>
<D:href>/cache/x.</D:href>
<D:propstat>
<D:prop>
<D:getcontentlength>3</D:getcontentlength>
<D:resourcetype></D:resourcetype>
</D:prop>
<D:status>HTTP/1.1 200 OK</D:status>
</D:propstat>
</D:response>
<D:response>
<D:href>/cache/a%25b%2526%3C%3E%22'%23%3F%20&amp;x%5C~[]%7B%7D%60%7C%5E,;=+!*(),@$</D:href>
<D:propstat>
<D:prop>
<D:getcontentlength>12345678901</D:getcontentlength>
<D:resourcetype></D:resourcetype>
</D:prop>
<D:status>HTTP/1.1 200 OK</D:status>
</D:propstat>
</D:response>
</D:multistatus>
)";

struct Parsed {
  bool ok = false;
  std::string error;
  std::vector<DavResource> resources;
};

// Feeds `text` in pieces of `piece` bytes (0: all at once).
Parsed parse(std::string_view text, size_t piece = 0, MultistatusLimits limits = {}) {
  MultistatusParser parser(limits);
  Parsed out;
  bool ok = true;
  if (piece == 0) piece = text.size() + 1;
  for (size_t at = 0; ok && at < text.size(); at += piece) {
    ok = parser.feed(text.substr(at, piece));
    for (auto& r : parser.resources()) out.resources.push_back(std::move(r));
    parser.resources().clear();
  }
  out.ok = ok && parser.finish();
  out.error = parser.error();
  return out;
}

TEST(HttpMultistatus, ReadsNginxsAnswer) {
  Parsed p = parse(kNginxAnswer);
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.resources.size(), 3u);
  EXPECT_EQ(p.resources[0].href, "/cache/");
  EXPECT_TRUE(p.resources[0].collection);
  EXPECT_EQ(p.resources[1].href, "/cache/x.");
  EXPECT_FALSE(p.resources[1].collection);
  EXPECT_EQ(p.resources[1].content_length, 3);
  EXPECT_EQ(p.resources[2].href,
            "/cache/a%25b%2526%3C%3E%22'%23%3F%20&x%5C~[]%7B%7D%60%7C%5E,;=+!*(),@$");
  EXPECT_EQ(p.resources[2].content_length, 12345678901);
}

TEST(HttpMultistatus, AnySplitIntoPiecesGivesTheSameResult) {
  const std::string text = kNginxAnswer;
  const Parsed whole = parse(text);
  for (size_t piece = 1; piece < 64; ++piece) {
    Parsed p = parse(text, piece);
    ASSERT_TRUE(p.ok) << piece << ": " << p.error;
    ASSERT_EQ(p.resources.size(), whole.resources.size()) << piece;
    for (size_t i = 0; i < p.resources.size(); ++i) {
      EXPECT_EQ(p.resources[i].href, whole.resources[i].href) << piece;
      EXPECT_EQ(p.resources[i].content_length, whole.resources[i].content_length) << piece;
    }
  }
}

TEST(HttpMultistatus, ReadsOtherServersForms) {
  // Apache-style prefixes, a default namespace, CDATA, comments, character references,
  // absolute hrefs, a 404 propstat whose properties do not count, attributes with '>'.
  const std::string text =
      "<?xml version='1.0'?><!DOCTYPE multistatus>\n"
      "<multistatus xmlns='DAV:' xmlns:lp1=\"DAV:\" note=\"a>b\">"
      "<!-- listing -->"
      "<response><href><![CDATA[http://h/c/a&b]]></href>"
      "<propstat><prop><lp1:getcontentlength> 7 </lp1:getcontentlength>"
      "<resourcetype/></prop><status>HTTP/1.1 200 OK</status></propstat>"
      "<propstat><prop><getcontentlength>99</getcontentlength><resourcetype><collection/>"
      "</resourcetype></prop><status>HTTP/1.1 404 Not Found</status></propstat>"
      "</response>"
      "<response><href>/c/caf&#xE9;&#233;&#x1F600;</href><status>HTTP/1.1 200 OK</status>"
      "</response>"
      "<response><href>/c/gone</href><status>HTTP/1.1 404 Not Found</status></response>"
      "</multistatus>";
  Parsed p = parse(text);
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.resources.size(), 2u);
  EXPECT_EQ(p.resources[0].href, "http://h/c/a&b");
  EXPECT_EQ(p.resources[0].content_length, 7);
  EXPECT_FALSE(p.resources[0].collection);
  EXPECT_EQ(p.resources[1].href, "/c/caf\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(p.resources[1].content_length, -1);
}

TEST(HttpMultistatus, MalformedDocumentsFailWithAReason) {
  const char* bad[] = {
      "",
      "not xml at all",
      "<html><body>It works!</body></html>",
      "<D:multistatus xmlns:D='DAV:'><D:response><D:href>/a</D:href>",  // cut short
      "<D:multistatus><D:response></D:multistatus>",                    // mismatched
      "<multistatus></multistatus><multistatus>",                       // two roots
      "<multistatus><response><href>a<b/></href></response></multistatus>",
      "<multistatus><response><href>&bogus;</href></response></multistatus>",
      "<multistatus><response><href>&#0;</href></response></multistatus>",
      "<multistatus><response><href>&#x110000;</href></response></multistatus>",
      "<multistatus><response><href>&amp</href></response></multistatus>",
      "<!DOCTYPE m [<!ENTITY a 'aaaa'>]><multistatus/>",
      "<multistatus><!-- never closed",
      "<multistatus><a b='never closed></multistatus>",
  };
  for (const char* text : bad) {
    Parsed p = parse(text);
    EXPECT_FALSE(p.ok) << text;
    EXPECT_FALSE(p.error.empty()) << text;
  }
}

TEST(HttpMultistatus, LimitsBoundMemoryWhateverTheServerSends) {
  MultistatusLimits limits;
  limits.max_token = 1024;
  limits.max_text = 256;
  limits.max_depth = 16;
  limits.max_resources = 10;
  std::string nested = "<multistatus>";
  for (int i = 0; i < 20; ++i) nested += "<a>";
  EXPECT_FALSE(parse(nested, 0, limits).ok);
  EXPECT_NE(parse(nested, 0, limits).error.find("deeply"), std::string::npos);
  EXPECT_FALSE(parse("<multistatus " + std::string(5000, 'a'), 7, limits).ok);
  EXPECT_FALSE(parse("<multistatus><!--" + std::string(5000, '-'), 100, limits).ok);
  EXPECT_FALSE(parse("<multistatus><response><href>" + std::string(1000, 'h'), 10, limits).ok);
  std::string many = "<multistatus>";
  for (int i = 0; i < 11; ++i) many += "<response><href>/x</href></response>";
  many += "</multistatus>";
  Parsed p = parse(many, 0, limits);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("resources"), std::string::npos) << p.error;
  // Text outside the captured properties costs nothing, however long.
  EXPECT_TRUE(
      parse("<multistatus>" + std::string(1 << 20, ' ') + "</multistatus>", 4096, limits).ok);
}

TEST(HttpMultistatus, RandomDamageNeverCrashes) {
  std::mt19937 rng(11);
  const std::string original = kNginxAnswer;
  for (int round = 0; round < 3000; ++round) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[at] = static_cast<char>(rng());
          break;
        case 1:
          text.erase(at, 1 + rng() % 20);
          break;
        case 2:
          text.insert(at, text.substr(rng() % text.size(), rng() % 40));
          break;
        default:
          text.resize(at);
      }
      if (text.empty()) text = "<";
    }
    Parsed p = parse(text, 1 + rng() % 50);
    for (const DavResource& r : p.resources) EXPECT_LE(r.href.size(), 16u * 1024);
  }
}

TEST(HttpMultistatus, XmlTextDecoding) {
  std::string out;
  EXPECT_TRUE(decode_xml_text("a&amp;b&lt;&gt;&quot;&apos;&#65;&#x42;", out));
  EXPECT_EQ(out, "a&b<>\"'AB");
  EXPECT_FALSE(decode_xml_text("&#xD800;", out));
  EXPECT_FALSE(decode_xml_text("&#;", out));
  EXPECT_FALSE(decode_xml_text("&#x;", out));
  EXPECT_FALSE(decode_xml_text("&averyveryverylongname;", out));
}

}  // namespace
}  // namespace sitecache_http
