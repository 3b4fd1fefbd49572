// End to end over HTTP: the OAuth code flow with PKCE through the curl client, the Gmail API behind
// it, and Pub/Sub pushes whose JWT is checked with OpenSSL against the served JWKS.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include <condition_variable>
#include <regex>

#include "net/client.hpp"
#include "net/server.hpp"
#include "sandbox/control.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/google/mime_tree.hpp"

namespace hiresync::sandbox::google {
namespace {

using nlohmann::json;

// Verifies an RS256 JWT against a JWKS with OpenSSL only; fills `claims` on success.
bool verify_rs256(const std::string& jwt, const json& jwks, json& claims) {
  const std::size_t dot1 = jwt.find('.');
  const std::size_t dot2 = jwt.find('.', dot1 + 1);
  if (dot1 == std::string::npos || dot2 == std::string::npos) return false;
  const auto header = net::base64url_decode(jwt.substr(0, dot1));
  const auto payload = net::base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = net::base64url_decode(jwt.substr(dot2 + 1));
  if (!header || !payload || !signature) return false;
  const json h = json::parse(*header);
  if (h["alg"] != "RS256" || h["typ"] != "JWT") return false;
  const json* key = nullptr;
  for (const json& k : jwks["keys"]) {
    if (k["kid"] == h["kid"]) key = &k;
  }
  if (key == nullptr || (*key)["kty"] != "RSA") return false;
  const std::string n = net::base64url_decode((*key)["n"].get<std::string>()).value_or("");
  const std::string e = net::base64url_decode((*key)["e"].get<std::string>()).value_or("");
  BIGNUM* bn_n =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok =
      EVP_PKEY_fromdata_init(pctx) == 1 && EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const std::string input = jwt.substr(0, dot2);
  ok = ok && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
       EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  if (ok) claims = json::parse(*payload);
  return ok;
}

std::string s256(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return net::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// Collects the POSTs a push endpoint receives.
class PushReceiver {
 public:
  PushReceiver() : server_([this](const net::Request& r) { return record(r); }, net::ServerOptions{}) {
    auto port = server_.start("127.0.0.1:0");
    EXPECT_TRUE(port.ok());
    url_ = "http://127.0.0.1:" + std::to_string(port.ok() ? *port : 0) + "/webhooks/google";
  }
  const std::string& url() const { return url_; }
  // Waits (bounded) until `n` requests arrived; returns them.
  std::vector<net::Request> wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return received_.size() >= n; });
    return received_;
  }
  void fail_next(int n) {
    const std::lock_guard lock(mu_);
    fail_ = n;
  }

