#include "sandbox/microsoft/format.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "sandbox/google/random.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

std::tm utc(std::int64_t ms) {
  const auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

std::string format_tm(std::int64_t ms, const char* pattern) {
  const std::tm tm = utc(ms);
  char buf[64];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}

std::string guid_from_hex(std::string hex) {
  hex[12] = '4';
  hex[16] = "89ab"[static_cast<unsigned char>(hex[16]) % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string iso_seconds(std::int64_t ms) { return format_tm(ms, "%Y-%m-%dT%H:%M:%SZ"); }

std::string iso_seven(std::int64_t ms) {
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03d0000Z", static_cast<int>(ms % 1000));
  return format_tm(ms, "%Y-%m-%dT%H:%M:%S") + frac;
}

std::string entra_timestamp(std::int64_t ms) { return format_tm(ms, "%Y-%m-%d %H:%M:%SZ"); }

std::optional<std::int64_t> parse_iso(std::string_view t) {
  std::tm tm{};
  const int y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2);
  const int h = digits(t, 11, 2), mi = digits(t, 14, 2), s = digits(t, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
      s > 60 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  std::size_t pos = 19;
  if (pos < t.size() && t[pos] == '.') {
    int scale = 100;
    for (++pos; pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos])) != 0; ++pos) {
      ms += static_cast<std::int64_t>(t[pos] - '0') * scale;
      scale /= 10;
    }
  }
  if (pos == t.size() || t.substr(pos) == "Z" || t.substr(pos) == "z") return ms;
  if ((t[pos] == '+' || t[pos] == '-') && t.size() == pos + 6 && t[pos + 3] == ':') {
    const int oh = digits(t, pos + 1, 2), om = digits(t, pos + 4, 2);
    if (oh < 0 || om < 0) return std::nullopt;
    const std::int64_t offset = (oh * 60LL + om) * 60'000;
    return t[pos] == '+' ? ms - offset : ms + offset;
  }
  return std::nullopt;
}

std::string random_guid() { return guid_from_hex(google::random_hex(16)); }

std::string stable_guid(std::string_view seed) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    hex.push_back(kHex[digest[i] >> 4U]);
    hex.push_back(kHex[digest[i] & 15U]);
  }
  return guid_from_hex(hex);
}

net::Response graph_error(int status, std::string_view code, std::string_view message, std::int64_t now_ms,
                          int retry_after_s) {
  const std::string request_id = random_guid();
  const nlohmann::json body = {
      {"error",
       {{"code", code},
        {"message", message},
        {"innerError",
         {{"date", iso_seconds(now_ms)}, {"request-id", request_id}, {"client-request-id", request_id}}}}}};
  net::Response r = net::Response::json(status, body.dump());
  r.headers.emplace_back("request-id", request_id);
  if (retry_after_s >= 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  if (status == 401) {
    r.headers.emplace_back("WWW-Authenticate",
                           "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/"
                           "oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"");
  }
  return r;
}

std::string entra_description(int aadsts, std::string_view text, std::int64_t now_ms) {
  return "AADSTS" + std::to_string(aadsts) + ": " + std::string(text) + "\r\nTrace ID: " + random_guid() +
         "\r\nCorrelation ID: " + random_guid() + "\r\nTimestamp: " + entra_timestamp(now_ms);
}

net::Response entra_error(int status, std::string_view error, int aadsts, std::string_view text,
                          std::int64_t now_ms) {
  const std::string description = entra_description(aadsts, text, now_ms);
  const auto line = [&](std::string_view label) {
    const std::size_t at = description.find(label);
    const std::size_t start = at + label.size();
    return description.substr(start, description.find('\r', start) - start);
  };
  const nlohmann::json body = {
      {"error", error},
      {"error_description", description},
      {"error_codes", {aadsts}},
      {"timestamp", entra_timestamp(now_ms)},
      {"trace_id", line("Trace ID: ")},
      {"correlation_id", line("Correlation ID: ")},
      {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(aadsts)}};
  return no_store_json(status, body.dump());
}

net::Response no_store_json(int status, std::string body) {
  net::Response r = net::Response::json(status, std::move(body));
  r.headers.emplace_back("Cache-Control", "no-store, no-cache");
  r.headers.emplace_back("Pragma", "no-cache");
  return r;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace hiresync::sandbox::microsoft
