// parse_duration, parse_timeout, parse_size, format_duration, format_size.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "sitecache/units.hpp"

namespace sitecache {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;
constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max();

int64_t duration_ms(std::string_view text) {
  Result<milliseconds> parsed = parse_duration(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.status().to_string();
  return parsed ? parsed->count() : -1;
}

std::string duration_error(std::string_view text) {
  Result<milliseconds> parsed = parse_duration(text);
  EXPECT_FALSE(parsed) << text;
  EXPECT_EQ(parsed.status().code(), StatusCode::invalid_argument) << text;
  return parsed.status().message();
}

uint64_t size_bytes(std::string_view text) {
  Result<uint64_t> parsed = parse_size(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.status().to_string();
  return parsed ? *parsed : 0;
}

std::string size_error(std::string_view text) {
  Result<uint64_t> parsed = parse_size(text);
  EXPECT_FALSE(parsed) << text;
  EXPECT_EQ(parsed.status().code(), StatusCode::invalid_argument) << text;
  return parsed.status().message();
}

TEST(ParseDuration, EachUnit) {
  EXPECT_EQ(duration_ms("500ms"), 500);
  EXPECT_EQ(duration_ms("90s"), 90 * kSecond);
  EXPECT_EQ(duration_ms("15m"), 15 * kMinute);
  EXPECT_EQ(duration_ms("2h"), 2 * kHour);
  EXPECT_EQ(duration_ms("7d"), 7 * kDay);
  EXPECT_EQ(duration_ms("2w"), 2 * kWeek);
}

TEST(ParseDuration, BareIntegerIsSeconds) {
  EXPECT_EQ(duration_ms("0"), 0);
  EXPECT_EQ(duration_ms("1"), kSecond);
  EXPECT_EQ(duration_ms("3600"), kHour);
  EXPECT_EQ(duration_ms("007"), 7 * kSecond);
  EXPECT_EQ(duration_ms("9223372036854775"), 9223372036854775 * kSecond);
}

TEST(ParseDuration, Sums) {
  EXPECT_EQ(duration_ms("1h30m"), kHour + 30 * kMinute);
  EXPECT_EQ(duration_ms("1w2d3h4m5s6ms"),
            kWeek + 2 * kDay + 3 * kHour + 4 * kMinute + 5 * kSecond + 6);
  EXPECT_EQ(duration_ms("1d12h"), kDay + 12 * kHour);
  EXPECT_EQ(duration_ms("1m500ms"), kMinute + 500);
  EXPECT_EQ(duration_ms("90m"), 90 * kMinute);  // a term may exceed the next unit
}

TEST(ParseDuration, Zero) {
  EXPECT_EQ(duration_ms("0s"), 0);
  EXPECT_EQ(duration_ms("0ms"), 0);
  EXPECT_EQ(duration_ms("0h0m"), 0);
}

TEST(ParseDuration, Limits) {
  EXPECT_EQ(duration_ms("9223372036854775807ms"), kMaxMs);
  EXPECT_EQ(duration_ms("9223372036854775s807ms"), kMaxMs);
  EXPECT_EQ(duration_error("9223372036854775808ms"),
            "invalid duration \"9223372036854775808ms\": too large (at most "
            "9223372036854775807ms)");
  EXPECT_EQ(duration_error("9223372036854775s808ms"),
            "invalid duration \"9223372036854775s808ms\": too large (at most "
            "9223372036854775807ms)");
  EXPECT_EQ(duration_error("9223372036854776"),
            "invalid duration \"9223372036854776\": too large (at most 9223372036854775807ms)");
  EXPECT_EQ(duration_ms("15250284452w"), 15250284452 * kWeek);
  EXPECT_EQ(duration_error("15250284453w"),
            "invalid duration \"15250284453w\": too large (at most 9223372036854775807ms)");
  // Larger than uint64_t while reading the digits.
  EXPECT_EQ(duration_error("99999999999999999999999s"),
            "invalid duration \"99999999999999999999999s\": too large (at most "
            "9223372036854775807ms)");
}

TEST(ParseDuration, Rejections) {
  EXPECT_EQ(duration_error(""), "invalid duration \"\": empty; expected e.g. \"90s\" or \"1h30m\"");
  EXPECT_EQ(duration_error("-5s"), "invalid duration \"-5s\": negative durations are not allowed");
  EXPECT_EQ(duration_error("-1"), "invalid duration \"-1\": negative durations are not allowed");
  EXPECT_EQ(duration_error("5x"),
            "invalid duration \"5x\": unknown unit \"x\" (use w, d, h, m, s or ms)");
  EXPECT_EQ(duration_error("5S"),
            "invalid duration \"5S\": unknown unit \"S\" (use w, d, h, m, s or ms)");
  EXPECT_EQ(duration_error("5sec"),
            "invalid duration \"5sec\": unknown unit \"sec\" (use w, d, h, m, s or ms)");
  EXPECT_EQ(duration_error("h"), "invalid duration \"h\": expected a number before \"h\"");
  EXPECT_EQ(duration_error("1h30"), "invalid duration \"1h30\": \"30\" needs a unit");
  EXPECT_EQ(
      duration_error("30m1h"),
      "invalid duration \"30m1h\": units must go from largest to smallest, each at most once");
  EXPECT_EQ(duration_error("1m1m"),
            "invalid duration \"1m1m\": units must go from largest to smallest, each at most once");
  EXPECT_EQ(duration_error("1.5h"), "invalid duration \"1.5h\": whole numbers only");
  EXPECT_EQ(duration_error("1h 30m"), "invalid duration \"1h 30m\": no spaces allowed");
  EXPECT_EQ(duration_error(" 5s"), "invalid duration \" 5s\": no spaces allowed");
  EXPECT_EQ(duration_error("5s "), "invalid duration \"5s \": no spaces allowed");
  EXPECT_EQ(duration_error("5 "), "invalid duration \"5 \": no spaces allowed");
  EXPECT_EQ(duration_error("+5s"), "invalid duration \"+5s\": unexpected character '+'");
  EXPECT_EQ(duration_error("none"), "invalid duration \"none\": expected a number before \"none\"");
}

TEST(ParseTimeout, None) {
  EXPECT_EQ(parse_timeout("none").value(), Timeout::never());
}

TEST(ParseTimeout, ZeroMeansDontStore) {
  for (const char* zero : {"0", "0s", "0ms", "0m", "0w0d"}) {
    Result<Timeout> parsed = parse_timeout(zero);
    ASSERT_TRUE(parsed) << zero << ": " << parsed.status().to_string();
    EXPECT_EQ(parsed->kind(), Timeout::Kind::dont_store) << zero;
  }
}

TEST(ParseTimeout, Durations) {
  EXPECT_EQ(parse_timeout("7d").value(), Timeout::after(milliseconds(7 * kDay)));
  EXPECT_EQ(parse_timeout("1h30m").value(), Timeout::after(milliseconds(kHour + 30 * kMinute)));
  EXPECT_EQ(parse_timeout("300").value(), Timeout::seconds(300));
  EXPECT_EQ(parse_timeout("250ms").value(), Timeout::after(milliseconds(250)));
}

TEST(ParseTimeout, Rejections) {
  auto error = [](std::string_view text) {
    Result<Timeout> parsed = parse_timeout(text);
    EXPECT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::invalid_argument);
    return parsed.status().message();
  };
  EXPECT_EQ(error("None"),
            "invalid timeout \"None\": expected a duration such as \"7d\", \"none\" or 0");
  EXPECT_EQ(error("never"),
            "invalid timeout \"never\": expected a duration such as \"7d\", \"none\" or 0");
  EXPECT_EQ(error(""), "invalid timeout \"\": empty; expected e.g. \"90s\" or \"1h30m\"");
  EXPECT_EQ(error("-1"), "invalid timeout \"-1\": negative durations are not allowed");
  EXPECT_EQ(error("7x"), "invalid timeout \"7x\": unknown unit \"x\" (use w, d, h, m, s or ms)");
}

TEST(ParseSize, Bytes) {
  EXPECT_EQ(size_bytes("0"), 0u);
  EXPECT_EQ(size_bytes("4096"), 4096u);
  EXPECT_EQ(size_bytes("512B"), 512u);
  EXPECT_EQ(size_bytes("18446744073709551615"), std::numeric_limits<uint64_t>::max());
}

TEST(ParseSize, BinaryUnits) {
  EXPECT_EQ(size_bytes("512KiB"), 512u << 10);
  EXPECT_EQ(size_bytes("512MiB"), 512u << 20);
  EXPECT_EQ(size_bytes("2GiB"), uint64_t{2} << 30);
  EXPECT_EQ(size_bytes("1TiB"), uint64_t{1} << 40);
  EXPECT_EQ(size_bytes("16777215TiB"), uint64_t{16777215} << 40);
}

TEST(ParseSize, DecimalUnits) {
  EXPECT_EQ(size_bytes("10kB"), 10'000u);
  EXPECT_EQ(size_bytes("10MB"), 10'000'000u);
  EXPECT_EQ(size_bytes("2GB"), 2'000'000'000u);
  EXPECT_EQ(size_bytes("3TB"), 3'000'000'000'000u);
}

TEST(ParseSize, Overflow) {
  EXPECT_EQ(size_error("18446744073709551616"),
            "invalid size \"18446744073709551616\": too large (at most 2^64 - 1 bytes)");
  EXPECT_EQ(size_error("16777216TiB"),
            "invalid size \"16777216TiB\": too large (at most 2^64 - 1 bytes)");
  EXPECT_EQ(size_error("18446745TB"),
            "invalid size \"18446745TB\": too large (at most 2^64 - 1 bytes)");
}

TEST(ParseSize, AmbiguousSuffixesAreRejected) {
  EXPECT_EQ(size_error("10K"),
            "invalid size \"10K\": \"K\" is ambiguous; write \"KiB\" (powers of 1024) or \"kB\" "
            "(powers of 1000)");
  EXPECT_EQ(size_error("10KB"),
            "invalid size \"10KB\": \"KB\" is ambiguous; write \"KiB\" (powers of 1024) or "
            "\"kB\" (powers of 1000)");
  EXPECT_EQ(size_error("10M"),
            "invalid size \"10M\": \"M\" is ambiguous; write \"MiB\" (powers of 1024) or \"MB\" "
            "(powers of 1000)");
  EXPECT_EQ(size_error("2G"),
            "invalid size \"2G\": \"G\" is ambiguous; write \"GiB\" (powers of 1024) or \"GB\" "
            "(powers of 1000)");
  EXPECT_EQ(size_error("1T"),
            "invalid size \"1T\": \"T\" is ambiguous; write \"TiB\" (powers of 1024) or \"TB\" "
            "(powers of 1000)");
}

TEST(ParseSize, Rejections) {
  EXPECT_EQ(size_error(""), "invalid size \"\": empty; expected e.g. \"4096\" or \"2GiB\"");
  EXPECT_EQ(size_error("-1"), "invalid size \"-1\": negative sizes are not allowed");
  EXPECT_EQ(size_error("GiB"), "invalid size \"GiB\": expected a number first");
  EXPECT_EQ(size_error("1.5GiB"), "invalid size \"1.5GiB\": whole numbers only");
  EXPECT_EQ(size_error("2 GiB"), "invalid size \"2 GiB\": no spaces allowed");
  EXPECT_EQ(size_error("2GiB "), "invalid size \"2GiB \": no spaces allowed");
  EXPECT_EQ(size_error("2gib"),
            "invalid size \"2gib\": unknown unit \"gib\" (use B, KiB, MiB, GiB, TiB, kB, MB, GB "
            "or TB)");
  EXPECT_EQ(size_error("2PiB"),
            "invalid size \"2PiB\": unknown unit \"PiB\" (use B, KiB, MiB, GiB, TiB, kB, MB, GB "
            "or TB)");
  EXPECT_EQ(size_error("1GiB1MiB"), "invalid size \"1GiB1MiB\": unexpected character '1'");
}

TEST(FormatDuration, Examples) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(format_duration(milliseconds(90 * kSecond)), "1m30s");
  EXPECT_EQ(format_duration(milliseconds(7 * kDay)), "7d");
  EXPECT_EQ(format_duration(milliseconds(14 * kDay)), "14d");
  EXPECT_EQ(format_duration(milliseconds(kDay + 1)), "1d1ms");
  EXPECT_EQ(format_duration(milliseconds(kHour + 1500)), "1h1s500ms");
  EXPECT_EQ(format_duration(milliseconds(-90 * kSecond)), "-1m30s");
  EXPECT_EQ(format_duration(milliseconds(kMaxMs)), "106751991167d7h12m55s807ms");
  EXPECT_EQ(format_duration(milliseconds(std::numeric_limits<int64_t>::min())),
            "-106751991167d7h12m55s808ms");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (int64_t ms : {int64_t{0}, int64_t{1}, int64_t{999}, kSecond, 59 * kSecond + 1, kHour,
                     kDay - 1, 3 * kWeek + 5, kMaxMs}) {
    EXPECT_EQ(duration_ms(format_duration(milliseconds(ms))), ms) << ms;
  }
}

TEST(FormatSize, Examples) {
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(1023), "1023 B");
  EXPECT_EQ(format_size(1024), "1 KiB");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(1030), "1.0 KiB");  // not exact: keeps the decimal
  EXPECT_EQ(format_size(3 * 1024 * 1024 / 2), "1.5 MiB");
  EXPECT_EQ(format_size(uint64_t{2} << 30), "2 GiB");
  EXPECT_EQ(format_size(uint64_t{5} << 40), "5 TiB");
  EXPECT_EQ(format_size(uint64_t{1} << 50), "1 PiB");
  EXPECT_EQ(format_size(std::numeric_limits<uint64_t>::max()), "16.0 EiB");
}

TEST(FormatSize, RoundsHalfUpAndCarriesIntoTheNextUnit) {
  EXPECT_EQ(format_size(1024 + 51), "1.0 KiB");          // 1.0498
  EXPECT_EQ(format_size(1024 + 52), "1.1 KiB");          // 1.0508
  EXPECT_EQ(format_size(2047), "2.0 KiB");               // 1.999
  EXPECT_EQ(format_size((1024 * 1024) - 1), "1.0 MiB");  // 1023.999 KiB
}

}  // namespace
}  // namespace sitecache
