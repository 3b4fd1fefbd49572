#include "sandbox/google/errors.hpp"

#include <nlohmann/json.hpp>

namespace hiresync::sandbox::google {

net::Response api_error(int code, std::string_view message, std::string_view domain, std::string_view reason,
                        std::string_view status, int retry_after_s) {
  nlohmann::json error = {
      {"code", code},
      {"message", message},
      {"errors", nlohmann::json::array({{{"message", message}, {"domain", domain}, {"reason", reason}}})},
      {"status", status}};
  net::Response r = net::Response::json(code, nlohmann::json{{"error", std::move(error)}}.dump());
  if (retry_after_s >= 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  if (code == 401)
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
  return r;
}

net::Response unauthenticated() {
  return api_error(401, "Invalid Credentials", "global", "authError", "UNAUTHENTICATED");
}

net::Response not_found() {
  return api_error(404, "Requested entity was not found.", "global", "notFound", "NOT_FOUND");
}

net::Response bad_request(std::string_view message) {
  return api_error(400, message, "global", "badRequest", "INVALID_ARGUMENT");
}

net::Response mail_service_not_enabled() {
  return api_error(400, "Mail service not enabled", "global", "failedPrecondition", "FAILED_PRECONDITION");
}

net::Response user_rate_limit_exceeded(int retry_after_s) {
  return api_error(403, "User Rate Limit Exceeded", "usageLimits", "userRateLimitExceeded",
                   "PERMISSION_DENIED", retry_after_s);
}

net::Response too_many_concurrent(int retry_after_s) {
  return api_error(429, "Too many concurrent requests for user", "global", "rateLimitExceeded",
                   "RESOURCE_EXHAUSTED", retry_after_s);
}

net::Response backend_error(int code, int retry_after_s) {
  return api_error(code, "Backend Error", "global", "backendError", code == 503 ? "UNAVAILABLE" : "INTERNAL",
                   retry_after_s);
}

net::Response insufficient_scope() {
  return api_error(403, "Request had insufficient authentication scopes.", "global",
                   "insufficientPermissions", "PERMISSION_DENIED");
}

net::Response fault_response(int status, int retry_after_s) {
  switch (status) {
    case 401:
      return unauthenticated();
    case 403:
      return user_rate_limit_exceeded(retry_after_s);
    case 429:
      return too_many_concurrent(retry_after_s);
    default:
      return backend_error(status, retry_after_s);
  }
}

net::Response no_store_json(int status, std::string body) {
  net::Response r = net::Response::json(status, std::move(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Pragma", "no-cache");
  return r;
}

net::Response oauth_error(int status, std::string_view error, std::string_view description) {
  return no_store_json(status, nlohmann::json{{"error", error}, {"error_description", description}}.dump());
}

}  // namespace hiresync::sandbox::google
