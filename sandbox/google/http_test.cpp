// End to end over HTTP: the OAuth code flow with PKCE through the curl client, the Gmail API behind
// it, and Pub/Sub pushes whose JWT is checked with OpenSSL against the served JWKS.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <condition_variable>

#include "net/client.hpp"
#include "net/server.hpp"
#include "sandbox/control.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/google/http_test_support.hpp"

namespace hiresync::sandbox::google {
namespace {

using nlohmann::json;
using test_support::SandboxHttpTest;

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

}  // namespace
}  // namespace hiresync::sandbox::google
