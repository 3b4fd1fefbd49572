// The pure parts of the Microsoft connector: dates, RFC 5322 headers rebuilt from a Graph message,
// the composite delta cursor and page token, KQL for $search, and change notifications.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "crypto/crypto.hpp"
#include "model/civil_time.hpp"
#include "providers/common/common.hpp"
#include "providers/microsoft/microsoft.hpp"
#include "providers/microsoft/microsoft_internal.hpp"
#include "providers/microsoft/search_plan.hpp"

namespace hiresync::providers::microsoft {
namespace {

using nlohmann::json;

// A unix time as a proleptic Gregorian date and time (H. Hinnant's civil_from_days).
struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
  unsigned hour;
  unsigned minute;
  unsigned second;
  unsigned weekday;  // 0 = Sunday
};

Civil civil_from_unix(std::int64_t unix_s) {
  std::int64_t days = unix_s / 86400;
  std::int64_t secs = unix_s % 86400;
  if (secs < 0) secs += 86400, --days;
  Civil c{};
  c.weekday = static_cast<unsigned>((days % 7 + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2 ? 1 : 0);
  c.hour = static_cast<unsigned>(secs / 3600);
  c.minute = static_cast<unsigned>(secs / 60 % 60);
  c.second = static_cast<unsigned>(secs % 60);
  return c;
}

std::optional<unsigned> digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return std::nullopt;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + n, v);
  if (ec != std::errc() || p != s.data() + at + n) return std::nullopt;
  return v;
}

