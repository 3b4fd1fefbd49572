// map_error against every row of PROTOCOLS.md A.9, the OAuth token errors (C, A.10, A.11) and
// unreadable bodies (Retry-After parsing itself: providers/common/common_test.cpp).
#include <gtest/gtest.h>

#include "model/problems.hpp"
#include "providers/common/test_expect.hpp"
#include "providers/google/google.hpp"

namespace hiresync::providers::google {
namespace {

using model::ErrorCode;

std::string gmail_error(int code, const std::string& reason, const std::string& message,
                        const std::string& status = "", const std::string& extra = "") {
  std::string body = R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message +
                     R"(","errors":[{"domain":"global","reason":")" + reason + R"(","message":")" + message +
                     R"("}])";
  if (!status.empty()) body += R"(,"status":")" + status + R"(")";
  return body + extra + "}}";
}

std::string oauth_body(const std::string& error, const std::string& description) {
  return R"({"error":")" + error + R"(","error_description":")" + description + R"("})";
}

using Row = test_support::ErrorRow;

class MapErrorTable : public ::testing::TestWithParam<Row> {};

TEST_P(MapErrorTable, Classifies) {
  const Row& row = GetParam();
  test_support::expect_classified(map_error(row.status, row.body, "", row.context), row);
}

const Row kRows[] = {
    // A.9
    {"bad_request", 400, gmail_error(400, "badRequest", "Invalid id value"), "gmail", ErrorCode::kInternal,
     "provider_error"},
    {"no_mailbox", 400,
     gmail_error(400, "failedPrecondition", "Mail service not enabled", "FAILED_PRECONDITION"), "gmail",
     ErrorCode::kConsentRequired, "no_mailbox"},
    {"precondition_check", 400, gmail_error(400, "failedPrecondition", "Precondition check failed."), "gmail",
     ErrorCode::kInternal, "provider_error"},
    {"auth_error", 401, gmail_error(401, "authError", "Invalid Credentials", "UNAUTHENTICATED"), "gmail",
     ErrorCode::kAuthExpired, ""},
    {"insufficient_permissions", 403,
     gmail_error(
         403, "insufficientPermissions", "Request had insufficient authentication scopes.",
         "PERMISSION_DENIED",
         R"(,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT"}])"),
     "gmail", ErrorCode::kConsentRequired, "insufficient_scope"},
    {"scope_insufficient_details_only", 403,
     R"({"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED","details":[{"reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT"}]}})",
     "gmail", ErrorCode::kConsentRequired, "insufficient_scope"},
    {"daily_limit", 403, gmail_error(403, "dailyLimitExceeded", "Daily Limit Exceeded"), "gmail",
     ErrorCode::kRateLimited, ""},
    {"rate_limit", 403, gmail_error(403, "rateLimitExceeded", "Rate Limit Exceeded"), "gmail",
     ErrorCode::kRateLimited, ""},
    {"user_rate_limit", 403, gmail_error(403, "userRateLimitExceeded", "User Rate Limit Exceeded"), "history",
     ErrorCode::kRateLimited, ""},
    {"domain_policy", 403,
     gmail_error(403, "domainPolicy", "The domain administrators have disabled Gmail apps."), "gmail",
     ErrorCode::kConsentRequired, "admin_policy_enforced"},
    {"access_not_configured", 403,
     gmail_error(403, "accessNotConfigured",
                 "Gmail API has not been used in project 12 before or it is disabled.", "PERMISSION_DENIED"),
     "gmail", ErrorCode::kInternal, "provider_misconfigured"},
    {"history_not_found", 404, gmail_error(404, "notFound", "Requested entity was not found.", "NOT_FOUND"),
     "history", ErrorCode::kCursorInvalid, ""},
    {"message_not_found", 404, gmail_error(404, "notFound", "Requested entity was not found.", "NOT_FOUND"),
     "gmail", ErrorCode::kNotFound, ""},
    {"concurrent", 429,
     gmail_error(429, "rateLimitExceeded", "Too many concurrent requests for user", "RESOURCE_EXHAUSTED"),
     "gmail", ErrorCode::kRateLimited, ""},
    {"concurrent_403", 403, gmail_error(403, "forbidden", "Too many concurrent requests for user"), "gmail",
     ErrorCode::kRateLimited, ""},
    {"backend_500", 500, gmail_error(500, "backendError", "Backend Error"), "gmail", ErrorCode::kTransient,
     ""},
    {"backend_502", 502, gmail_error(502, "backendError", "Backend Error"), "gmail", ErrorCode::kTransient,
     ""},
    {"backend_503", 503, gmail_error(503, "backendError", "Backend Error"), "history", ErrorCode::kTransient,
     ""},
    {"backend_504", 504, gmail_error(504, "backendError", "Backend Error"), "gmail", ErrorCode::kTransient,
     ""},
    // OAuth token endpoint (C §5.2, A.10, A.11)
    {"refresh_invalid_grant", 400, oauth_body("invalid_grant", "Token has been expired or revoked."),
     "refresh", ErrorCode::kConsentRequired, "access_revoked"},
    {"exchange_invalid_grant", 400, oauth_body("invalid_grant", "Bad Request"), "token",
     ErrorCode::kConsentRequired, "authorization_failed"},
    {"invalid_client", 401, oauth_body("invalid_client", "The OAuth client was not found."), "token",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"invalid_client_refresh", 400, oauth_body("invalid_client", "Unauthorized"), "refresh",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"unauthorized_client", 401,
     oauth_body("unauthorized_client", "Client is unauthorized to retrieve access tokens using this method."),
     "refresh", ErrorCode::kInternal, "provider_misconfigured"},
    {"unsupported_grant_type", 400, oauth_body("unsupported_grant_type", "Invalid grant_type"), "token",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"invalid_scope", 400, oauth_body("invalid_scope", "Some requested scopes were invalid."), "token",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"invalid_request", 400, oauth_body("invalid_request", "Missing required parameter: code"), "token",
     ErrorCode::kInternal, "provider_error"},
    {"temporarily_unavailable", 400, oauth_body("temporarily_unavailable", "try later"), "refresh",
     ErrorCode::kTransient, ""},
    {"oauth_503", 503, oauth_body("server_error", "x"), "token", ErrorCode::kTransient, ""},
    {"token_admin_policy", 400, oauth_body("admin_policy_enforced", "blocked"), "token",
     ErrorCode::kConsentRequired, "admin_policy_enforced"},
    // Unreadable bodies: the status decides.
    {"html_500", 500, "<html>oops</html>", "gmail", ErrorCode::kTransient, ""},
    {"garbage_401", 401, "nope", "gmail", ErrorCode::kAuthExpired, ""},
    {"garbage_401_at_token_endpoint", 401, "nope", "refresh", ErrorCode::kInternal, "provider_misconfigured"},
    {"garbage_403", 403, "{", "gmail", ErrorCode::kInternal, "provider_error"},
    {"empty_404_history", 404, "", "history", ErrorCode::kCursorInvalid, ""},
    {"empty_404_get", 404, "", "gmail", ErrorCode::kNotFound, ""},
    {"empty_429", 429, "", "gmail", ErrorCode::kRateLimited, ""},
    {"garbage_400_token", 400, "[1,2]", "token", ErrorCode::kInternal, "provider_error"},
    {"json_null_error", 400, R"({"error":null})", "gmail", ErrorCode::kInternal, "provider_error"},
    {"timeout_408", 408, "", "gmail", ErrorCode::kTransient, ""},
    // No response at all.
    {"transport", 0, "connection refused", "gmail", ErrorCode::kTransient, "provider_unreachable"},
};

