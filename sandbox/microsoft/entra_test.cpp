// Entra OAuth: code flow with PKCE, single-use codes, refresh rotation with its grace period, and the
// AADSTS error bodies and redirects (shared/PROTOCOLS.md B.7-B.9).
#include "sandbox/microsoft/test_support.hpp"

namespace hiresync::sandbox::microsoft::testing {
namespace {

// Checks the B.8 shape and returns the first error code.
int aadsts_code(const net::Response& r, const std::string& error) {
  const json j = json::parse(r.body, nullptr, false);
  EXPECT_EQ(j.value("error", ""), error) << r.body;
  const std::string d = j.value("error_description", "");
  EXPECT_NE(d.find("\r\nTrace ID: "), std::string::npos);
  EXPECT_NE(d.find("\r\nCorrelation ID: "), std::string::npos);
  EXPECT_NE(d.find("\r\nTimestamp: "), std::string::npos);
  EXPECT_TRUE(j.contains("timestamp") && j.contains("trace_id") && j.contains("correlation_id"));
  EXPECT_TRUE(j["error_codes"].is_array() && j["error_codes"].size() == 1);
  const int code = j["error_codes"][0].get<int>();
  EXPECT_EQ(d.rfind("AADSTS" + std::to_string(code) + ": ", 0), 0U) << d;
  EXPECT_EQ(j.value("error_uri", ""), "https://login.microsoftonline.com/error?code=" + std::to_string(code));
  return code;
}

class EntraTest : public MsFixture {
 protected:
  void SetUp() override {
    MicrosoftOptions o;
    o.auto_consent = true;
    o.refresh_grace_s = 60;
    build(o);
    account("ann@contoso.example");
  }
};

TEST_F(EntraTest, CodeFlowWithPkceIssuesRotatingTokens) {
  const std::string location =
      authorize("ann@contoso.example", "offline_access User.Read Mail.Read", "common");
  EXPECT_EQ(location.rfind("http://127.0.0.1:8080/oauth/microsoft/callback?", 0), 0U);
  EXPECT_EQ(url_param(location, "state"), "st-1");
  const std::string code = url_param(location, "code");
  ASSERT_FALSE(code.empty());

  const net::Response r = redeem(code);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Cache-Control").find("no-store"), 0U);
  const json t = json::parse(r.body);
  EXPECT_EQ(t["token_type"], "Bearer");
  EXPECT_EQ(t["scope"], "User.Read Mail.Read");
  EXPECT_EQ(t["expires_in"], 3599);
  EXPECT_EQ(t["ext_expires_in"], 3599);
  ASSERT_TRUE(t["refresh_token"].is_string());

  // The code is single use: AADSTS54005.
  EXPECT_EQ(aadsts_code(redeem(code), "invalid_grant"), 54005);

  // The access token works on Graph.
  const net::Response me = graph("/v1.0/me", t["access_token"]);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json::parse(me.body)["userPrincipalName"], "ann@contoso.example");

  // Rotation: each refresh returns a new refresh token.
  const std::string first = t["refresh_token"];
  const net::Response r2 = token_request({{"grant_type", "refresh_token"}, {"refresh_token", first}});
  ASSERT_EQ(r2.status, 200) << r2.body;
  const std::string second = json::parse(r2.body)["refresh_token"];
  EXPECT_NE(second, first);

