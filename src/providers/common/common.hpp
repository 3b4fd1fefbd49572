// Provider-neutral helpers every connector uses (google/, microsoft/): JSON reading that never
// throws, Retry-After parsing, and one `send` that turns a transport failure or a non-2xx status
// into the connector's classified Error. Transport only: no provider semantics here; each
// connector keeps its own map_error and passes it in.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/result.hpp"
#include "net/client.hpp"

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

}  // namespace hiresync::providers
