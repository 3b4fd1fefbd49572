// Helpers shared by the Google connector's files (errors, OAuth, Gmail, push). Not part of the
// module's interface; exposed in a header so the unit tests can reach the pure parts.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/result.hpp"
#include "net/client.hpp"

namespace hiresync::providers::google::internal {

// Seconds since the epoch by the system clock (the default clock of the OAuth client and of
// map_error's Retry-After dates).
std::int64_t system_now_s();

// A Retry-After header value as a delay in seconds: delta-seconds ("120") or an HTTP-date
// (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", or
// asctime "Sun Nov  6 08:49:37 1994"), relative to `now_s`. A date in the past gives 0. Returns -1
// for an empty or unreadable value. Pure.
int parse_retry_after(std::string_view value, std::int64_t now_s);

// The Error for an OAuth `error` code (RFC 6749 §4.1.2.1 / §5.2 and Google's A.10 values).
// `context` "authorize" (redirect back from the consent page: always kConsentRequired), "token"
// (code exchange), "refresh", "revoke". `status` is the HTTP status (0 on the authorize redirect).
// Pure.
model::Error oauth_error(std::string_view error, std::string_view description, std::string_view context,
                         int status);

// Parses a JSON body; nullopt when it is not JSON (never throws).
std::optional<nlohmann::json> parse_json(std::string_view body);

// A string member of a JSON object, accepting numbers too (Gmail sends uint64 ids as strings, and
// some servers as numbers); "" when absent or of another type. Never throws.
std::string json_string(const nlohmann::json& object, const char* key);

// An integer member given as a JSON number or a decimal string (Gmail's internalDate); nullopt
// when absent or unreadable. Never throws.
std::optional<std::int64_t> json_int(const nlohmann::json& object, const char* key);

// Sends `request` and returns the response when its status is 2xx. A transport failure or a non-2xx
// status becomes map_error's Error for `context`. Thread-safe when `http` is.
model::Result<net::ClientResponse> send(net::HttpClient& http, const net::ClientRequest& request,
                                        std::string_view context);

}  // namespace hiresync::providers::google::internal
