// Date header values -> Unix seconds. Internal to src/mime.
//
// GMime's date parser copes with the many broken shapes found in the wild, but
// g_mime_utils_header_decode_date() builds a GTimeZone and a GDateTime per call, about a tenth of
// the cost of parse_headers(). This parser accepts only the strict RFC 5322 shape
//   [Www,] D Mmm YYYY HH:MM[:SS] +HHMM   (or GMT / UT; anything after the zone is ignored)
// and gives exactly GMime's result for it, tokenizing the same way; any other value goes to GMime.
// A differential test in mime_test.cpp keeps the two in agreement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hiresync::mime {

// Unix seconds for a strict RFC 5322 date-time with a numeric (or GMT/UT) zone, valid calendar
// date and year >= 1970; std::nullopt for anything else, which the caller hands to GMime.
std::optional<std::int64_t> parse_simple_date(std::string_view value);

// Unix seconds as GMime reads `value` (obsolete zones, two-digit years, missing fields, ...), or 0
// when it cannot. The reference parse_simple_date() is tested against.
std::int64_t parse_date_with_gmime(const std::string& value);

// Unix seconds of an unfolded Date value: the fast path when it applies, GMime otherwise; 0 when
// neither can read it.
std::int64_t parse_date(const std::string& value);

}  // namespace hiresync::mime
