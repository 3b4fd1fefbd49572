// The one place where an Error becomes an HTTP answer (shared/API.md error shape):
//   {"error": {"code": "snake_case", "message": "what a person reads", "remedy": "what to do"}}
// The status comes from the ErrorCode, except for the API's own problem codes (below), which carry
// their own. The message and remedy come from model/problems.hpp for provider problems, from the
// API's table for its own, else a generic sentence per ErrorCode: Error::detail is log-only and is
// never shown, except for the API's validation problems whose detail the API itself wrote for
// the caller (invalid_request).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "model/result.hpp"
#include "net/http.hpp"

namespace hiresync::api {

// API problem codes (besides model/problems.hpp). Codes are part of the API: DO NOT rename.
inline constexpr const char* kInvalidJson = "invalid_json";                // 400
inline constexpr const char* kInvalidRequest = "invalid_request";          // 400; detail is the message
inline constexpr const char* kUnauthorized = "unauthorized";               // 401
inline constexpr const char* kInvalidCredentials = "invalid_credentials";  // 401
inline constexpr const char* kForbidden = "forbidden";                     // 403
inline constexpr const char* kNotConnected = "not_connected";              // 404: no mailbox yet
inline constexpr const char* kInvalidState = "invalid_state";              // 400: OAuth state
inline constexpr const char* kRouteNotFound = "route_not_found";           // 404
inline constexpr const char* kMethodNotAllowed = "method_not_allowed";     // 405
inline constexpr const char* kStoreUnavailable = "store_unavailable";      // 503
inline constexpr const char* kCsrfFailed = "csrf_failed";                  // 403: cookie write without token
inline constexpr const char* kNotOwner = "not_owner";                      // 403: visible, not the caller's

// An Error carrying one of the API's problem codes (or a model/problems.hpp code).
model::Error problem_error(model::ErrorCode code, const char* problem, std::string detail);
// 400 invalid_request with a message for the caller (it is shown: no secrets, no internals).
model::Error invalid_request(std::string message);

// The HTTP status for an error.
int http_status(const model::Error& error);
// Every problem a person can be shown, {"<code>": {"message", "remedy"}}: model/problems.hpp and
// the API's own codes (GET /api/problems; the UI renders ?result=error&code=X from it).
nlohmann::json problems_json();

// The JSON error response for `error` (with Retry-After for kRateLimited when known).
net::Response error_response(const model::Error& error);
// The same with `message` shown in place of the table's: for a problem whose text names specifics
// the caller may know (mailbox_in_use names the colleague holding the address). Status, code and
// remedy still come from the tables.
net::Response error_response(const model::Error& error, std::string_view message);

}  // namespace hiresync::api
