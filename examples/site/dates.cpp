#include "dates.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace sitegen {
namespace {

bool parse_int(std::string_view text, int& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

std::tm utc_fields(int year, int month, int day, int hour, int minute, int second,
                   int offset_minutes) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute - offset_minutes;
  tm.tm_sec = second;
  const time_t t = timegm(&tm);
  std::tm out{};
  gmtime_r(&t, &out);
  return out;
}

}  // namespace

std::string iso_utc(int year, int month, int day, int hour, int minute, int second,
                    int offset_minutes) {
  const std::tm tm = utc_fields(year, month, day, hour, minute, second, offset_minutes);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string display_date(std::string_view iso) {
  return std::string(iso.substr(0, 10));
}

std::string rfc822_date(std::string_view iso) {
  // Layout: YYYY-MM-DDTHH:MM:SSZ
  if (iso.size() != 20 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
      iso[16] != ':' || iso[19] != 'Z') {
    return "";
  }
  int f[6] = {};
  const size_t at[6] = {0, 5, 8, 11, 14, 17};
  for (int i = 0; i < 6; ++i) {
    if (!parse_int(iso.substr(at[i], i == 0 ? 4 : 2), f[i])) return "";
  }
  const std::tm tm = utc_fields(f[0], f[1], f[2], f[3], f[4], f[5], 0);
  static constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kWeekdays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

}  // namespace sitegen