// Header values must stay on one line: CR, LF, tabs and other controls become spaces.
std::string one_line(std::string_view value) {
  std::string out(value);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
  return out;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

bool is_atext(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// emailAddress {name, address} of a recipient object ({"emailAddress":{...}}).
std::string recipient(const json& value) {
  if (!value.is_object()) return {};
  auto it = value.find("emailAddress");
  if (it == value.end() || !it->is_object()) return {};
  return internal::format_mailbox(json_string(*it, "name"), json_string(*it, "address"));
}

std::string recipient_list(const json& message, const char* key) {
  auto it = message.find(key);
  if (it == message.end() || !it->is_array()) return {};
  std::string out;
  for (const auto& entry : *it) {
    std::string one = recipient(entry);
    if (one.empty()) continue;
    if (!out.empty()) out += ", ";
    out += one;
  }
  return out;
}

std::string internet_header(const json& message, std::string_view name) {
  auto it = message.find("internetMessageHeaders");
  if (it == message.end() || !it->is_array()) return {};
  for (const auto& header : *it) {
    if (equals_nocase(json_string(header, "name"), name)) return json_string(header, "value");
  }
  return {};
}

// The id at the end of a resource path ("Users/{guid}/Messages/{id}").
std::string resource_tail(const std::string& resource) {
  const auto slash = resource.rfind('/');
  return slash == std::string::npos ? resource : resource.substr(slash + 1);
}

}  // namespace

namespace internal {

std::string iso_time(std::int64_t unix_s) {
  const Civil c = civil_from_unix(unix_s);
  std::array<char, 40> buf{};
  std::snprintf(buf.data(), buf.size(), "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(c.year),
                c.month, c.day, c.hour, c.minute, c.second);
  return buf.data();
}

std::optional<std::int64_t> parse_iso_time_ms(std::string_view s) {
  // YYYY-MM-DDThh:mm:ss[.f+](Z|+hh:mm|-hh:mm)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  auto year = digits(s, 0, 4);
  auto mon = digits(s, 5, 2);
  auto day = digits(s, 8, 2);
  auto hh = digits(s, 11, 2);
  auto mm = digits(s, 14, 2);
  auto ss = digits(s, 17, 2);
  if (!year || !mon || !day || !hh || !mm || !ss || *mon < 1 || *mon > 12 || *day < 1 || *day > 31 ||
      *hh > 23 || *mm > 59 || *ss > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t start = i;
    std::int64_t scale = 100;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ms += std::int64_t{s[i] - '0'} * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    auto oh = digits(s, i + 1, 2);
    auto om = digits(s, i + 4, 2);
    if (!oh || !om || i + 3 >= s.size() || s[i + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset_s = (s[i] == '+' ? 1 : -1) * (std::int64_t{*oh} * 3600 + std::int64_t{*om} * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const std::int64_t unix_s = model::days_from_civil(*year, *mon, *day) * 86400 + std::int64_t{*hh} * 3600 +
                              std::int64_t{*mm} * 60 + *ss - offset_s;
  return unix_s * 1000 + ms;
}

std::string rfc5322_date(std::int64_t unix_s) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = civil_from_unix(unix_s);
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%s, %02u %s %04lld %02u:%02u:%02u +0000", kDays[c.weekday], c.day,
                kMonths[c.month - 1], static_cast<long long>(c.year), c.hour, c.minute, c.second);
  return buf.data();
}

std::string format_mailbox(std::string_view name_in, std::string_view address) {
  if (address.empty() || std::any_of(address.begin(), address.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' ||
               c == '"' || c == '\\';
      })) {
    return {};
  }
  const std::string name = trim(one_line(name_in));
  if (name.empty() || equals_nocase(name, address)) return std::string(address);
  const bool plain = std::all_of(name.begin(), name.end(), [](char c) { return c == ' ' || is_atext(c); });
  if (plain) return name + " <" + std::string(address) + ">";
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" <" + std::string(address) + ">";
}

std::string rebuild_headers(const json& message) {
  if (!message.is_object()) return {};
  std::string out;
  auto line = [&out](const char* name, const std::string& value) {
    if (!value.empty()) out.append(name).append(": ").append(value).append("\r\n");
  };
  auto single = [&message](const char* key) {
    auto it = message.find(key);
    return it == message.end() ? std::string() : recipient(*it);
  };
  line("From", single("from"));
  line("Sender", single("sender"));
  line("Reply-To", recipient_list(message, "replyTo"));
  line("To", recipient_list(message, "toRecipients"));
  line("Cc", recipient_list(message, "ccRecipients"));
  line("Bcc", recipient_list(message, "bccRecipients"));
  line("Subject", one_line(json_string(message, "subject")));
  if (auto sent = parse_iso_time_ms(json_string(message, "sentDateTime"))) {
    std::int64_t seconds = *sent / 1000;
    if (*sent < 0 && *sent % 1000 != 0) --seconds;
    line("Date", rfc5322_date(seconds));
  }
  line("Message-ID", trim(one_line(json_string(message, "internetMessageId"))));
  line("In-Reply-To", trim(one_line(internet_header(message, "In-Reply-To"))));
  line("References", trim(one_line(internet_header(message, "References"))));
  return out;
}

namespace {

json cursor_json(const DeltaCursor& cursor) {
  json folders = json::object();
  for (const auto& [id, link] : cursor.folders) folders[id] = link;
  return json{
      {"v", 2}, {"since", cursor.since}, {"untracked", cursor.untracked}, {"folders", std::move(folders)}};
}

std::optional<DeltaCursor> cursor_of(const json& j) {
  if (!j.is_object()) return std::nullopt;
  DeltaCursor out;
  if (!j.contains("v")) {  // the first format: the inbox and Sent Items links
    out.legacy = true;
    for (const std::string_view name : {std::string_view("inbox"), std::string_view("sentitems")}) {
      std::string link = json_string(j, std::string(name).c_str());
      if (link.empty()) return std::nullopt;
      out.folders[std::string(name)] = std::move(link);
    }
    return out;
  }
  if (json_int(j, "v").value_or(0) != 2) return std::nullopt;
  out.since = json_string(j, "since");
  if (auto it = j.find("untracked"); it != j.end() && it->is_array()) {
    for (const auto& id : *it) {
      if (id.is_string() && !id.get<std::string>().empty()) out.untracked.push_back(id.get<std::string>());
    }
  }
  auto folders = j.find("folders");
  if (folders == j.end() || !folders->is_object()) return std::nullopt;
  for (const auto& [id, link] : folders->items()) {
    if (!link.is_string() || link.get<std::string>().empty()) return std::nullopt;
    out.folders[id] = link.get<std::string>();
  }
  return out;
}

}  // namespace

std::string serialize_cursor(const DeltaCursor& cursor) { return cursor_json(cursor).dump(); }

std::optional<DeltaCursor> parse_cursor(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed) return std::nullopt;
  return cursor_of(*parsed);
}

std::string serialize_page_token(const DeltaPageToken& token) {
  return json{{"order", token.order},
              {"links", token.links},
              {"at", token.at},
              {"next", token.next},
              {"reached", cursor_json(token.reached)}}
      .dump();
}

std::optional<DeltaPageToken> parse_page_token(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  DeltaPageToken out;
  if (auto it = parsed->find("order"); it != parsed->end() && it->is_array()) {
    for (const auto& id : *it) {
      if (!id.is_string()) return std::nullopt;
      out.order.push_back(id.get<std::string>());
    }
  }
  if (auto it = parsed->find("links"); it != parsed->end() && it->is_array()) {
    for (const auto& link : *it) {
      if (!link.is_string()) return std::nullopt;
      out.links.push_back(link.get<std::string>());
    }
  }
  const auto at = json_int(*parsed, "at");
  out.next = json_string(*parsed, "next");
  auto reached = parsed->find("reached");
  if (!at || *at < 0 || static_cast<std::size_t>(*at) >= out.order.size() ||
      out.links.size() != out.order.size() || out.next.empty() || reached == parsed->end()) {
    return std::nullopt;
  }
  out.at = static_cast<std::size_t>(*at);
  auto cursor = cursor_of(*reached);
  if (!cursor || cursor->legacy) return std::nullopt;
  out.reached = std::move(*cursor);
  return out;
}

}  // namespace internal

std::string graph_search(const SearchQuery& query) {
  const std::vector<std::string> addresses = internal::searchable_addresses(query.addresses);
  return internal::address_kql(addresses, 0, addresses.size());
}

model::Result<std::vector<Notification>> parse_notifications(std::string_view body) {
  auto malformed = [](const char* what) {
    return model::make_error(model::ErrorCode::kMalformedInput,
                             std::string("microsoft notification: ") + what);
  };
  auto parsed = parse_json(body);
  if (!parsed || !parsed->is_object()) return malformed("body is not a JSON object");
  auto value = parsed->find("value");
  if (value == parsed->end() || !value->is_array()) return malformed("no value array");
  std::vector<Notification> out;
  for (const auto& item : *value) {
    if (!item.is_object()) return malformed("an item is not an object");
    Notification n;
    n.subscription_id = json_string(item, "subscriptionId");
    if (n.subscription_id.empty()) return malformed("an item has no subscriptionId");
    n.client_state = json_string(item, "clientState");
    n.change_type = json_string(item, "changeType");
    n.lifecycle_event = json_string(item, "lifecycleEvent");
    auto data = item.find("resourceData");
    if (data != item.end() && data->is_object()) n.resource_id = json_string(*data, "id");
    if (n.resource_id.empty() && n.lifecycle_event.empty())
      n.resource_id = resource_tail(json_string(item, "resource"));
    out.push_back(std::move(n));
  }
  return out;
}

bool client_state_matches(std::string_view expected, std::string_view got) {
  return !expected.empty() && crypto::constant_time_equal(expected, got);
}

}  // namespace hiresync::providers::microsoft
