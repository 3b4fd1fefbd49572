// map_error against every row of PROTOCOLS.md B.6 (Graph), B.8 and B.9 (Entra), the OAuth token
// errors of C and unreadable bodies; authorize_error on the redirect's error values; the problem
// codes the connector sets all have words for the recruiter.
#include <gtest/gtest.h>

#include "model/problems.hpp"
#include "providers/common/test_expect.hpp"
#include "providers/microsoft/microsoft.hpp"
#include "providers/microsoft/microsoft_internal.hpp"

namespace hiresync::providers::microsoft {
namespace {

using model::ErrorCode;

// An Entra token error body as B.8 shows it: the AADSTS code in error_codes and in the description,
// followed by the trace lines.
std::string entra(const std::string& error, long long code, const std::string& text) {
  const std::string c = std::to_string(code);
  return R"({"error":")" + error + R"(","error_description":"AADSTS)" + c + ": " + text +
         R"(\r\nTrace ID: 0c5a3b1e-0000\r\nCorrelation ID: 9f2e-0000\r\nTimestamp: 2024-06-10 09:39:05Z",)" +
         R"("error_codes":[)" + c + R"(],"timestamp":"2024-06-10 09:39:05Z","trace_id":"0c5a3b1e-0000",)" +
         R"("correlation_id":"9f2e-0000","error_uri":"https://login.microsoftonline.com/error?code=)" + c +
         R"("})";
}

std::string oauth(const std::string& error) {
  return R"({"error":")" + error + R"(","error_description":"something"})";
}

// A Graph error body as B.6 shows it.
std::string graph(const std::string& code, const std::string& message) {
  return R"({"error":{"code":")" + code + R"(","message":")" + message +
         R"(","innerError":{"request-id":"5f2c-0000","date":"2024-06-10T09:39:05","client-request-id":"5f2c-0000"}}})";
}

using Row = test_support::ErrorRow;

class MapErrorTable : public ::testing::TestWithParam<Row> {};

TEST_P(MapErrorTable, Classifies) {
  const Row& row = GetParam();
  auto error = map_error(row.status, row.body, "", row.context);
  test_support::expect_classified(error, row);
  EXPECT_EQ(error.detail.find("Trace ID"), std::string::npos) << error.detail;
}

