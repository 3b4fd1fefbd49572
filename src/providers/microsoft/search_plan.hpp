// list()'s way past Graph's $search cap (docs/sync.md, "Microsoft 365: the $search cap"): a $search
// on messages returns at most 1,000 results, newest first, and cannot be combined with $filter.
// When a query's pages reach the cap, the same addresses are searched again restricted to messages
// received on or before the oldest day reached (that day again: the engine's seen ids make the
// repeats free). A query whose cap falls within one day is split into two halves of its addresses;
// for a single address the day is noted as possibly incomplete and the search goes on before it.
// The plan travels in list()'s page token, so the engine's resumable backfill resumes it. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hiresync::providers::microsoft::internal {

inline constexpr long long kSearchCap = 1000;  // results of one $search, over all its pages

struct SearchSpan {
  std::size_t lo = 0, hi = 0;  // addresses [lo, hi) of searchable_addresses()
  std::string until;           // "YYYY-MM-DD": received on or before that day (UTC); "" = no bound
};

struct SearchPlan {
  std::vector<SearchSpan> spans;  // spans.front() is the query being paged; empty = done
  std::string next;               // its Graph nextLink; "" = its first page is still to fetch
  long long returned = 0;         // results it returned so far; -1 = unknown (an older page token)
  std::int64_t oldest_ms = 0;     // the oldest receivedDateTime among them; 0 = none yet
};

// The addresses a KQL term inside the quoted $search value can hold, in order: without double
// quotes, backslashes, whitespace or control characters, and not empty.
std::vector<std::string> searchable_addresses(const std::vector<std::string>& addresses);

// "from:a OR to:a OR cc:a OR bcc:a OR from:b ..." for addresses[lo, hi).
std::string address_kql(const std::vector<std::string>& addresses, std::size_t lo, std::size_t hi);

// "YYYY-MM-DD" (UTC) of unix seconds.
std::string utc_day(std::int64_t unix_s);

// The KQL of `span`: its addresses, then `received>=` the day of after_s (when > 0) and
// `received<=` span.until (when set), e.g. "(from:a OR ...) AND received>=2024-01-01".
std::string span_kql(const std::vector<std::string>& addresses, const SearchSpan& span, std::int64_t after_s);

// The page token of a plan (a JSON object) and back. parse_plan: nullopt when the text is not a
// plan or names addresses past `address_count`.
std::string serialize_plan(const SearchPlan& plan);
std::optional<SearchPlan> parse_plan(std::string_view token, std::size_t address_count);

// The current query has no more pages: moves the plan to what comes next (see the top of this
// file). Returns what may be missing ("" when nothing): one address's results on one day past the
// cap.
std::string advance(SearchPlan& plan, const std::vector<std::string>& addresses, std::int64_t after_s);

}  // namespace hiresync::providers::microsoft::internal