  // The old token keeps working within the grace period (and still rotates)...
  clock_.advance_ms(59'000);
  const net::Response r3 = token_request({{"grant_type", "refresh_token"}, {"refresh_token", first}});
  ASSERT_EQ(r3.status, 200) << r3.body;
  const std::string third = json::parse(r3.body)["refresh_token"];
  // ...and not after it: AADSTS70008.
  clock_.advance_ms(2'000);
  const net::Response old = token_request({{"grant_type", "refresh_token"}, {"refresh_token", first}});
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(aadsts_code(old, "invalid_grant"), 70008);
  // The current token still works.
  EXPECT_EQ(token_request({{"grant_type", "refresh_token"}, {"refresh_token", third}}).status, 200);
}

TEST_F(EntraTest, NoRefreshTokenWithoutOfflineAccess) {
  const json t = sign_in("ann@contoso.example", "User.Read Mail.Read");
  EXPECT_FALSE(t.contains("refresh_token"));
  EXPECT_TRUE(t["access_token"].is_string());
}

TEST_F(EntraTest, TokenEndpointErrorsCarryAadstsCodes) {
  const std::string code = url_param(authorize("ann@contoso.example", "offline_access Mail.Read"), "code");
  // Wrong verifier: 501481 (and the code is spent).
  EXPECT_EQ(aadsts_code(token_request({{"grant_type", "authorization_code"},
                                       {"code", code},
                                       {"redirect_uri", "http://127.0.0.1:8080/oauth/microsoft/callback"},
                                       {"code_verifier", "wrong-verifier-wrong-verifier-wrong-verifier"}}),
                        "invalid_grant"),
            501481);
  // Expired code: 70008.
  const std::string late = url_param(authorize("ann@contoso.example", "offline_access Mail.Read"), "code");
  clock_.advance_ms(10LL * 60 * 1000 + 1);
  EXPECT_EQ(aadsts_code(redeem(late), "invalid_grant"), 70008);
  // Bad secret: 401 invalid_client 7000215.
  const net::Response bad =
      call("POST", "/organizations/oauth2/v2.0/token",
           "client_id=hiresync-sandbox-client&client_secret=nope&grant_type=refresh_token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(aadsts_code(bad, "invalid_client"), 7000215);

  // Revoked grant: 50173; refresh token past its inactivity lifetime: 700082.
  json t = sign_in("ann@contoso.example");
  control("/control/accounts/ann@contoso.example/revoke", json::object());
  EXPECT_EQ(
      aadsts_code(token_request({{"grant_type", "refresh_token"}, {"refresh_token", t["refresh_token"]}}),
                  "invalid_grant"),
      50173);
  EXPECT_EQ(graph("/v1.0/me", t["access_token"]).status, 401);
  t = sign_in("ann@contoso.example");
  control("/control/accounts/ann@contoso.example/expire-refresh", json::object());
  EXPECT_EQ(
      aadsts_code(token_request({{"grant_type", "refresh_token"}, {"refresh_token", t["refresh_token"]}}),
                  "invalid_grant"),
      700082);
}

TEST_F(EntraTest, TenantConsentRefusalsStayOnEntrasPage) {
  const auto set = [&](const std::string& consent) {
    control("/control/accounts",
            {{"provider", "microsoft"}, {"address", "ann@contoso.example"}, {"consent", consent}});
  };
  // Need admin approval (90094), its admin-consent-workflow variant (90095) and not assigned (50105)
  // are Entra's own pages: no redirect, the client never hears of them.
  const auto page = [&](const std::string& consent, int status, const std::string& aadsts) {
    set(consent);
    const net::Response r = authorize_response("ann@contoso.example", "offline_access Mail.Read");
    EXPECT_EQ(r.status, status) << consent;
    EXPECT_TRUE(r.header("Location").empty()) << consent;
    EXPECT_NE(r.body.find(aadsts + ": "), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("Trace ID: "), std::string::npos);
    return r.body;
  };
  EXPECT_NE(page("admin_required", 403, "AADSTS90094").find("Need admin approval"), std::string::npos);
  EXPECT_NE(page("admin_approval_required", 403, "AADSTS90095").find("Approval required"), std::string::npos);
  page("not_assigned", 400, "AADSTS50105");
  // 65001 still comes back to the client as consent_required.
  set("admin_consent_required_65001");
  const std::string location = authorize("ann@contoso.example", "offline_access Mail.Read");
  EXPECT_EQ(url_param(location, "state"), "st-1");
  EXPECT_EQ(url_param(location, "error"), "consent_required");
  EXPECT_EQ(url_param(location, "error_description").rfind("AADSTS65001: ", 0), 0U);
}

TEST_F(EntraTest, ConsentPageEscapesAndDecides) {
  MicrosoftOptions o;  // no auto consent
  build(o);
  account("ann@contoso.example");
  const net::Response page = call("GET", "/contoso.example/oauth2/v2.0/authorize?" +
                                             net::encode_query({{"client_id", "hiresync-sandbox-client"},
                                                                {"response_type", "code"},
                                                                {"redirect_uri", "http://localhost/cb"},
                                                                {"scope", "Mail.Read <script>"},
                                                                {"login_hint", "ann@contoso.example"},
                                                                {"code_challenge", s256(kVerifier)},
                                                                {"code_challenge_method", "S256"}}));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_NE(page.body.find("&lt;script&gt;"), std::string::npos);
  const std::string marker = "name=\"request_id\" value=\"";
  const std::size_t at = page.body.find(marker) + marker.size();
  const std::string request_id = page.body.substr(at, page.body.find('"', at) - at);
  const net::Response deny =
      call("POST", "/contoso.example/oauth2/v2.0/authorize/decision",
           "request_id=" + request_id + "&account=ann%40contoso.example&decision=deny");
  ASSERT_EQ(deny.status, 302);
  EXPECT_EQ(url_param(deny.header("Location"), "error"), "access_denied");

  // PKCE is required.
  const net::Response no_pkce =
      call("GET",
           "/common/oauth2/v2.0/authorize?client_id=hiresync-sandbox-client&"
           "response_type=code&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&scope=Mail.Read");
  ASSERT_EQ(no_pkce.status, 302);
  EXPECT_EQ(url_param(no_pkce.header("Location"), "error"), "invalid_request");
}

}  // namespace
}  // namespace hiresync::sandbox::microsoft::testing