const Row kRows[] = {
    // B.9: the grant is gone (refresh) or the code was (exchange).
    {"expired_grant", 400,
     entra("invalid_grant", 70008,
           "The provided authorization code or refresh token has expired due to inactivity."),
     "refresh", ErrorCode::kConsentRequired, "access_revoked"},
    {"inactive_refresh_token", 400,
     entra("invalid_grant", 700082, "The refresh token has expired due to inactivity."), "refresh",
     ErrorCode::kConsentRequired, "access_revoked"},
    {"fresh_token_needed", 400,
     entra("invalid_grant", 50173, "The provided grant has expired due to it being revoked."), "refresh",
     ErrorCode::kConsentRequired, "access_revoked"},
    {"sign_in_frequency", 400,
     entra("invalid_grant", 70043,
           "The refresh token has expired or is invalid due to sign-in frequency checks by conditional "
           "access."),
     "refresh", ErrorCode::kConsentRequired, "access_revoked"},
    {"mfa_required", 400,
     entra("interaction_required", 50076,
           "Due to a configuration change made by your administrator, you must use multi-factor "
           "authentication."),
     "refresh", ErrorCode::kConsentRequired, "access_revoked"},
    {"mfa_enrolment", 400,
     entra("interaction_required", 50079, "The user is required to use multi-factor authentication."),
     "refresh", ErrorCode::kConsentRequired, "access_revoked"},
    {"unknown_grant_code_on_refresh", 400, entra("invalid_grant", 12345, "Something new."), "refresh",
     ErrorCode::kConsentRequired, "access_revoked"},
    {"expired_code", 400,
     entra("invalid_grant", 70008,
           "The provided authorization code or refresh token has expired due to inactivity."),
     "token", ErrorCode::kConsentRequired, "authorization_failed"},
    {"code_redeemed", 400, entra("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed."),
     "token", ErrorCode::kConsentRequired, "authorization_failed"},
    {"pkce_mismatch", 400,
     entra("invalid_grant", 501481,
           "The Code_Verifier does not match the code_challenge supplied in the authorization request."),
     "token", ErrorCode::kConsentRequired, "authorization_failed"},
    // B.9: people who must act.
    {"no_consent_refresh", 400,
     entra("invalid_grant", 65001, "The user or administrator has not consented to use the application."),
     "refresh", ErrorCode::kConsentRequired, "admin_consent_required"},
    {"no_consent_token", 400,
     entra("consent_required", 65001, "The user or administrator has not consented to use the application."),
     "token", ErrorCode::kConsentRequired, "admin_consent_required"},
    {"admin_consent", 400,
     entra("invalid_grant", 90094,
           "Admin consent is required for the permissions requested by this application."),
     "token", ErrorCode::kConsentRequired, "admin_consent_required"},
    {"admin_consent_workflow", 400,
     entra("invalid_grant", 90095,
           "Admin consent is required for the permissions requested by this application. An admin consent "
           "request may be sent to the admin."),
     "token", ErrorCode::kConsentRequired, "admin_consent_required"},
    {"not_assigned", 400,
     entra("invalid_grant", 50105,
           "Your administrator has configured the application to block users unless they are specifically "
           "granted access."),
     "refresh", ErrorCode::kConsentRequired, "not_assigned"},
    {"declined", 400, entra("access_denied", 65004, "User declined to consent to access the app."), "token",
     ErrorCode::kConsentRequired, "access_denied"},
    {"conditional_access", 400,
     entra("access_denied", 53003, "Access has been blocked by Conditional Access policies."), "token",
     ErrorCode::kConsentRequired, "access_denied"},
    // B.9 / C: our registration.
    {"bad_secret", 401, entra("invalid_client", 7000215, "Invalid client secret provided."), "refresh",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"expired_secret", 401,
     entra("invalid_client", 7000222, "The provided client secret keys for app are expired."), "token",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"app_not_in_tenant", 400,
     entra("unauthorized_client", 700016, "Application with identifier was not found in the directory."),
     "token", ErrorCode::kInternal, "provider_misconfigured"},
    {"reply_url", 400,
     entra("invalid_request", 50011, "The redirect URI specified in the request does not match."), "token",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"not_multi_tenant", 400,
     entra("invalid_request", 50194, "Application is not configured as a multi-tenant application."), "token",
     ErrorCode::kInternal, "provider_misconfigured"},
    {"invalid_client", 401, oauth("invalid_client"), "token", ErrorCode::kInternal, "provider_misconfigured"},
    {"invalid_scope", 400, oauth("invalid_scope"), "refresh", ErrorCode::kInternal, "provider_misconfigured"},
    {"unsupported_grant", 400, oauth("unsupported_grant_type"), "token", ErrorCode::kInternal,
     "provider_misconfigured"},
    {"invalid_resource", 400, oauth("invalid_resource"), "token", ErrorCode::kInternal,
     "provider_misconfigured"},
    {"invalid_request", 400, oauth("invalid_request"), "token", ErrorCode::kInternal, "provider_error"},
    {"bare_401_at_token_endpoint", 401, "Unauthorized", "refresh", ErrorCode::kInternal,
     "provider_misconfigured"},
    // Entra: transient.
    {"temporarily_unavailable", 400, oauth("temporarily_unavailable"), "refresh", ErrorCode::kTransient, ""},
    {"entra_503", 503, oauth("temporarily_unavailable"), "token", ErrorCode::kTransient, ""},
    {"entra_server_error", 500, oauth("server_error"), "refresh", ErrorCode::kTransient, ""},
    // B.6: Graph.
    {"invalid_token", 401,
     graph("InvalidAuthenticationToken", "Access token has expired or is not yet valid."), "profile",
     ErrorCode::kAuthExpired, ""},
    {"access_denied", 403, graph("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
     "message", ErrorCode::kConsentRequired, "insufficient_scope"},
    {"access_denied_lower", 403, graph("accessDenied", "Access denied."), "delta",
     ErrorCode::kConsentRequired, "insufficient_scope"},
    {"app_access_policy", 403,
     graph(
         "ErrorAccessDenied",
         "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."),
     "profile", ErrorCode::kConsentRequired, "insufficient_scope"},
    {"on_premises", 404,
     graph("MailboxNotEnabledForRESTAPI",
           "The mailbox is either inactive, soft-deleted, or is hosted on-premise."),
     "profile", ErrorCode::kConsentRequired, "mailbox_on_premises"},
    {"on_premises_old_text", 404,
     graph("MailboxNotEnabledForRESTAPI", "REST API is not yet supported for this mailbox."), "delta",
     ErrorCode::kConsentRequired, "mailbox_on_premises"},
    {"not_supported", 400, graph("MailboxNotSupportedForRESTAPI", "The mailbox is not supported."), "profile",
     ErrorCode::kConsentRequired, "mailbox_on_premises"},
    {"non_existent_mailbox", 404, graph("ErrorNonExistentMailbox", "The SMTP address has no mailbox."),
     "delta", ErrorCode::kConsentRequired, "mailbox_on_premises"},
    // ExtensionError is a bad subscription (e.g. too far an expiry), never an on-premises mailbox.
    {"extension_error_expiry", 400,
     graph("ExtensionError", "Subscription expiration can only be 4230 minutes in the future."),
     "subscription", ErrorCode::kInvalidArgument, "subscription_failed"},
    {"extension_error_lower", 400,
     graph("extensionError", "Exchange does not support federated Graph requests."), "subscription",
     ErrorCode::kInvalidArgument, "subscription_failed"},
    {"extension_error_elsewhere", 400, graph("ExtensionError", "Something else."), "profile",
     ErrorCode::kInternal, "provider_error"},
    {"http_notification_url", 400, graph("InvalidRequest", "NotificationUrl scheme='http' is not supported."),
     "subscription", ErrorCode::kInvalidArgument, "subscription_failed"},
    {"on_premises_subscription", 404,
     graph("MailboxNotEnabledForRESTAPI",
           "The mailbox is either inactive, soft-deleted, or is hosted on-premise."),
     "subscription", ErrorCode::kConsentRequired, "mailbox_on_premises"},
    {"item_not_found", 404, graph("ErrorItemNotFound", "The specified object was not found in the store."),
     "message", ErrorCode::kNotFound, ""},
    {"sync_state_gone", 410,
     graph("SyncStateNotFound", "The sync state generation is not found;generation=149;[highest=157]"),
     "delta", ErrorCode::kCursorInvalid, ""},
    {"sync_state_lower", 410, graph("syncStateNotFound", "gone"), "delta", ErrorCode::kCursorInvalid, ""},
    {"resync_required", 410, graph("resyncRequired", "The delta token is no longer valid."), "delta",
     ErrorCode::kCursorInvalid, ""},
    {"sync_state_400", 400, graph("SyncStateNotFound", "gone"), "delta", ErrorCode::kCursorInvalid, ""},
    {"any_410", 410, "", "delta", ErrorCode::kCursorInvalid, ""},
    {"nested_code", 400,
     R"({"error":{"code":"generalException","message":"x","innerError":{"code":"outer","innererror":{"code":"resyncRequired"}}}})",
     "delta", ErrorCode::kCursorInvalid, ""},
    {"throttled_no_header", 429,
     graph("ApplicationThrottled", "Application is over its MailboxConcurrency limit."), "message",
     ErrorCode::kRateLimited, ""},
    {"too_many_requests", 429, graph("TooManyRequests", "Too many requests."), "search",
     ErrorCode::kRateLimited, ""},
    {"activity_limit", 429, graph("activityLimitReached", "The application or user has been throttled."),
     "delta", ErrorCode::kRateLimited, ""},
    {"service_unavailable", 503, graph("serviceNotAvailable", "Service unavailable."), "delta",
     ErrorCode::kTransient, ""},
    {"gateway_timeout", 504, "<html>Gateway Timeout</html>", "message", ErrorCode::kTransient, ""},
    {"internal_500", 500, graph("generalException", "An internal error occurred."), "profile",
     ErrorCode::kTransient, ""},
    {"request_timeout", 408, "", "message", ErrorCode::kTransient, ""},
    {"bad_request", 400, graph("ErrorInvalidIdMalformed", "Id is malformed."), "message",
     ErrorCode::kInternal, "provider_error"},
    {"unreadable_400", 400, "<html>bad</html>", "subscription", ErrorCode::kInternal, "provider_error"},
};

std::string row_name(const ::testing::TestParamInfo<Row>& row) { return row.param.name; }

INSTANTIATE_TEST_SUITE_P(MicrosoftErrors, MapErrorTable, ::testing::ValuesIn(kRows), row_name);

TEST(MapError, RetryAfterOnThrottlingAndServerErrors) {
  auto e = map_error(429, graph("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
                     "17", "message");
  EXPECT_EQ(e.code, ErrorCode::kRateLimited);
  EXPECT_EQ(e.retry_after_s, 17);
  e = map_error(503, graph("serviceNotAvailable", "x"), "5", "delta");
  EXPECT_EQ(e.code, ErrorCode::kTransient);
  EXPECT_EQ(e.retry_after_s, 5);
  e = map_error(504, "", "Sun, 06 Nov 1994 08:49:37 GMT", "delta");  // a date in the past: now
  EXPECT_EQ(e.code, ErrorCode::kTransient);
  EXPECT_EQ(e.retry_after_s, 0);
  e = map_error(429, oauth("temporarily_unavailable"), "9", "refresh");
  EXPECT_EQ(e.code, ErrorCode::kRateLimited);
  EXPECT_EQ(e.retry_after_s, 9);
  e = map_error(429, "", "", "message");
  EXPECT_EQ(e.retry_after_s, -1);
}

TEST(MapError, NoResponseIsUnreachable) {
  auto e = map_error(0, "Couldn't resolve host name", "", "profile");
  EXPECT_EQ(e.code, ErrorCode::kTransient);
  EXPECT_EQ(e.problem, "provider_unreachable");
  EXPECT_NE(e.detail.find("resolve"), std::string::npos);
}

TEST(MapError, DetailNamesCodesButNeverTheBodyOrATokens) {
  auto e = map_error(400, entra("invalid_grant", 700082, "The refresh token has expired due to inactivity."),
                     "", "refresh");
  EXPECT_NE(e.detail.find("invalid_grant"), std::string::npos) << e.detail;
  EXPECT_NE(e.detail.find("700082"), std::string::npos) << e.detail;
  EXPECT_NE(e.detail.find("HTTP 400"), std::string::npos) << e.detail;
  e = map_error(400, "refresh_token=1.AQ.secret&access_token=eyJ.secret", "", "refresh");
  EXPECT_EQ(e.detail.find("secret"), std::string::npos) << e.detail;
  e = map_error(410, graph("SyncStateNotFound", "generation=149"), "", "delta");
  EXPECT_NE(e.detail.find("SyncStateNotFound"), std::string::npos) << e.detail;
}

TEST(MapError, CodesFromTheDescriptionWhenErrorCodesIsMissing) {
  auto e = map_error(400, R"({"error":"invalid_grant","error_description":"AADSTS50105: not assigned"})", "",
                     "token");
  EXPECT_EQ(e.problem, "not_assigned");
  EXPECT_EQ(internal::aadsts_codes("AADSTS90094: x. AADSTS65001 y AADSTS90094 AADSTS"),
            (std::vector<long long>{90094, 65001}));
  EXPECT_TRUE(internal::aadsts_codes("no codes here").empty());
}

struct AuthorizeRow {
  const char* error;
  const char* description;
  const char* problem;
};

TEST(AuthorizeError, ByCodeThenByErrorAlwaysConsentRequired) {
  const AuthorizeRow rows[] = {
      {"consent_required", "AADSTS65001: The user or administrator has not consented to use the application.",
       "admin_consent_required"},
      {"access_denied", "AADSTS90094: Admin consent is required for the permissions requested.",
       "admin_consent_required"},
      {"access_denied", "AADSTS90095: An admin consent request may be sent to the admin.",
       "admin_consent_required"},
      {"access_denied", "AADSTS50105: The signed in user is not assigned to a role for the application.",
       "not_assigned"},
      {"invalid_request", "AADSTS50105: blocked", "not_assigned"},
      {"access_denied", "AADSTS65004: User declined to consent to access the app.", "access_denied"},
      {"access_denied", "", "access_denied"},
      {"consent_required", "", "authorization_failed"},
      {"server_error", "AADSTS90033: A transient error has occurred.", "authorization_failed"},
      {"temporarily_unavailable", "", "authorization_failed"},
      {"login_required", "", "authorization_failed"},
      {"", "", "authorization_failed"},
  };
  for (const auto& row : rows) {
    auto e = authorize_error(row.error, row.description);
    EXPECT_EQ(e.code, ErrorCode::kConsentRequired) << row.error << " " << row.description;
    EXPECT_EQ(e.problem, row.problem) << row.error << " " << row.description;
    EXPECT_NE(e.detail.find("authorize"), std::string::npos);
  }
}

TEST(Problems, MicrosoftCodesHaveWordsForTheRecruiter) {
  for (const char* code : {"admin_consent_required", "not_assigned", "mailbox_on_premises", "access_revoked",
                           "insufficient_scope", "authorization_failed", "access_denied",
                           "provider_misconfigured", "provider_unreachable", "provider_error"}) {
    const model::Problem* problem = model::find_problem(code);
    ASSERT_NE(problem, nullptr) << code;
    EXPECT_FALSE(problem->message.empty()) << code;
    EXPECT_FALSE(problem->remedy.empty()) << code;
  }
  EXPECT_NE(model::find_problem("admin_consent_required")->remedy.find("Entra admin center"),
            std::string::npos);
}

}  // namespace
}  // namespace hiresync::providers::microsoft
