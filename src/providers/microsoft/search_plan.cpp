#include "providers/microsoft/search_plan.hpp"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

namespace hiresync::providers::microsoft::internal {
namespace {

constexpr std::int64_t kDayS = 86400;

// Unix seconds of the start of a "YYYY-MM-DD" day (UTC).
std::optional<std::int64_t> day_start(const std::string& day) {
  std::tm tm{};
  if (day.size() != 10 || strptime(day.c_str(), "%Y-%m-%d", &tm) == nullptr) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::vector<std::string> searchable_addresses(const std::vector<std::string>& addresses) {
  std::vector<std::string> out;
  for (const std::string& address : addresses) {
    const bool usable = !address.empty() && std::none_of(address.begin(), address.end(), [](char c) {
      return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == '\\';
    });
    if (usable) out.push_back(address);
  }
  return out;
}

std::string address_kql(const std::vector<std::string>& addresses, std::size_t lo, std::size_t hi) {
  std::string kql;
  for (std::size_t i = lo; i < hi && i < addresses.size(); ++i) {
    for (const char* field : {"from:", "to:", "cc:", "bcc:"}) {
      if (!kql.empty()) kql += " OR ";
      kql.append(field).append(addresses[i]);
    }
  }
  return kql;
}

std::string utc_day(std::int64_t unix_s) {
  const auto t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[16];
  std::strftime(out, sizeof out, "%Y-%m-%d", &tm);
  return out;
}

std::string span_kql(const std::vector<std::string>& addresses, const SearchSpan& span,
                     std::int64_t after_s) {
  std::string kql = address_kql(addresses, span.lo, span.hi);
  if (after_s <= 0 && span.until.empty()) return kql;
  kql = "(" + kql + ")";
  if (after_s > 0) kql += " AND received>=" + utc_day(after_s);
  if (!span.until.empty()) kql += " AND received<=" + span.until;
  return kql;
}

std::string serialize_plan(const SearchPlan& plan) {
  nlohmann::json spans = nlohmann::json::array();
  for (const SearchSpan& s : plan.spans) spans.push_back({s.lo, s.hi, s.until});
  return nlohmann::json{{"v", 1},
                        {"spans", spans},
                        {"next", plan.next},
                        {"returned", plan.returned},
                        {"oldest_ms", plan.oldest_ms}}
      .dump();
}

std::optional<SearchPlan> parse_plan(std::string_view token, std::size_t address_count) {
  const auto j = nlohmann::json::parse(token, nullptr, false);
  if (!j.is_object() || j.value("v", 0) != 1) return std::nullopt;
  const auto spans = j.find("spans");
  const auto next = j.find("next");
  const auto returned = j.find("returned");
  const auto oldest = j.find("oldest_ms");
  if (spans == j.end() || !spans->is_array() || spans->empty() || next == j.end() || !next->is_string() ||
      returned == j.end() || !returned->is_number_integer() || oldest == j.end() ||
      !oldest->is_number_integer()) {
    return std::nullopt;
  }
  SearchPlan plan;
  for (const auto& s : *spans) {
    if (!s.is_array() || s.size() != 3 || !s[0].is_number_unsigned() || !s[1].is_number_unsigned() ||
        !s[2].is_string()) {
      return std::nullopt;
    }
    SearchSpan span{s[0].get<std::size_t>(), s[1].get<std::size_t>(), s[2].get<std::string>()};
    if (span.lo >= span.hi || span.hi > address_count || (!span.until.empty() && !day_start(span.until)))
      return std::nullopt;
    plan.spans.push_back(std::move(span));
  }
  plan.next = next->get<std::string>();
  plan.returned = returned->get<long long>();
  plan.oldest_ms = oldest->get<std::int64_t>();
  return plan;
}

std::string advance(SearchPlan& plan, const std::vector<std::string>& addresses, std::int64_t after_s) {
  const SearchSpan current = plan.spans.front();
  plan.spans.erase(plan.spans.begin());
  const bool capped = plan.returned < 0 || plan.returned >= kSearchCap;
  const std::int64_t oldest_ms = plan.oldest_ms;
  plan.next.clear();
  plan.returned = 0;
  plan.oldest_ms = 0;
  if (!capped || oldest_ms <= 0) return "";

  std::vector<SearchSpan> then;
  std::string missing;
  const std::string day = utc_day(oldest_ms / 1000);
  // Results older than the window (a query without the lower bound in its KQL): all of it was seen.
  if (after_s > 0 && day < utc_day(after_s)) return "";
  if (current.until.empty() || day < current.until) {
    then.push_back({current.lo, current.hi, day});  // older than what the cap let through
  } else if (current.hi - current.lo > 1) {
    const std::size_t mid = current.lo + (current.hi - current.lo) / 2;  // fewer addresses
    then.push_back({current.lo, mid, current.until});
    then.push_back({mid, current.hi, current.until});
  } else {
    missing = std::to_string(kSearchCap) + " or more results for " + addresses.at(current.lo) + " on " + day +
              ": some of that day may be missing";
    const std::int64_t before = *day_start(day) - kDayS;
    if (after_s <= 0 || before + kDayS > after_s) then.push_back({current.lo, current.hi, utc_day(before)});
  }
  plan.spans.insert(plan.spans.begin(), then.begin(), then.end());
  return missing;
}

}  // namespace hiresync::providers::microsoft::internal
