// Over real HTTP: the Entra code flow through the curl client, and a Graph subscription round trip
// against a tiny notification endpoint (validation echo, change notification with clientState,
// renewal, lifecycle event, push faults).
#include <condition_variable>

#include "net/client.hpp"
#include "net/server.hpp"
#include "sandbox/microsoft/format.hpp"
#include "sandbox/microsoft/test_support.hpp"

namespace hiresync::sandbox::microsoft::testing {
namespace {

// Plays the app's /webhooks/microsoft: echoes validation tokens (except under /bad), records the rest.
class Receiver {
 public:
  Receiver() : server_([this](const net::Request& r) { return handle(r); }, net::ServerOptions{}) {
    auto port = server_.start("127.0.0.1:0");
    EXPECT_TRUE(port.ok());
    base_ = "http://127.0.0.1:" + std::to_string(port.ok() ? *port : 0);
  }
  const std::string& base() const { return base_; }
  // Waits (bounded) until `n` notifications arrived at `path`; returns them.
  std::vector<json> wait_for(const std::string& path, std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return received_[path].size() >= n; });
    return received_[path];
  }
  std::vector<std::string> validations() {
    const std::lock_guard lock(mu_);
    return validations_;
  }

 private:
  net::Response handle(const net::Request& r) {
    const std::lock_guard lock(mu_);
    if (const auto token = r.param("validationToken")) {
      validations_.push_back(*token);
      if (r.path == "/bad") return net::Response::text(200, "not the token");
      net::Response ok{200, {{"Content-Type", "text/plain"}}, *token};
      return ok;
    }
    received_[r.path].push_back(json::parse(r.body, nullptr, false));
    cv_.notify_all();
    return net::Response{202, {}, {}};
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<json>> received_;
  std::vector<std::string> validations_;
  net::HttpServer server_;
  std::string base_;
};

class MsHttpTest : public MsFixture {
 protected:
  void SetUp() override {
    MicrosoftOptions o;
    o.auto_consent = true;
    o.allow_http_notifications = true;  // the receiver is http on loopback
    o.notifier.first_backoff = std::chrono::milliseconds(10);
    build(o);
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
    req.url = path.rfind("http", 0) == 0 ? path : base_ + path;
    req.body = body;
    req.headers = std::move(headers);
    auto r = client_->send(req);
    EXPECT_TRUE(r.ok()) << path;
    return r.ok() ? *r : net::ClientResponse{};
  }
  net::Fields bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  }

  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpClient> client_ = net::make_curl_client();
  std::string base_;
};

