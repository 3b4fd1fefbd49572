// Provider-neutral helpers every connector uses (google/, microsoft/): JSON reading that never
// throws, Retry-After parsing, one `send` that turns a transport failure or a non-2xx status
// into the connector's classified Error, and the OAuth 2.0 code-flow plumbing (scope list, form
// POST, RFC 6749 token response). Transport only: no provider semantics here; each connector keeps
// its own map_error, authorize URL and error mapping and passes them in.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "net/client.hpp"
#include "net/http.hpp"
#include "providers/provider.hpp"

namespace hiresync::providers {

// Seconds since the epoch by the system clock (the default clock of the connectors and of the
// map_error functions' Retry-After dates).
std::int64_t system_now_s();

// A Retry-After header value as a delay in seconds: delta-seconds ("120") or an HTTP-date
// (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", or
// asctime "Sun Nov  6 08:49:37 1994"), relative to `now_s`. A date in the past gives 0. Returns -1
// for an empty or unreadable value. Pure.
int parse_retry_after(std::string_view value, std::int64_t now_s);

// Parses a JSON body; nullopt when it is not JSON (never throws).
std::optional<nlohmann::json> parse_json(std::string_view body);

// A string member of a JSON object, accepting numbers too (Gmail sends uint64 ids as strings, and
// some servers as numbers); "" when absent or of another type. Never throws.
std::string json_string(const nlohmann::json& object, const char* key);

// An integer member given as a JSON number or a decimal string (Gmail's internalDate, Entra's
// expires_in); nullopt when absent or unreadable. Never throws.
std::optional<std::int64_t> json_int(const nlohmann::json& object, const char* key);

// A connector's error mapping: (HTTP status or 0 for no response, body or the transport's detail,
// Retry-After header, context) -> Error. google::map_error and microsoft::map_error have this
// signature.
using ErrorMapper = model::Error (*)(int status, std::string_view body, std::string_view retry_after,
                                     std::string_view context);

// Sends `request` and returns the response when its status is 2xx. A transport failure becomes
// map(0, detail, "", context); a non-2xx status map(status, body, Retry-After, context).
// Thread-safe when `http` is.
model::Result<net::ClientResponse> send(net::HttpClient& http, const net::ClientRequest& request,
                                        ErrorMapper map, std::string_view context);

// --- OAuth 2.0 code flow (RFC 6749) -------------------------------------------------------------

// The scopes as one space-separated `scope` parameter value. Pure.
std::string join_scopes(const std::vector<std::string>& scopes);

// A form POST to an OAuth endpoint: `form` as an application/x-www-form-urlencoded body, Accept:
// application/json, a 30 s timeout. Pure.
net::ClientRequest form_post(const std::string& url, const net::Fields& form);

// Reads an RFC 6749 §5.1 token response: access_token (required), refresh_token and scope (""
// when absent), expires_at = now_s + expires_in (3600 when absent). kMalformedInput, with the
// detail prefixed by `where` (e.g. "google token: "), when the body is not a JSON object or has no
// access_token. Pure; never throws.
model::Result<Tokens> parse_token_response(std::string_view body, std::int64_t now_s, std::string_view where);

// POSTs `form` to the token endpoint `url` (form_post) and reads the answer with
// parse_token_response(body, now_s, "<provider> <context>: "). A transport failure or a non-2xx
// status is map(...) as in send(). `now_s` is the clock read before sending. Thread-safe when
// `http` is.
model::Result<Tokens> request_tokens(net::HttpClient& http, const std::string& url, const net::Fields& form,
                                     ErrorMapper map, std::string_view provider, std::string_view context,
                                     std::int64_t now_s);

}  // namespace hiresync::providers
