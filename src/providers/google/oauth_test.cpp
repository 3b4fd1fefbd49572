// The OAuth client against a scripted HTTP client: exact requests, token parsing, failures.
#include <gtest/gtest.h>

#include "providers/common/fake_http.hpp"
#include "providers/common/test_expect.hpp"
#include "providers/google/google.hpp"

namespace hiresync::providers::google {
namespace {

using model::ErrorCode;
using test_support::FakeHttp;

constexpr std::int64_t kNow = 1'800'000'000;

GoogleConfig config() {
  GoogleConfig c;
  c.auth_url = "https://accounts.example/o/oauth2/v2/auth";
  c.token_url = "https://oauth2.example/token";
  c.revoke_url = "https://oauth2.example/revoke";
  c.client_id = "cid.apps.googleusercontent.com";
  c.client_secret = "s3cr=t&x";
  c.redirect_uri = "https://hiresync.example/oauth/callback";
  return c;
}

class OAuthTest : public ::testing::Test {
 protected:
  FakeHttp http_;
  std::unique_ptr<OAuthClient> client_ = make_oauth_client(config(), http_, [] { return kNow; });

  void expect_form_post(const std::string& url, const std::string& body) {
    test_support::expect_form_post(http_, url, body);
  }
};

TEST_F(OAuthTest, AuthorizeUrlCarriesEveryParameterEncoded) {
  AuthorizeRequest request{"st/a b", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "jane+tag@acme.com"};
  EXPECT_EQ(client_->authorize_url(request),
            "https://accounts.example/o/oauth2/v2/auth?client_id=cid.apps.googleusercontent.com"
            "&redirect_uri=https%3A%2F%2Fhiresync.example%2Foauth%2Fcallback&response_type=code"
            "&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fgmail.readonly%20openid%20email"
            "&state=st%2Fa%20b&access_type=offline&prompt=consent&include_granted_scopes=true"
            "&login_hint=jane%2Btag%40acme.com&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            "&code_challenge_method=S256");
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(OAuthTest, AuthorizeUrlOmitsEmptyLoginHint) {
  auto url = client_->authorize_url(AuthorizeRequest{"s", "c", ""});
  EXPECT_EQ(url.find("login_hint"), std::string::npos);
  EXPECT_NE(url.find("&state=s&"), std::string::npos);
}

TEST_F(OAuthTest, ExchangeCodePostsFormAndParsesTokens) {
  http_.reply(200,
              R"({"access_token":"ya29.a0","expires_in":3599,"token_type":"Bearer",)"
              R"("scope":"https://www.googleapis.com/auth/gmail.readonly openid","refresh_token":"1//0g-r",)"
              R"("id_token":"eyJ.x.y"})",
              {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}});
  auto tokens = client_->exchange_code("4/0Ab c", "verifier-123");
  ASSERT_TRUE(tokens.ok()) << tokens.error().detail;
  expect_form_post(
      "https://oauth2.example/token",
      "grant_type=authorization_code&code=4%2F0Ab%20c"
      "&redirect_uri=https%3A%2F%2Fhiresync.example%2Foauth%2Fcallback"
      "&client_id=cid.apps.googleusercontent.com&client_secret=s3cr%3Dt%26x&code_verifier=verifier-123");
  EXPECT_EQ(tokens->access_token, "ya29.a0");
  EXPECT_EQ(tokens->refresh_token, "1//0g-r");
  EXPECT_EQ(tokens->expires_at, kNow + 3599);
  EXPECT_EQ(tokens->scope, "https://www.googleapis.com/auth/gmail.readonly openid");
}

TEST_F(OAuthTest, ExchangeCodeInvalidGrantIsAuthorizationFailed) {
  http_.reply(400, R"({"error":"invalid_grant","error_description":"Bad Request"})");
  auto tokens = client_->exchange_code("used-code", "v");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kConsentRequired);
  EXPECT_EQ(tokens.error().problem, "authorization_failed");
}

TEST_F(OAuthTest, RefreshWithoutRotationLeavesRefreshTokenEmpty) {
  http_.reply(200,
              R"({"access_token":"ya29.new","expires_in":"3600","token_type":"Bearer","scope":"openid"})");
  auto tokens = client_->refresh("1//0g-r");
  ASSERT_TRUE(tokens.ok()) << tokens.error().detail;
  expect_form_post("https://oauth2.example/token",
                   "grant_type=refresh_token&refresh_token=1%2F%2F0g-r"
                   "&client_id=cid.apps.googleusercontent.com&client_secret=s3cr%3Dt%26x");
  EXPECT_EQ(tokens->access_token, "ya29.new");
  EXPECT_TRUE(tokens->refresh_token.empty());
  EXPECT_EQ(tokens->expires_at, kNow + 3600);
}

TEST_F(OAuthTest, RefreshKeepsARotatedRefreshToken) {
  http_.reply(200, R"({"access_token":"a","expires_in":10,"refresh_token":"1//rotated"})");
  auto tokens = client_->refresh("1//old");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->refresh_token, "1//rotated");
}

TEST_F(OAuthTest, RefreshInvalidGrantIsAccessRevokedWithoutTheToken) {
  http_.reply(400, R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})");
  auto tokens = client_->refresh("1//secret-refresh");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kConsentRequired);
  EXPECT_EQ(tokens.error().problem, "access_revoked");
  EXPECT_EQ(tokens.error().detail.find("secret-refresh"), std::string::npos);
}