 private:
  net::Response record(const net::Request& r) {
    const std::lock_guard lock(mu_);
    received_.push_back(r);
    cv_.notify_all();
    if (fail_ > 0) {
      --fail_;
      return net::Response::text(503, "busy");
    }
    return net::Response::text(204, "");
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<net::Request> received_;
  int fail_ = 0;
  net::HttpServer server_;
  std::string url_;
};

class SandboxHttpTest : public ::testing::Test {
 protected:
  void start(GoogleOptions options) {
    auto g = GoogleSandbox::create(std::move(options), clock_);
    ASSERT_TRUE(g.ok());
    std::vector<std::unique_ptr<ProviderSandbox>> providers;
    providers.push_back(std::move(g).value());
    sandbox_ = std::make_unique<Sandbox>(std::move(providers));
    server_ = std::make_unique<net::HttpServer>([this](const net::Request& r) { return sandbox_->handle(r); },
                                                net::ServerOptions{});
    auto port = server_->start("127.0.0.1:0");
    ASSERT_TRUE(port.ok());
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  net::ClientResponse send(const std::string& method, const std::string& path, const std::string& body = "",
                           net::Fields headers = {}) {
    net::ClientRequest req;
    req.method = method;
    req.url = base_ + path;
    req.body = body;
    req.headers = std::move(headers);
    auto r = client_->send(req);
    EXPECT_TRUE(r.ok()) << path;
    return r.ok() ? *r : net::ClientResponse{};
  }
  net::ClientResponse control(const std::string& path, const json& body) {
    return send("POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  net::ClientResponse form(const std::string& path, const net::Fields& fields) {
    return send("POST", path, net::encode_query(fields),
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  net::ClientResponse api(const std::string& path, const std::string& token) {
    return send("GET", "/gmail/v1/users/me/" + path, "", {{"Authorization", "Bearer " + token}});
  }

  std::string auth_url(const std::string& account, const std::string& verifier, const std::string& scope) {
    return "/o/oauth2/v2/auth?" + net::encode_query({{"response_type", "code"},
                                                     {"client_id", kClientId},
                                                     {"redirect_uri", kRedirect},
                                                     {"scope", scope},
                                                     {"state", "st<8>"},
                                                     {"access_type", "offline"},
                                                     {"prompt", "consent"},
                                                     {"login_hint", account},
                                                     {"code_challenge", s256(verifier)},
                                                     {"code_challenge_method", "S256"}});
  }
  // The query of the redirect the authorize flow ended with.
  static net::Fields redirect_query(const net::ClientResponse& r) {
    EXPECT_EQ(r.status, 302);
    const std::string location = r.header("Location");
    EXPECT_EQ(location.rfind(kRedirect, 0), 0u) << location;
    return net::parse_query(location.substr(location.find('?') + 1));
  }
  static std::string value(const net::Fields& f, const std::string& name) {
    for (const auto& [n, v] : f) {
      if (n == name) return v;
    }
    return {};
  }
  // Runs the consent page: GET authorize, then POST the form with `decision`; the decision's answer.
  net::ClientResponse decide(const std::string& account, const std::string& verifier,
                             const std::string& decision, const std::string& scope = kScope) {
    const net::ClientResponse page = send("GET", auth_url(account, verifier, scope));
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find(account), std::string::npos);
    EXPECT_EQ(page.body.find("<8>"), std::string::npos);  // nothing is echoed unescaped
    std::smatch m;
    EXPECT_TRUE(std::regex_search(page.body, m, std::regex("name=\"request_id\" value=\"([^\"]+)\"")));
    return form("/o/oauth2/v2/auth/decision",
                {{"request_id", m[1].str()}, {"account", account}, {"decision", decision}});
  }
  // The same, for a decision that redirects back: the redirect's query.
  net::Fields consent(const std::string& account, const std::string& verifier, const std::string& decision,
                      const std::string& scope = kScope) {
    return redirect_query(decide(account, verifier, decision, scope));
  }
  json exchange(const std::string& code, const std::string& verifier, int expect_status) {
    const net::ClientResponse r = form("/token", {{"grant_type", "authorization_code"},
                                                  {"code", code},
                                                  {"redirect_uri", kRedirect},
                                                  {"client_id", kClientId},
                                                  {"client_secret", kClientSecret},
                                                  {"code_verifier", verifier}});
    EXPECT_EQ(r.status, expect_status) << r.body;
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    return json::parse(r.body);
  }

  static constexpr const char* kRedirect = "http://127.0.0.1:8080/oauth/callback";
  static constexpr const char* kScope = "https://www.googleapis.com/auth/gmail.readonly openid email";
  const std::string verifier_ = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  ManualClock clock_;
  std::unique_ptr<net::HttpClient> client_ = net::make_curl_client();
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<net::HttpServer> server_;
  std::string base_;
};

TEST_F(SandboxHttpTest, OAuthCodeFlowWithPkceRefreshAndRevoke) {
  start({});
  ASSERT_EQ(control("/control/accounts", {{"provider", "google"}, {"address", "Rita@acme.com"}}).status, 201);

  // A wrong verifier burns the code.
  net::Fields cb = consent("rita@acme.com", verifier_, "allow");
  EXPECT_EQ(value(cb, "state"), "st<8>");
  json bad = exchange(value(cb, "code"), verifier_ + "x", 400);
  EXPECT_EQ(bad["error"], "invalid_grant");
  EXPECT_EQ(exchange(value(cb, "code"), verifier_, 400)["error"], "invalid_grant");

  cb = consent("rita@acme.com", verifier_, "allow");
  const json tokens = exchange(value(cb, "code"), verifier_, 200);
  EXPECT_EQ(tokens["token_type"], "Bearer");
  EXPECT_EQ(tokens["expires_in"], 3599);
  EXPECT_EQ(tokens["scope"], kScope);
  ASSERT_TRUE(tokens.contains("refresh_token"));
  ASSERT_TRUE(tokens.contains("id_token"));
  const std::string access = tokens["access_token"];
  const std::string refresh = tokens["refresh_token"];

  // Code reuse.
  const json reuse = exchange(value(cb, "code"), verifier_, 400);
  EXPECT_EQ(reuse["error"], "invalid_grant");

  // The id_token verifies against the JWKS.
  const json jwks = json::parse(send("GET", "/oauth2/v3/certs").body);
  json claims;
  ASSERT_TRUE(verify_rs256(tokens["id_token"], jwks, claims));
  EXPECT_EQ(claims["email"], "rita@acme.com");
  EXPECT_EQ(claims["aud"], kClientId);

  const net::ClientResponse profile = api("profile", access);
  ASSERT_EQ(profile.status, 200) << profile.body;
  EXPECT_EQ(json::parse(profile.body)["emailAddress"], "rita@acme.com");
  EXPECT_EQ(api("profile", "nope").status, 401);

  // Refresh with HTTP Basic client auth: same shape, no new refresh token.
  const std::string basic = "Basic " + net::base64_encode(std::string(kClientId) + ":" + kClientSecret);
  const net::ClientResponse refreshed =
      send("POST", "/token", net::encode_query({{"grant_type", "refresh_token"}, {"refresh_token", refresh}}),
           {{"Authorization", basic}, {"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const json r = json::parse(refreshed.body);
  EXPECT_FALSE(r.contains("refresh_token"));
  EXPECT_EQ(api("profile", r["access_token"]).status, 200);

  // Access tokens expire with the clock.
  clock_.advance_ms(3600LL * 1000);
  EXPECT_EQ(api("profile", r["access_token"]).status, 401);
  const json again = json::parse(form("/token", {{"grant_type", "refresh_token"},
                                                 {"refresh_token", refresh},
                                                 {"client_id", kClientId},
                                                 {"client_secret", kClientSecret}})
                                     .body);
  const std::string fresh = again["access_token"];
  EXPECT_EQ(api("profile", fresh).status, 200);

  // Wrong client secret.
  const net::ClientResponse wrong_client = form("/token", {{"grant_type", "refresh_token"},
                                                           {"refresh_token", refresh},
                                                           {"client_id", kClientId},
                                                           {"client_secret", "guess"}});
  EXPECT_EQ(wrong_client.status, 401);
  EXPECT_EQ(json::parse(wrong_client.body)["error"], "invalid_client");
  EXPECT_EQ(json::parse(
                form("/token",
                     {{"grant_type", "password"}, {"client_id", kClientId}, {"client_secret", kClientSecret}})
                    .body)["error"],
            "unsupported_grant_type");

  // Revoke: refresh answers invalid_grant, the access token 401.
  EXPECT_EQ(send("POST", "/revoke?token=" + net::url_encode(refresh)).status, 200);
  const net::ClientResponse dead = form("/token", {{"grant_type", "refresh_token"},
                                                   {"refresh_token", refresh},
                                                   {"client_id", kClientId},
                                                   {"client_secret", kClientSecret}});
  EXPECT_EQ(dead.status, 400);
  EXPECT_EQ(json::parse(dead.body)["error"], "invalid_grant");
  EXPECT_EQ(json::parse(dead.body)["error_description"], "Token has been expired or revoked.");
  const net::ClientResponse unauth = api("profile", fresh);
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(json::parse(unauth.body)["error"]["status"], "UNAUTHENTICATED");
  EXPECT_EQ(json::parse(unauth.body)["error"]["errors"][0]["reason"], "authError");

  const json stats = json::parse(send("GET", "/control/stats?account=rita@acme.com").body);
  EXPECT_EQ(stats["endpoints"]["profile"], 5);  // the unknown token "nope" speaks for nobody
  EXPECT_EQ(stats["endpoints"]["revoke"], 1);
  EXPECT_GE(stats["endpoints"]["token"], 5);
}

TEST_F(SandboxHttpTest, DenyRedirectsTenantPoliciesShowGooglesOwnPage) {
  start({});
  control("/control/accounts", {{"address", "a@x.com"}});
  control("/control/accounts", {{"address", "admin@x.com"}, {"consent", "admin_required"}});
  control("/control/accounts", {{"address", "ext@x.com"}, {"consent", "not_assigned"}});
  EXPECT_EQ(value(consent("a@x.com", verifier_, "deny"), "error"), "access_denied");
  // The organization's refusals stay on Google's page: no redirect, nothing reaches the client.
  const net::ClientResponse blocked = decide("admin@x.com", verifier_, "allow");
  EXPECT_EQ(blocked.status, 400);
  EXPECT_TRUE(blocked.header("Location").empty());
  EXPECT_NE(blocked.body.find("Access blocked"), std::string::npos);
  EXPECT_NE(blocked.body.find("Error 400: admin_policy_enforced"), std::string::npos);
  const net::ClientResponse internal = decide("ext@x.com", verifier_, "allow");
  EXPECT_EQ(internal.status, 403);
  EXPECT_TRUE(internal.header("Location").empty());
  EXPECT_NE(internal.body.find("Error 403: org_internal"), std::string::npos);
  EXPECT_EQ(value(consent("nobody@x.com", verifier_, "allow"), "error"), "access_denied");
  const net::Fields no_pkce =
      redirect_query(send("GET", "/o/oauth2/v2/auth?" + net::encode_query({{"response_type", "code"},
                                                                           {"client_id", kClientId},
                                                                           {"redirect_uri", kRedirect},
                                                                           {"scope", kScope},
                                                                           {"state", "s"}})));
  EXPECT_EQ(value(no_pkce, "error"), "invalid_request");
  EXPECT_EQ(value(no_pkce, "state"), "s");
  EXPECT_EQ(send("GET", "/o/oauth2/v2/auth?client_id=other&redirect_uri=http://x/").status, 401);
  EXPECT_EQ(control("/control/accounts", {{"provider", "microsoft"}, {"address", "m@x.com"}}).status, 501);
}

TEST_F(SandboxHttpTest, GmailApiLimitsFaultsAndPushes) {
  PushReceiver receiver;
  GoogleOptions options;
  options.auto_consent = true;
  options.push_endpoint = receiver.url();
  options.push_audience = "https://hiresync.test/webhooks/google";
  options.push_min_interval_ms = 0;
  options.user_quota_per_minute = 110;
  start(options);
  control("/control/accounts", {{"address", "rita@acme.com"}});
  control("/control/accounts", {{"address", "nomail@acme.com"}, {"mailbox", false}});

  auto token_for = [&](const std::string& account) {
    const net::Fields cb = redirect_query(send("GET", auth_url(account, verifier_, kScope)));
    return exchange(value(cb, "code"), verifier_, 200)["access_token"].get<std::string>();
  };
  const std::string token = token_for("rita@acme.com");
  const net::ClientResponse nomail = api("profile", token_for("nomail@acme.com"));
  EXPECT_EQ(nomail.status, 400);
  EXPECT_EQ(json::parse(nomail.body)["error"]["errors"][0]["reason"], "failedPrecondition");

  // Watch: immediate notification.
  const net::ClientResponse watch =
      send("POST", "/gmail/v1/users/me/watch", json{{"topicName", "projects/p/topics/gmail"}}.dump(),
           {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
  ASSERT_EQ(watch.status, 200) << watch.body;
  const json w = json::parse(watch.body);
  EXPECT_EQ(std::stoll(w["expiration"].get<std::string>()), clock_.now_ms() + 7LL * 24 * 3600 * 1000);

  const json delivered =
      json::parse(control("/control/accounts/rita@acme.com/messages",
                          {{"folder", "inbox"},
                           {"raw", "From: ann@example.org\r\nTo: rita@acme.com\r\nSubject: hi\r\n\r\nHello"}})
                      .body);
  ASSERT_TRUE(delivered.contains("id"));
  EXPECT_EQ(delivered["id"].get<std::string>().size(), 16u);
  EXPECT_GT(std::stoull(delivered["history_id"].get<std::string>()),
            std::stoull(w["historyId"].get<std::string>()));

  const std::vector<net::Request> pushes = receiver.wait_for(2);
  ASSERT_EQ(pushes.size(), 2u);
  const json jwks = json::parse(send("GET", "/oauth2/v3/certs").body);
  for (std::size_t i = 0; i < 2; ++i) {
    const json envelope = json::parse(pushes[i].body);
    EXPECT_EQ(envelope["subscription"], kPushSubscription);
    const json data = json::parse(*net::base64url_decode(envelope["message"]["data"].get<std::string>()));
    EXPECT_EQ(data["emailAddress"], "rita@acme.com");
    EXPECT_EQ(data["historyId"], i == 0 ? w["historyId"] : delivered["history_id"]);
    json claims;
    ASSERT_TRUE(verify_rs256(pushes[i].header("Authorization").substr(7), jwks, claims));
    EXPECT_EQ(claims["aud"], "https://hiresync.test/webhooks/google");
    EXPECT_EQ(claims["iss"], "https://accounts.google.com");
    EXPECT_EQ(claims["email"], kPushServiceAccount);
    EXPECT_EQ(claims["email_verified"], true);
  }

  // Injected fault with Retry-After, limited to one endpoint.
  control("/control/faults", {{"account", "rita@acme.com"},
                              {"status", 429},
                              {"count", 1},
                              {"retry_after", 2},
                              {"endpoint", "/history"}});
  EXPECT_EQ(api("profile", token).status, 200);
  const net::ClientResponse faulted = api("history?startHistoryId=1", token);
  EXPECT_EQ(faulted.status, 429);
  EXPECT_EQ(faulted.header("Retry-After"), "2");
  EXPECT_EQ(json::parse(faulted.body)["error"]["message"], "Too many concurrent requests for user");

  control("/control/faults", {{"account", "rita@acme.com"},
                              {"status", 403},
                              {"reason", "domainPolicy"},
                              {"message", "The domain administrators have disabled Gmail apps."}});
  const net::ClientResponse policy = api("profile", token);
  EXPECT_EQ(policy.status, 403);
  EXPECT_EQ(json::parse(policy.body)["error"]["errors"][0]["reason"], "domainPolicy");

  // Quota: 110 units a minute; watch (100) and profile (1) leave too little for messages.get (20).
  const net::ClientResponse limited = api("messages/" + delivered["id"].get<std::string>(), token);
  EXPECT_EQ(limited.status, 403);
  EXPECT_EQ(json::parse(limited.body)["error"]["errors"][0]["reason"], "userRateLimitExceeded");
  clock_.advance_ms(60'000);
  const net::ClientResponse got =
      api("messages/" + delivered["id"].get<std::string>() + "?format=raw", token);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(*net::base64url_decode(json::parse(got.body)["raw"].get<std::string>()),
            "From: ann@example.org\r\nTo: rita@acme.com\r\nSubject: hi\r\n\r\nHello");
  EXPECT_EQ(api("messages/ffffffffffffffff", token).status, 404);

  const net::ClientResponse listed = api("messages?q=" + net::url_encode("from:ANN@example.org"), token);
  EXPECT_EQ(json::parse(listed.body)["messages"][0]["id"], delivered["id"]);

  // History 404 after expire-history.
  control("/control/accounts/rita@acme.com/expire-history", json::object());
  const net::ClientResponse expired =
      api("history?startHistoryId=" + w["historyId"].get<std::string>(), token);
  EXPECT_EQ(expired.status, 404);
  EXPECT_EQ(
      json::parse(expired.body),
      json::parse(R"({"error":{"code":404,"message":"Requested entity was not found.","errors":[{"message":)"
                  R"("Requested entity was not found.","domain":"global","reason":"notFound"}],)"
                  R"("status":"NOT_FOUND"}})"));

  control("/control/accounts/rita@acme.com/expire-tokens", json::object());
  EXPECT_EQ(api("profile", token).status, 401);

  const json stats = json::parse(send("GET", "/control/stats?account=rita@acme.com").body);
  EXPECT_EQ(stats["endpoints"]["watch"], 1);
  EXPECT_EQ(stats["endpoints"]["messages.get.full"], 2);
  EXPECT_EQ(stats["endpoints"]["messages.get.raw"], 1);
  EXPECT_EQ(stats["rejected"]["fault"], 2);
  EXPECT_EQ(stats["rejected"]["403"], 1);
  EXPECT_EQ(stats["pushes"]["dropped"], 0);
}

TEST_F(SandboxHttpTest, PushRetriesAfterAFailedDeliveryAndHonoursTheRateCap) {
  PushReceiver receiver;
  receiver.fail_next(1);
  GoogleOptions options;
  options.auto_consent = true;
  options.push_endpoint = receiver.url();
  start(options);
  control("/control/accounts", {{"address", "rita@acme.com"}});
  const net::Fields cb = redirect_query(send("GET", auth_url("rita@acme.com", verifier_, kScope)));
  const std::string token = exchange(value(cb, "code"), verifier_, 200)["access_token"];
  send("POST", "/gmail/v1/users/me/watch", json{{"topicName", "projects/p/topics/gmail"}}.dump(),
       {{"Authorization", "Bearer " + token}});
  // Within the 1 s cap of the watch notification (the clock does not move): dropped.
  control("/control/accounts/rita@acme.com/messages", {{"raw", "Subject: a\r\n\r\nx"}});
  const std::vector<net::Request> got = receiver.wait_for(2);  // the 503, then the redelivery
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(json::parse(got[0].body)["message"]["messageId"],
            json::parse(got[1].body)["message"]["messageId"]);
  const json stats = json::parse(send("GET", "/control/stats?account=rita@acme.com").body);
  EXPECT_EQ(stats["pushes"]["dropped"], 1);
}

namespace batch_test {

// A part of a batch request body.
std::string part(const std::string& id, const std::string& request_line, const std::string& headers = "") {
  return "--b\r\nContent-Type: application/http\r\nContent-ID: <" + id + ">\r\n\r\n" + request_line + "\r\n" +
         headers + "\r\n";
}

}  // namespace batch_test

class SandboxBatchTest : public SandboxHttpTest {
 protected:
  // An account holding `n` delivered messages; returns their ids and sets token_.
  std::vector<std::string> account_with(int n, GoogleOptions options = {}) {
    start(std::move(options));
    EXPECT_EQ(control("/control/accounts", {{"provider", "google"}, {"address", "rita@acme.com"}}).status,
              201);
    const net::Fields cb = consent("rita@acme.com", verifier_, "allow");
    token_ = exchange(value(cb, "code"), verifier_, 200)["access_token"];
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const std::string raw = "From: a" + std::to_string(i) + "@x.com\r\nTo: rita@acme.com\r\nSubject: s" +
                              std::to_string(i) + "\r\n\r\nbody\r\n";
      ids.push_back(
          json::parse(control("/control/accounts/rita@acme.com/messages", {{"raw", raw}}).body)["id"]);
    }
    return ids;
  }
  net::ClientResponse batch(const std::string& body, const std::string& token) {
    return send("POST", "/batch/gmail/v1", body,
                {{"Authorization", "Bearer " + token}, {"Content-Type", "multipart/mixed; boundary=b"}});
  }
  // The response's parts: Content-ID -> (status line, body).
  static std::vector<std::pair<std::string, MimePart>> parts(const net::ClientResponse& r) {
    const MimePart root = parse_mime_tree("Content-Type: " + r.header("Content-Type") + "\r\n\r\n" + r.body);
    std::vector<std::pair<std::string, MimePart>> out;
    for (const MimePart& p : root.parts) out.emplace_back(header_value(p.headers, "Content-ID"), p);
    return out;
  }
  json stats() { return json::parse(send("GET", "/control/stats?account=rita@acme.com").body); }
  std::string token_;
};

TEST_F(SandboxBatchTest, EachPartIsACallAnsweredByContentIdInAnotherOrder) {
  const std::vector<std::string> ids = account_with(3);
  std::string body;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    body += batch_test::part("c" + std::to_string(i),
                             "GET /gmail/v1/users/me/messages/" + ids[i] + "?format=metadata HTTP/1.1");
  }
  body += batch_test::part("gone", "GET /gmail/v1/users/me/messages/1234567890abcdef?format=metadata");
  body += "--b--\r\n";
  const json before = stats();
  const net::ClientResponse r = batch(body, token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type").rfind("multipart/mixed; boundary=", 0), 0u);
  const auto answers = parts(r);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers.front().first, "<response-gone>");  // reversed: pairing must use Content-ID
  EXPECT_EQ(answers.front().second.body.rfind("HTTP/1.1 404", 0), 0u) << answers.front().second.body;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& [cid, p] = answers[answers.size() - 1 - i];
    EXPECT_EQ(cid, "<response-c" + std::to_string(i) + ">");
    EXPECT_EQ(p.body.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << p.body;
    EXPECT_NE(p.body.find("\"id\":\"" + ids[i] + "\""), std::string::npos) << p.body;
  }
  // Charged as four messages.get calls (20 units each in the 2026 table), one HTTP request.
  const json after = stats();
  EXPECT_EQ(after["units"].get<int>() - before["units"].get<int>(), 80);
  EXPECT_EQ(after["endpoints"]["messages.get.metadata"].get<int>() -
                before["endpoints"]["messages.get.metadata"].get<int>(),
            4);
  EXPECT_EQ(after["http_requests"].get<int>() - before["http_requests"].get<int>(), 1);
  EXPECT_EQ(after["batched_calls"].get<int>() - before["batched_calls"].get<int>(), 4);
}

TEST_F(SandboxBatchTest, OuterTokenAppliesLimitsHoldPerPartAndMoreThan100IsRefused) {
  GoogleOptions options;
  options.max_concurrent = 2;  // the parts run at once: the third and fourth are over the cap
  const std::vector<std::string> ids = account_with(1, options);
  const std::string get = "GET /gmail/v1/users/me/messages/" + ids[0] + "?format=minimal";
  std::string body;
  for (int i = 0; i < 4; ++i) body += batch_test::part("p" + std::to_string(i), get);
  body += "--b--\r\n";
  const auto answers = parts(batch(body, token_));
  ASSERT_EQ(answers.size(), 4u);
  int ok = 0;
  int limited = 0;
  for (const auto& [cid, p] : answers) {
    if (p.body.rfind("HTTP/1.1 200", 0) == 0) ++ok;
    if (p.body.rfind("HTTP/1.1 429", 0) == 0 &&
        p.body.find("Too many concurrent requests for user") != std::string::npos)
      ++limited;
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(limited, 2);

  // Without a valid outer token every part is 401; a part may bring its own Authorization.
  const std::string own =
      batch_test::part("own", get, "Authorization: Bearer " + token_ + "\r\n") + "--b--\r\n";
  const auto mine = parts(batch(own, "expired"));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].second.body.rfind("HTTP/1.1 200", 0), 0u) << mine[0].second.body;
  const auto theirs = parts(batch(batch_test::part("x", get) + "--b--\r\n", "expired"));
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].second.body.rfind("HTTP/1.1 401", 0), 0u);

  std::string too_many;
  for (int i = 0; i < 101; ++i) too_many += batch_test::part("t" + std::to_string(i), get);
  too_many += "--b--\r\n";
  EXPECT_EQ(batch(too_many, token_).status, 400);
  EXPECT_EQ(batch("not multipart", token_).status, 400);
}

TEST_F(SandboxBatchTest, DraftsSpamTrashAndChatWriteGmailsHistory) {
  account_with(0);
  const std::string raw = "From: rita@acme.com\r\nTo: ann@c.example\r\nSubject: Hi\r\n\r\nDraft\r\n";
  const json first = json::parse(control("/control/accounts/rita@acme.com/drafts", {{"raw", raw}}).body);
  const std::string start = first["history_id"];
  const json second = json::parse(
      control("/control/accounts/rita@acme.com/drafts", {{"raw", raw}, {"draft_id", first["draft_id"]}})
          .body);
  EXPECT_EQ(second["draft_id"], first["draft_id"]);
  EXPECT_NE(second["id"], first["id"]);
  EXPECT_EQ(second["thread_id"], first["thread_id"]);
  EXPECT_EQ(api("messages/" + first["id"].get<std::string>(), token_).status, 404);
  const json sent = json::parse(
      control("/control/accounts/rita@acme.com/drafts/" + first["draft_id"].get<std::string>() + "/send",
              json::object())
          .body);
  EXPECT_NE(sent["id"], second["id"]);
  const json message =
      json::parse(api("messages/" + sent["id"].get<std::string>() + "?format=minimal", token_).body);
  EXPECT_EQ(message["labelIds"], json::array({"SENT"}));
  EXPECT_EQ(message["threadId"], first["thread_id"]);

  const json spam = json::parse(
      control("/control/accounts/rita@acme.com/messages", {{"raw", raw}, {"folder", "spam"}}).body);
  const json inbox = json::parse(control("/control/accounts/rita@acme.com/messages", {{"raw", raw}}).body);
  const json trashed = json::parse(
      control("/control/accounts/rita@acme.com/messages/" + inbox["id"].get<std::string>() + "/trash",
              json::object())
          .body);
  EXPECT_EQ(trashed["labelIds"], json::array({"UNREAD", "TRASH"}));

  // history: messageDeleted + messageAdded per autosave and for the send; labelAdded for the trash.
  const json history = json::parse(api("history?startHistoryId=" + start, token_).body);
  std::vector<std::string> kinds;
  for (const json& record : history["history"]) {
    for (const char* kind : {"messagesAdded", "messagesDeleted", "labelsAdded", "labelsRemoved"}) {
      if (record.contains(kind)) kinds.emplace_back(kind);
    }
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"messagesDeleted", "messagesAdded", "messagesDeleted", "messagesAdded",
                                      "messagesAdded", "messagesAdded", "labelsAdded", "labelsRemoved"}));
  const json only_added =
      json::parse(api("history?historyTypes=labelAdded&startHistoryId=" + start, token_).body);
  ASSERT_EQ(only_added["history"].size(), 1u);
  EXPECT_EQ(only_added["history"][0]["labelsAdded"][0]["labelIds"], json::array({"TRASH"}));

  // messages.list leaves spam and trash out unless includeSpamTrash=true.
  const json listed = json::parse(api("messages", token_).body);
  ASSERT_EQ(listed["messages"].size(), 1u);  // the sent message
  EXPECT_EQ(listed["messages"][0]["id"], sent["id"]);
  EXPECT_EQ(json::parse(api("messages?includeSpamTrash=true", token_).body)["messages"].size(), 3u);
  EXPECT_EQ(spam.contains("id"), true);
}

}  // namespace
}  // namespace hiresync::sandbox::google
