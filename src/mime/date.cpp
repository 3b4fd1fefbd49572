#include "mime/date.hpp"

#include <gmime/gmime.h>

#include <array>
#include <cstddef>

#include "mime/ascii.hpp"
#include "mime/gmime_support.hpp"
#include "model/civil_time.hpp"

namespace hiresync::mime {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::size_t kMaxTokens = 6;  // weekday, day, month, year, time, zone

// GMime's datetok(): tokens end at one of these; the first character of a token is taken as is,
// so "-0400" stays one token.
constexpr std::string_view kDelimiters = "-/,\t\r\n ";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The value of 1 to `max_digits` decimal digits, or -1.
int decode_digits(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return -1;
  int value = 0;
  for (char c : text) {
    if (!is_digit(c)) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Index of the name whose first three letters start `token` (case-insensitive), or -1.
template <std::size_t N>
int find_prefix(std::string_view token, const std::array<std::string_view, N>& names) {
  if (token.size() < 3) return -1;
  for (std::size_t i = 0; i < N; ++i) {
    if (equals_lower(token.substr(0, 3), names[i])) return static_cast<int>(i);
  }
  return -1;
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

}  // namespace

std::optional<std::int64_t> parse_simple_date(std::string_view value) {
  std::array<std::string_view, kMaxTokens> tokens;
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < value.size() && count < kMaxTokens) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    if (i == value.size()) break;
    std::size_t end = i + 1;
    while (end < value.size() && kDelimiters.find(value[end]) == std::string_view::npos) ++end;
    tokens[count++] = value.substr(i, end - i);
    i = end + 1;
  }

  std::size_t t = 0;
  if (count > 0 && find_prefix(tokens[0], kWeekdays) >= 0) ++t;
  if (count < t + 5) return std::nullopt;

  const int day = decode_digits(tokens[t], 2);
  const int month = find_prefix(tokens[t + 1], kMonths) + 1;
  const int year = tokens[t + 2].size() == 4 ? decode_digits(tokens[t + 2], 4) : -1;
  if (month == 0 || year < 1970 || day < 1 || day > days_in_month(year, month)) return std::nullopt;

  // HH:MM or HH:MM:SS, one or two digits each.
  const std::string_view time = tokens[t + 3];
  const std::size_t colon1 = time.find(':');
  if (colon1 == std::string_view::npos) return std::nullopt;
  const std::size_t colon2 = time.find(':', colon1 + 1);
  const int hour = decode_digits(time.substr(0, colon1), 2);
  const int minute = decode_digits(time.substr(colon1 + 1, colon2 - colon1 - 1), 2);
  const int second = colon2 == std::string_view::npos ? 0 : decode_digits(time.substr(colon2 + 1), 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return std::nullopt;

  int offset_seconds = 0;
  const std::string_view zone = tokens[t + 4];
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
    const int hours = decode_digits(zone.substr(1, 2), 2);
    const int minutes = decode_digits(zone.substr(3, 2), 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
    offset_seconds = (hours * 3600 + minutes * 60) * (zone[0] == '-' ? -1 : 1);
  } else if (zone != "GMT" && zone != "UT") {
    return std::nullopt;
  }

  const std::int64_t seconds_of_day = std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
  return model::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         seconds_of_day - offset_seconds;
}

std::int64_t parse_date_with_gmime(const std::string& value) {
  ensure_gmime_initialized();
  GDateTime* date = g_mime_utils_header_decode_date(value.c_str());
  if (date == nullptr) return 0;
  const std::int64_t seconds = g_date_time_to_unix(date);
  g_date_time_unref(date);
  return seconds;
}

std::int64_t parse_date(const std::string& value) {
  if (const std::optional<std::int64_t> seconds = parse_simple_date(value)) return *seconds;
  return parse_date_with_gmime(value);
}

}  // namespace hiresync::mime