INSTANTIATE_TEST_SUITE_P(Rows, MapErrorTable, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& row) {
                           return std::string(row.param.name);
                         });

TEST(MapError, RateLimitTakesRetryAfterSeconds) {
  auto e = map_error(429, gmail_error(429, "rateLimitExceeded", "Too many concurrent requests for user"),
                     "120", "gmail");
  EXPECT_EQ(e.code, ErrorCode::kRateLimited);
  EXPECT_EQ(e.retry_after_s, 120);
  e = map_error(403, gmail_error(403, "userRateLimitExceeded", "User Rate Limit Exceeded"), " 7 ", "gmail");
  EXPECT_EQ(e.retry_after_s, 7);
}

TEST(MapError, RateLimitWithoutOrWithBadRetryAfterIsMinusOne) {
  EXPECT_EQ(map_error(429, "", "", "gmail").retry_after_s, -1);
  EXPECT_EQ(map_error(429, "", "soon", "gmail").retry_after_s, -1);
}

TEST(MapError, RetryAfterDateInThePastIsZero) {
  auto e = map_error(403, gmail_error(403, "rateLimitExceeded", "Rate Limit Exceeded"),
                     "Sun, 06 Nov 1994 08:49:37 GMT", "gmail");
  EXPECT_EQ(e.code, ErrorCode::kRateLimited);
  EXPECT_EQ(e.retry_after_s, 0);
}

TEST(MapError, DetailNamesReasonButNotAnUnreadableBody) {
  auto e =
      map_error(403, gmail_error(403, "domainPolicy", "The domain administrators have disabled Gmail apps."),
                "", "gmail");
  EXPECT_NE(e.detail.find("403"), std::string::npos);
  EXPECT_NE(e.detail.find("domainPolicy"), std::string::npos);
  e = map_error(400, "access_token=ya29.secret", "", "token");
  EXPECT_EQ(e.detail.find("ya29.secret"), std::string::npos) << e.detail;
}

}  // namespace
}  // namespace hiresync::providers::google
