// Microsoft's wire formats for times, GUIDs and error bodies (shared/PROTOCOLS.md B.6, B.8): pure
// functions building values and net::Response objects. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/http.hpp"

namespace hiresync::sandbox::microsoft {

// "2024-06-10T09:39:05Z" (Graph message dates: whole seconds).
std::string iso_seconds(std::int64_t ms);
// "2024-06-13T09:00:00.1230000Z" (subscription expirations: seven fraction digits, as Graph sends).
std::string iso_seven(std::int64_t ms);
// "2024-06-10 09:39:05Z" (Entra's `timestamp`).
std::string entra_timestamp(std::int64_t ms);
// Parses "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+hh:mm|-hh:mm]" (a missing zone is UTC) to epoch ms.
std::optional<std::int64_t> parse_iso(std::string_view text);

// A random GUID "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".
std::string random_guid();
// A GUID derived from `seed` (stable: the same seed gives the same GUID).
std::string stable_guid(std::string_view seed);

// Graph's error body (B.6) with HTTP `status`:
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
// `retry_after_s` >= 0 adds Retry-After; 401 adds WWW-Authenticate.
net::Response graph_error(int status, std::string_view code, std::string_view message, std::int64_t now_ms,
                          int retry_after_s = -1);

// Entra's token-endpoint error (B.8): {"error","error_description":"AADSTS<code>: <text>\r\nTrace ID:
// ...\r\nCorrelation ID: ...\r\nTimestamp: ...","error_codes":[code],"timestamp","trace_id",
// "correlation_id","error_uri"}, Cache-Control: no-store.
net::Response entra_error(int status, std::string_view error, int aadsts, std::string_view text,
                          std::int64_t now_ms);
// The error_description alone (also used on authorize redirects).
std::string entra_description(int aadsts, std::string_view text, std::int64_t now_ms);

// A JSON response with Cache-Control: no-store and Pragma: no-cache.
net::Response no_store_json(int status, std::string body);

std::string lower(std::string s);

}  // namespace hiresync::sandbox::microsoft
