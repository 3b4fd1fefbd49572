// The Entra OAuth client against a scripted HTTP client: exact requests, refresh-token rotation,
// failures, revoke without a call, the authorize redirect's errors.
#include <gtest/gtest.h>

#include "providers/common/fake_http.hpp"
#include "providers/common/test_expect.hpp"
#include "providers/microsoft/microsoft.hpp"

namespace hiresync::providers::microsoft {
namespace {

using model::ErrorCode;
using test_support::FakeHttp;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kScope =
    "offline_access%20https%3A%2F%2Fgraph.microsoft.com%2FMail.Read%20https%3A%2F%2Fgraph.microsoft.com%"
    "2FUser."
    "Read%20openid%20email";

MicrosoftConfig config() {
  MicrosoftConfig c;
  c.authority = "https://login.example";
  c.client_id = "6731de76-14a6-49ae-97bc-6eba6914391e";
  c.client_secret = "s3cr=t&x~";
  c.redirect_uri = "https://hiresync.example/oauth/callback";
  return c;
}

class OAuthTest : public ::testing::Test {
 protected:
  FakeHttp http_;
  std::unique_ptr<OAuthClient> client_ = make_oauth_client(config(), http_, [] { return kNow; });

  void expect_token_post(const std::string& body) {
    test_support::expect_form_post(http_, "https://login.example/organizations/oauth2/v2.0/token", body);
  }
};

TEST_F(OAuthTest, DefaultsAreMicrosoftsHostsAndTheOrganizationsTenant) {
  const MicrosoftConfig c;
  EXPECT_EQ(c.authority, "https://login.microsoftonline.com");
  EXPECT_EQ(c.tenant, "organizations");
  EXPECT_EQ(c.graph_base, "https://graph.microsoft.com");
  EXPECT_EQ(c.subscription_minutes, 4230);
  EXPECT_EQ(c.scopes.front(), "offline_access");
}

TEST_F(OAuthTest, AuthorizeUrlCarriesEveryParameterEncoded) {
  AuthorizeRequest request{"st/a b", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "jane+tag@acme.com"};
  EXPECT_EQ(client_->authorize_url(request),
            std::string("https://login.example/organizations/oauth2/v2.0/authorize"
                        "?client_id=6731de76-14a6-49ae-97bc-6eba6914391e&response_type=code"
                        "&redirect_uri=https%3A%2F%2Fhiresync.example%2Foauth%2Fcallback&response_mode=query"
                        "&scope=") +
                kScope +
                "&state=st%2Fa%20b&login_hint=jane%2Btag%40acme.com"
                "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256");
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(OAuthTest, AuthorizeUrlUsesTheConfiguredTenantAndOmitsAnEmptyHint) {
  auto c = config();
  c.tenant = "contoso.onmicrosoft.com";
  auto client = make_oauth_client(c, http_, [] { return kNow; });
  auto url = client->authorize_url(AuthorizeRequest{"s", "c", ""});
  EXPECT_EQ(url.rfind("https://login.example/contoso.onmicrosoft.com/oauth2/v2.0/authorize?", 0), 0U) << url;
  EXPECT_EQ(url.find("login_hint"), std::string::npos);
  EXPECT_NE(url.find("&state=s&"), std::string::npos);
}

TEST_F(OAuthTest, ExchangeCodePostsFormAndParsesTokens) {
  http_.reply(
      200,
      R"({"token_type":"Bearer","scope":"Mail.Read User.Read openid profile email","expires_in":3599,)"
      R"("ext_expires_in":3599,"access_token":"eyJ0eXAi.a.b","refresh_token":"1.AQ-first","id_token":"eyJ.x.y"})",
      {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}});
  auto tokens = client_->exchange_code("0.AQ c/d", "verifier-123");
  ASSERT_TRUE(tokens.ok()) << tokens.error().detail;
  expect_token_post(std::string("client_id=6731de76-14a6-49ae-97bc-6eba6914391e&scope=") + kScope +
                    "&code=0.AQ%20c%2Fd&redirect_uri=https%3A%2F%2Fhiresync.example%2Foauth%2Fcallback"
                    "&grant_type=authorization_code&code_verifier=verifier-123&client_secret=s3cr%3Dt%26x~");
  EXPECT_EQ(tokens->access_token, "eyJ0eXAi.a.b");
  EXPECT_EQ(tokens->refresh_token, "1.AQ-first");
  EXPECT_EQ(tokens->expires_at, kNow + 3599);
  EXPECT_EQ(tokens->scope, "Mail.Read User.Read openid profile email");
}

TEST_F(OAuthTest, RefreshReturnsTheRotatedRefreshToken) {
  http_.reply(200, R"({"token_type":"Bearer","scope":"Mail.Read User.Read","expires_in":"4000",)"
                   R"("access_token":"eyJ.second","refresh_token":"1.AQ-second"})");
  auto tokens = client_->refresh("1.AQ-first");
  ASSERT_TRUE(tokens.ok()) << tokens.error().detail;
  expect_token_post(std::string("client_id=6731de76-14a6-49ae-97bc-6eba6914391e&scope=") + kScope +
                    "&refresh_token=1.AQ-first&grant_type=refresh_token&client_secret=s3cr%3Dt%26x~");
  EXPECT_EQ(tokens->access_token, "eyJ.second");
  EXPECT_EQ(tokens->refresh_token, "1.AQ-second");  // the caller persists it before use
  EXPECT_EQ(tokens->expires_at, kNow + 4000);

  // A response without a refresh token leaves the stored one in place (empty = keep).
  http_.reply(200, R"({"access_token":"eyJ.third"})");
  tokens = client_->refresh("1.AQ-second");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->refresh_token, "");
  EXPECT_EQ(tokens->expires_at, kNow + 3600);
}

TEST_F(OAuthTest, RefreshOfADeadGrantIsAccessRevoked) {
  http_.reply(
      400,
      R"({"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2024-06-10 09:39:05Z","error_codes":[700082],"timestamp":"2024-06-10 09:39:05Z","trace_id":"t","correlation_id":"c","error_uri":"https://login.microsoftonline.com/error?code=700082"})");
  auto tokens = client_->refresh("1.AQ-dead");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kConsentRequired);
  EXPECT_EQ(tokens.error().problem, "access_revoked");
  EXPECT_EQ(tokens.error().detail.find("1.AQ-dead"), std::string::npos);
}

TEST_F(OAuthTest, ExchangeNeedingAdminConsent) {
  http_.reply(
      400,
      R"({"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application.","error_codes":[65001]})");
  auto tokens = client_->exchange_code("0.AQ", "v");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kConsentRequired);
  EXPECT_EQ(tokens.error().problem, "admin_consent_required");
}

