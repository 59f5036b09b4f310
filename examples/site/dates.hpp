// Dates as pages carry them: normalized UTC "YYYY-MM-DDTHH:MM:SSZ" strings, which sort
// chronologically as text. Only UTC arithmetic (timegm/gmtime_r), never the clock or the
// local time zone: output does not depend on when or where the build runs.
#ifndef SITEGEN_DATES_HPP
#define SITEGEN_DATES_HPP

#include <string>
#include <string_view>

namespace sitegen {

// The normalized UTC form of a local calendar time whose offset from UTC is
// `offset_minutes` (east positive). Out-of-range fields are normalized as timegm does.
std::string iso_utc(int year, int month, int day, int hour, int minute, int second,
                    int offset_minutes);

// "YYYY-MM-DD" of a normalized date; "" for "".
std::string display_date(std::string_view iso);

// RFC 822 as RSS wants it, e.g. "Thu, 01 Jan 2015 07:00:00 +0000"; "" when `iso` is not a
// normalized date.
std::string rfc822_date(std::string_view iso);

}  // namespace sitegen

#endif  // SITEGEN_DATES_HPP
