#include "providers/common/common.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <climits>
#include <vector>

#include "model/civil_time.hpp"

namespace hiresync::providers {
namespace {

constexpr std::chrono::milliseconds kOAuthTimeout{30000};
// When a token response omits expires_in (RFC 6749 makes it optional), assume the usual hour of
// Google and Entra.
constexpr std::int64_t kDefaultExpiresIn = 3600;

std::optional<int> number(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<unsigned> month(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == s) return i + 1;
  }
  return std::nullopt;
}

std::vector<std::string_view> tokens(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Unix seconds of an HTTP-date (RFC 9110 §5.6.7, all three forms), or nullopt.
std::optional<std::int64_t> parse_http_date(std::string_view value) {
  std::string_view day_s;
  std::string_view mon_s;
  std::string_view year_s;
  std::string_view time_s;
  std::string rest;
  if (auto comma = value.find(','); comma != std::string_view::npos) {
    rest = std::string(value.substr(comma + 1));
    std::replace(rest.begin(), rest.end(), '-', ' ');  // RFC 850: 06-Nov-94
    auto t = tokens(rest);
    if (t.size() != 5 || t[4] != "GMT") return std::nullopt;
    day_s = t[0], mon_s = t[1], year_s = t[2], time_s = t[3];
  } else {
    auto t = tokens(value);  // asctime: Sun Nov  6 08:49:37 1994
    if (t.size() != 5) return std::nullopt;
    mon_s = t[1], day_s = t[2], time_s = t[3], year_s = t[4];
  }
  auto day = number(day_s);
  auto mon = month(mon_s);
  auto year = number(year_s);
  if (!day || !mon || !year || time_s.size() != 8 || time_s[2] != ':' || time_s[5] != ':')
    return std::nullopt;
  auto hh = number(time_s.substr(0, 2));
  auto mm = number(time_s.substr(3, 2));
  auto ss = number(time_s.substr(6, 2));
  if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60 || *day < 1 || *day > 31) return std::nullopt;
  int y = *year;
  if (year_s.size() == 2) y += y < 70 ? 2000 : 1900;
  return model::days_from_civil(y, *mon, static_cast<unsigned>(*day)) * 86400 + std::int64_t{*hh} * 3600 +
         std::int64_t{*mm} * 60 + *ss;
}

}  // namespace

std::int64_t system_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int parse_retry_after(std::string_view value, std::int64_t now_s) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return -1;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc::result_out_of_range) return INT_MAX;
    if (ec != std::errc()) return -1;
    return static_cast<int>(std::min<std::int64_t>(v, INT_MAX));
  }
  auto when = parse_http_date(value);
  if (!when) return -1;
  return static_cast<int>(std::clamp<std::int64_t>(*when - now_s, 0, INT_MAX));
}

std::optional<nlohmann::json> parse_json(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return std::nullopt;
  return json;
}

std::string json_string(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

std::optional<std::int64_t> json_int(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return v;
  }
  return std::nullopt;
}

model::Result<net::ClientResponse> send(net::HttpClient& http, const net::ClientRequest& request,
                                        ErrorMapper map, std::string_view context) {
  auto response = http.send(request);
  if (!response) return map(0, response.error().detail, "", context);
  if (response->status >= 200 && response->status < 300) return std::move(response).value();
  return map(response->status, response->body, response->header("Retry-After"), context);
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& scope : scopes) {
    if (!out.empty()) out += ' ';
    out += scope;
  }
  return out;
}

net::ClientRequest form_post(const std::string& url, const net::Fields& form) {
  net::ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = net::encode_query(form);
  request.timeout = kOAuthTimeout;
  return request;
}

model::Result<Tokens> parse_token_response(std::string_view body, std::int64_t now_s,
                                           std::string_view where) {
  auto json = parse_json(body);
  if (!json || !json->is_object()) {
    return model::make_error(model::ErrorCode::kMalformedInput,
                             std::string(where) + "token response is not a JSON object");
  }
  Tokens tokens;
  tokens.access_token = json_string(*json, "access_token");
  if (tokens.access_token.empty()) {
    return model::make_error(model::ErrorCode::kMalformedInput,
                             std::string(where) + "token response without access_token");
  }
  tokens.refresh_token = json_string(*json, "refresh_token");
  tokens.scope = json_string(*json, "scope");
  tokens.expires_at = now_s + json_int(*json, "expires_in").value_or(kDefaultExpiresIn);
  return tokens;
}

model::Result<Tokens> request_tokens(net::HttpClient& http, const std::string& url, const net::Fields& form,
                                     ErrorMapper map, std::string_view provider, std::string_view context,
                                     std::int64_t now_s) {
  auto response = send(http, form_post(url, form), map, context);
  if (!response) return response.error();
  return parse_token_response(response->body, now_s,
                              std::string(provider) + " " + std::string(context) + ": ");
}

}  // namespace hiresync::providers
