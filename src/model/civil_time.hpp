// Calendar arithmetic shared by every parser of dates (RFC 5322, HTTP dates, ISO 8601). Pure.
#pragma once

#include <cstdint>

namespace hiresync::model {

// Days from 1970-01-01 to a proleptic Gregorian date (month 1-12, day 1-31; the caller validates
// the ranges). H. Hinnant's days_from_civil; correct for negative years too.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(days_from_civil(1969, 12, 31) == -1);

}  // namespace hiresync::model