TEST_F(MsHttpTest, SubscriptionRoundTrip) {
  constexpr const char* kAnn = "ann@contoso.example";
  ASSERT_EQ(
      send("POST", "/control/accounts", json{{"provider", "microsoft"}, {"address", kAnn}}.dump()).status,
      201);
  // Entra over HTTP.
  const net::ClientResponse auth =
      send("GET", "/organizations/oauth2/v2.0/authorize?" +
                      net::encode_query({{"client_id", "hiresync-sandbox-client"},
                                         {"response_type", "code"},
                                         {"redirect_uri", "http://127.0.0.1:1/cb"},
                                         {"scope", "offline_access Mail.Read"},
                                         {"login_hint", kAnn},
                                         {"code_challenge", s256(kVerifier)},
                                         {"code_challenge_method", "S256"}}));
  ASSERT_EQ(auth.status, 302);
  const net::ClientResponse tok =
      send("POST", "/organizations/oauth2/v2.0/token",
           net::encode_query({{"client_id", "hiresync-sandbox-client"},
                              {"client_secret", "hiresync-sandbox-secret"},
                              {"grant_type", "authorization_code"},
                              {"code", url_param(auth.header("Location"), "code")},
                              {"redirect_uri", "http://127.0.0.1:1/cb"},
                              {"code_verifier", kVerifier}}),
           {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(tok.status, 200) << tok.body;
  const std::string token = json::parse(tok.body)["access_token"];

  Receiver rx;
  const std::string expiry = iso_seven(clock_.now_ms() + 60LL * 60 * 1000);
  json sub = {{"changeType", "created"},
              {"notificationUrl", rx.base() + "/webhooks/microsoft"},
              {"lifecycleNotificationUrl", rx.base() + "/lifecycle"},
              {"resource", "me/mailFolders('inbox')/messages"},
              {"expirationDateTime", expiry},
              {"clientState", "secret-state"}};
  // Too long a lifetime, then an endpoint that fails the handshake.
  json too_long = sub;
  too_long["expirationDateTime"] = iso_seven(clock_.now_ms() + 10081LL * 60 * 1000);
  EXPECT_EQ(send("POST", "/v1.0/subscriptions", too_long.dump(), bearer(token)).status, 400);
  json bad = sub;
  bad["notificationUrl"] = rx.base() + "/bad";
  const net::ClientResponse refused = send("POST", "/v1.0/subscriptions", bad.dump(), bearer(token));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "ValidationError");

  const net::ClientResponse created =
      send("POST", "/v1.0/subscriptions", sub.dump(),
           {{"Authorization", "Bearer " + token}, {"Prefer", "IdType=\"ImmutableId\""}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json s = json::parse(created.body);
  EXPECT_EQ(s["clientState"], "secret-state");
  EXPECT_EQ(s["expirationDateTime"], expiry);
  const std::vector<std::string> tokens = rx.validations();
  ASSERT_GE(tokens.size(), 3U);  // /bad, then the notification and lifecycle URLs
  EXPECT_EQ(tokens.back().rfind("Validation: ", 0), 0U);

  // A delivery to the inbox -> one notification with our clientState; Sent Items -> none.
  const net::ClientResponse sent = send(
      "POST", std::string("/control/accounts/") + kAnn + "/messages",
      json{{"folder", "sent"}, {"raw", "From: " + std::string(kAnn) + "\r\nTo: x@y.z\r\nSubject: s\r\n\r\nb"}}
          .dump());
  ASSERT_EQ(sent.status, 200);
  const net::ClientResponse d =
      send("POST", std::string("/control/accounts/") + kAnn + "/messages",
           json{{"folder", "inbox"}, {"raw", MsFixture::raw_message("c@x.org", kAnn, "Hi", "hi@x")}}.dump());
  ASSERT_EQ(d.status, 200);
  const json delivered = json::parse(d.body);
  const std::vector<json> got = rx.wait_for("/webhooks/microsoft", 1);
  ASSERT_EQ(got.size(), 1U);
  ASSERT_EQ(got[0]["value"].size(), 1U);
  const json& n = got[0]["value"][0];
  EXPECT_EQ(n["subscriptionId"], s["id"]);
  EXPECT_EQ(n["clientState"], "secret-state");
  EXPECT_EQ(n["changeType"], "created");
  EXPECT_EQ(n["resourceData"]["id"], delivered["immutable_id"]);
  EXPECT_EQ(n["resourceData"]["@odata.type"], "#Microsoft.Graph.Message");
  EXPECT_EQ(n["resource"].get<std::string>().rfind("Users/", 0), 0U);
  EXPECT_TRUE(n.contains("tenantId") && n.contains("subscriptionExpirationDateTime"));

  // Duplicate fault: the next change arrives twice.
  ASSERT_EQ(send("POST", "/control/faults", json{{"account", kAnn}, {"push", "duplicate"}}.dump()).status,
            200);
  send("POST", std::string("/control/accounts/") + kAnn + "/messages",
       json{{"raw", MsFixture::raw_message("c@x.org", kAnn, "Again", "again@x")}}.dump());
  EXPECT_EQ(rx.wait_for("/webhooks/microsoft", 3).size(), 3U);

  // A renewal past the maximum is refused as a creation is; then a renewal, then a lifecycle event
  // that removes the subscription.
  const net::ClientResponse too_far = send(
      "PATCH", "/v1.0/subscriptions/" + std::string(s["id"]),
      json{{"expirationDateTime", iso_seven(clock_.now_ms() + 4231LL * 60 * 1000)}}.dump(), bearer(token));
  EXPECT_EQ(too_far.status, 400);
  EXPECT_EQ(json::parse(too_far.body)["error"]["code"], "ExtensionError");
  EXPECT_EQ(json::parse(too_far.body)["error"]["message"],
            "Subscription expiration can only be 4230 minutes in the future.");
  const std::string later = iso_seven(clock_.now_ms() + 120LL * 60 * 1000);
  const net::ClientResponse renewed = send("PATCH", "/v1.0/subscriptions/" + std::string(s["id"]),
                                           json{{"expirationDateTime", later}}.dump(), bearer(token));
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_EQ(json::parse(renewed.body)["expirationDateTime"], later);
  ASSERT_EQ(send("POST", std::string("/control/accounts/") + kAnn + "/lifecycle",
                 json{{"event", "subscriptionRemoved"}}.dump())
                .status,
            200);
  const std::vector<json> life = rx.wait_for("/lifecycle", 1);
  ASSERT_EQ(life.size(), 1U);
  EXPECT_EQ(life[0]["value"][0]["lifecycleEvent"], "subscriptionRemoved");
  EXPECT_EQ(life[0]["value"][0]["clientState"], "secret-state");
  const json list = json::parse(send("GET", "/v1.0/subscriptions", "", bearer(token)).body);
  EXPECT_TRUE(list["value"].empty());
  EXPECT_EQ(send("PATCH", "/v1.0/subscriptions/" + std::string(s["id"]),
                 json{{"expirationDateTime", later}}.dump(), bearer(token))
                .status,
            404);

  const json stats = json::parse(send("GET", std::string("/control/stats?account=") + kAnn).body);
  EXPECT_EQ(stats["endpoints"]["subscriptions.create"], 3);
  EXPECT_EQ(stats["endpoints"]["subscriptions.renew"], 3);
  EXPECT_GE(stats["notifications"]["sent"].get<int>(), 3);
}

}  // namespace
}  // namespace hiresync::sandbox::microsoft::testing
