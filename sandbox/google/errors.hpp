// Google's error responses, as the Gmail API and the OAuth endpoints send them (shared/PROTOCOLS.md
// A.9, C). Pure functions building net::Response values; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "net/http.hpp"

namespace hiresync::sandbox::google {

// {"error":{"code":N,"message":M,"errors":[{"message":M,"domain":D,"reason":R}],"status":S}} with
// HTTP status `code`. `retry_after_s` >= 0 adds a Retry-After header.
net::Response api_error(int code, std::string_view message, std::string_view domain, std::string_view reason,
                        std::string_view status, int retry_after_s = -1);

// The common ones.
net::Response unauthenticated();                                 // 401 authError "Invalid Credentials"
net::Response not_found();                                       // 404 notFound (PROTOCOLS A.5 body)
net::Response bad_request(std::string_view message);             // 400 badRequest
net::Response mail_service_not_enabled();                        // 400 failedPrecondition
net::Response user_rate_limit_exceeded(int retry_after_s = -1);  // 403 usageLimits
net::Response too_many_concurrent(int retry_after_s = -1);       // 429 rateLimitExceeded
net::Response backend_error(int code, int retry_after_s = -1);   // 5xx backendError
net::Response insufficient_scope();                              // 403 insufficientPermissions

// The response an injected fault with this HTTP status produces (403, 429, 5xx, 401; anything
// else gets a backendError-shaped body with that status).
net::Response fault_response(int status, int retry_after_s);

// RFC 6749 §5.2 token endpoint error: {"error":E,"error_description":D}, Cache-Control: no-store.
net::Response oauth_error(int status, std::string_view error, std::string_view description);

// A JSON response with Cache-Control: no-store (token endpoint successes).
net::Response no_store_json(int status, std::string body);

}  // namespace hiresync::sandbox::google