TEST_F(OAuthTest, TransportAndUnreadableResponses) {
  http_.fail("connect timeout");
  auto tokens = client_->refresh("r");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kTransient);
  EXPECT_EQ(tokens.error().problem, "provider_unreachable");

  http_.reply(200, "<html>proxy login</html>");
  tokens = client_->refresh("r");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kMalformedInput);

  http_.reply(200, R"({"token_type":"Bearer","refresh_token":"1.AQ"})");
  tokens = client_->refresh("r");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kMalformedInput);

  http_.reply(503, R"({"error":"temporarily_unavailable","error_description":"AADSTS90033"})",
              {{"Retry-After", "12"}});
  tokens = client_->refresh("r");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kTransient);
  EXPECT_EQ(tokens.error().retry_after_s, 12);
}

TEST_F(OAuthTest, RevokeSucceedsWithoutACall) {
  EXPECT_TRUE(client_->revoke("1.AQ-any").ok());
  EXPECT_TRUE(client_->revoke("").ok());
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(OAuthTest, AuthorizeErrorMapsAadstsCodes) {
  auto e = client_->authorize_error("access_denied", "AADSTS90094: Admin consent is required.");
  EXPECT_EQ(e.code, ErrorCode::kConsentRequired);
  EXPECT_EQ(e.problem, "admin_consent_required");
  EXPECT_EQ(client_->authorize_error("invalid_request", "AADSTS50105: not assigned").problem, "not_assigned");
  EXPECT_EQ(client_->authorize_error("access_denied", "the user canceled").problem, "access_denied");
  EXPECT_EQ(client_->authorize_error("invalid_scope", "").problem, "authorization_failed");
}

}  // namespace
}  // namespace hiresync::providers::microsoft