TEST_F(OAuthTest, RefreshTransportFailureIsProviderUnreachable) {
  http_.fail("could not resolve host");
  auto tokens = client_->refresh("1//r");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kTransient);
  EXPECT_EQ(tokens.error().problem, "provider_unreachable");
}

TEST_F(OAuthTest, TokenResponseWithoutAccessTokenIsMalformed) {
  http_.reply(200, R"({"token_type":"Bearer"})");
  auto tokens = client_->refresh("1//r");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, ErrorCode::kMalformedInput);
  http_.reply(200, "<html>");
  EXPECT_EQ(client_->refresh("1//r").error().code, ErrorCode::kMalformedInput);
}

TEST_F(OAuthTest, RevokePostsTheTokenAsAForm) {
  http_.reply(200, "");
  auto status = client_->revoke("1//0g-r");
  EXPECT_TRUE(status.ok());
  expect_form_post("https://oauth2.example/revoke", "token=1%2F%2F0g-r");
}

TEST_F(OAuthTest, RevokeOfADeadTokenIsSuccess) {
  http_.reply(400, R"({"error":"invalid_token","error_description":"Token expired or revoked"})");
  EXPECT_TRUE(client_->revoke("dead").ok());
}

TEST_F(OAuthTest, RevokeFailures) {
  http_.reply(503, "unavailable");
  auto status = client_->revoke("t");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kTransient);
  http_.reply(400, R"({"error":"invalid_request"})");
  EXPECT_FALSE(client_->revoke("t").ok());
  http_.fail("timeout");
  EXPECT_EQ(client_->revoke("t").error().problem, "provider_unreachable");
}

TEST_F(OAuthTest, AuthorizeErrorsAreConsentRequiredWithTheirProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"access_denied", "access_denied"},
      {"admin_policy_enforced", "admin_policy_enforced"},
      {"org_internal", "org_internal"},
      {"invalid_scope", "authorization_failed"},
      {"disallowed_useragent", "authorization_failed"},
      {"server_error", "authorization_failed"},
      {"", "authorization_failed"},
  };
  for (const auto& [error, problem] : cases) {
    auto e = client_->authorize_error(error, "something");
    EXPECT_EQ(e.code, ErrorCode::kConsentRequired) << error;
    EXPECT_EQ(e.problem, problem) << error;
  }
}

TEST(OAuthDefaults, ConfigPointsAtGoogle) {
  GoogleConfig c;
  EXPECT_EQ(c.auth_url, "https://accounts.google.com/o/oauth2/v2/auth");
  EXPECT_EQ(c.token_url, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(c.revoke_url, "https://oauth2.googleapis.com/revoke");
}

}  // namespace
}  // namespace hiresync::providers::google
