// The API end to end over HTTP: the caller's mailbox and the OAuth callback, the Google webhook,
// /healthz, /metrics and the error shape of unknown routes.
#include "api/api_test_fixture.hpp"
#include "crypto/crypto.hpp"

namespace hiresync::api::testing {
namespace {

using nlohmann::json;

TEST_F(ApiTest, MailboxStatusMapsTheSyncStatus) {
  auto w = make_world();
  auto none = call_as(w.rita_token, "GET", "/api/me/mailbox");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.json["error"]["code"], "not_connected");

  {
    std::lock_guard lock(sync_.mu);
    sync_.mailbox_user = w.rita;
    sync_.mailbox = sync::MailboxStatus{"backfilling", "google", "rita@acme.com", 0, 10, 40, "", 2};
  }
  auto fresh = call_as(w.rita_token, "GET", "/api/me/mailbox");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.json, (json{{"status", "backfilling"},
                              {"provider", "google"},
                              {"address", "rita@acme.com"},
                              {"last_synced_at", nullptr},
                              {"backfill", {{"done", 10}, {"total", 40}}},
                              {"error", nullptr},
                              {"failed_fetches", 2},
                              {"authorization", nullptr},
                              {"skipped", json::object()}}));

  {
    std::lock_guard lock(sync_.mu);
    sync_.mailbox = sync::MailboxStatus{"needs_reauth",   "google", "rita@acme.com", 1'700'000'000, 40, 40,
                                        "access_revoked", 0};
  }
  auto broken = call_as(w.rita_token, "GET", "/api/me/mailbox");
  EXPECT_EQ(broken.json["last_synced_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(broken.json["error"]["code"], "access_revoked");
  EXPECT_TRUE(broken.json["error"]["message"].is_string());
  EXPECT_TRUE(broken.json["error"]["remedy"].is_string());
  EXPECT_EQ(call_as(w.sam_token, "GET", "/api/me/mailbox").status, 404);  // Sam has none
}

TEST_F(ApiTest, AnAuthorizationThatNeverCameBackShowsAsNotFinished) {
  auto w = make_world();
  {
    std::lock_guard lock(sync_.mu);
    sync_.unfinished_user = w.rita;
    sync_.unfinished =
        sync::UnfinishedAuthorization{"microsoft", 1'700'000'000, {"admin_consent_required", "not_assigned"}};
  }
  // No mailbox yet: still the 404, with the authorization beside the error.
  auto none = call_as(w.rita_token, "GET", "/api/me/mailbox");
  ASSERT_EQ(none.status, 404) << none.body;
  EXPECT_EQ(none.json["error"]["code"], "not_connected");
  const json& a = none.json["authorization"];
  EXPECT_EQ(a["state"], "not_finished");
  EXPECT_EQ(a["code"], "consent_not_finished");
  EXPECT_TRUE(a["message"].is_string() && a["remedy"].is_string());
  EXPECT_EQ(a["provider"], "microsoft");
  EXPECT_EQ(a["started_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(a["it_admin_url"], "/it-admin");
  ASSERT_EQ(a["likely_causes"].size(), 2u);
  EXPECT_EQ(a["likely_causes"][0]["code"], "admin_consent_required");
  EXPECT_TRUE(a["likely_causes"][1]["remedy"].is_string());
  // With a mailbox, the same object in the 200.
  {
    std::lock_guard lock(sync_.mu);
    sync_.mailbox_user = w.rita;
    sync_.mailbox = sync::MailboxStatus{"live", "microsoft", "rita@acme.com", 0, 0, 0, "", 0};
  }
  auto live = call_as(w.rita_token, "GET", "/api/me/mailbox");
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(live.json["authorization"], a);
  EXPECT_FALSE(call_as(w.sam_token, "GET", "/api/me/mailbox").json.contains("authorization"));
}

TEST_F(ApiTest, ProblemsGoToTheOperatorAndOnlyTheCallersContractToItsAdmin) {
  auto w = make_world();
  {
    std::lock_guard lock(sync_.mu);
    sync::OpsProblem jwt{
        "push_jwt_rejected",          "wrong_audience", "deployment", 0, 0, "google", 1'700'000'000, 3,
        "google push: wrong audience"};
    sync::OpsProblem mine{"subscription_failed", "", "mailbox", 7, w.acme, "microsoft",
                          1'700'000'100,         2,  "400"};
    sync::OpsProblem theirs{"watch_failed", "", "mailbox", 9, w.other, "google", 1'700'000'200, 1, "403"};
    sync_.ops_problems = {jwt, mine, theirs};
  }
  auto all = call_as(kOperatorToken, "GET", "/api/ops/problems");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["problems"].size(), 3u);
  EXPECT_EQ(all.json["problems"][0]["reason"], "wrong_audience");
  EXPECT_FALSE(all.json["problems"][0].contains("mailbox_id"));
  EXPECT_EQ(all.json["problems"][1]["mailbox_id"], 7);
  EXPECT_TRUE(all.json["problems"][1]["remedy"].is_string());
  EXPECT_EQ(call_as(w.rita_token, "GET", "/api/ops/problems").status, 403);

  auto acme = call_as(w.rita_token, "GET", "/api/contract/problems");
  ASSERT_EQ(acme.status, 200) << acme.body;
  ASSERT_EQ(acme.json["problems"].size(), 1u);
  EXPECT_EQ(acme.json["problems"][0]["cause"], "subscription_failed");
  EXPECT_EQ(acme.json["problems"][0]["contract_id"], w.acme);
  auto other = call_as(w.olga_token, "GET", "/api/contract/problems");
  ASSERT_EQ(other.status, 200) << other.body;
  ASSERT_EQ(other.json["problems"].size(), 1u);
  EXPECT_EQ(other.json["problems"][0]["cause"], "watch_failed");
  EXPECT_EQ(call_as(w.sam_token, "GET", "/api/contract/problems").status, 403);
  std::lock_guard lock(sync_.mu);
  EXPECT_EQ(sync_.problem_queries, (std::vector<model::Id>{0, w.acme, w.other}));
}

TEST_F(ApiTest, ClusterListsTheNodesToTheOperatorOnly) {
  auto w = make_world();
  {
    std::lock_guard lock(sync_.mu);
    sync_.cluster_nodes = {{"a:8080", "10.0.0.1:8080", 1'700'000'000, 3, 1},
                           {"b:8080", "10.0.0.2:8080", 1'700'000'001, 2, 0}};
  }
  auto all = call_as(kOperatorToken, "GET", "/api/ops/cluster");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["nodes"].size(), 2u);
  EXPECT_EQ(all.json["nodes"][0]["id"], "a:8080");
  EXPECT_EQ(all.json["nodes"][0]["address"], "10.0.0.1:8080");
  EXPECT_EQ(all.json["nodes"][0]["last_heartbeat_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(all.json["nodes"][0]["mailboxes"], 3);
  EXPECT_EQ(all.json["nodes"][0]["queue_depth"], 1);
  EXPECT_EQ(all.json["nodes"][1]["mailboxes"], 2);
  EXPECT_EQ(call_as(w.rita_token, "GET", "/api/ops/cluster").status, 403);
}

TEST_F(ApiTest, AuthorizeReturnsTheUrlOrA422WithTheProblem) {
  auto w = make_world();
  auto ok = call_as(w.rita_token, "POST", "/api/me/mailbox/authorize");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json["authorize_url"], "https://accounts.example/auth?state=s1");
  {
    std::lock_guard lock(sync_.mu);
    ASSERT_EQ(sync_.session_keys.size(), 1u);
    // The engine gets an opaque digest bound to the session, never the token itself.
    EXPECT_NE(sync_.session_keys[0], w.rita_token);
    EXPECT_NE(sync_.session_keys[0], crypto::digest_hex(w.rita_token));
    EXPECT_EQ(sync_.session_keys[0].size(), 64u);
    EXPECT_EQ(sync_.authorize_users, std::vector<model::Id>{w.rita});
    model::Error e = model::make_error(model::ErrorCode::kInvalidArgument, "contract has no provider");
    e.problem = "sync_not_enabled";
    sync_.authorize_error = e;
  }
  auto off = call_as(w.rita_token, "POST", "/api/me/mailbox/authorize");
  EXPECT_EQ(off.status, 422);
  EXPECT_EQ(off.json["error"]["code"], "sync_not_enabled");
  EXPECT_EQ(off.json["error"]["message"], "Your company has not turned on email syncing.");
  EXPECT_TRUE(off.json["error"]["remedy"].is_string());
  EXPECT_EQ(off.body.find("contract has no provider"), std::string::npos);  // details stay in logs
}

TEST_F(ApiTest, OAuthCallbackRedirectsToTheSettingsPage) {
  auto w = make_world();
  ASSERT_EQ(call_as(w.rita_token, "POST", "/api/me/mailbox/authorize").status, 200);
  const net::Fields cookie{{"Cookie", std::string(kSessionCookie) + "=" + w.rita_token}};
  auto ok = call("GET", "/oauth/callback?code=c0de&state=s1", "", cookie);
  EXPECT_EQ(ok.status, 302);
  EXPECT_EQ(ok.header("Location"), "http://ui.test/settings/email?result=connected");

  auto denied = call("GET", "/oauth/callback?error=access_denied&error_description=no&state=s1", "", cookie);
  EXPECT_EQ(denied.status, 302);
  EXPECT_EQ(denied.header("Location"), "http://ui.test/settings/email?result=error&code=access_denied");

  auto unknown = call("GET", "/oauth/callback?code=c0de&state=other", "", cookie);
  EXPECT_EQ(unknown.header("Location"), "http://ui.test/settings/email?result=error&code=invalid_state");
  auto no_session = call("GET", "/oauth/callback?code=c0de&state=s1");
  EXPECT_EQ(no_session.header("Location"), "http://ui.test/settings/email?result=error&code=invalid_state");

  std::lock_guard lock(sync_.mu);
  ASSERT_EQ(sync_.finish_calls.size(), 3u);  // not called without a session
  EXPECT_EQ(sync_.finish_calls[0].code, "c0de");
  EXPECT_EQ(sync_.finish_calls[1].error, "access_denied");
  // The callback names the same session as the authorize call did.
  ASSERT_EQ(sync_.session_keys.size(), 1u);
  EXPECT_EQ(sync_.finish_calls[0].session_key, sync_.session_keys[0]);
}

TEST_F(ApiTest, SyncNowAndDeauthorize) {
  auto w = make_world();
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/me/mailbox/sync").status, 404);
  EXPECT_EQ(call_as(w.rita_token, "DELETE", "/api/me/mailbox").status, 404);
  {
    std::lock_guard lock(sync_.mu);
    sync_.mailbox_user = w.rita;
    sync_.mailbox = sync::MailboxStatus{"live", "google", "rita@acme.com"};
  }
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/me/mailbox/sync").status, 202);
  {
    std::lock_guard lock(sync_.mu);
    model::Error e = model::make_error(model::ErrorCode::kInvalidArgument, "needs reauth");
    e.problem = "access_revoked";
    sync_.sync_now_error = e;
  }
  auto cannot = call_as(w.rita_token, "POST", "/api/me/mailbox/sync");
  EXPECT_EQ(cannot.status, 422);
  EXPECT_EQ(cannot.json["error"]["code"], "access_revoked");
  EXPECT_EQ(call_as(w.rita_token, "DELETE", "/api/me/mailbox").status, 204);
  std::lock_guard lock(sync_.mu);
  EXPECT_EQ(sync_.deauthorized, std::vector<model::Id>{w.rita});
  EXPECT_EQ(sync_.sync_now_users, (std::vector<model::Id>{w.rita, w.rita, w.rita}));
}

TEST_F(ApiTest, ExplainTakesExactlyOneOfAnIdOrARawMessage) {
  auto w = make_world();
  auto ok =
      call_as(w.rita_token, "POST", "/api/me/mailbox/explain", {{"raw", "From: bob@acme.example\r\n\r\n"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json["status"], "skipped");
  EXPECT_EQ(ok.json["participants"][0]["result"], "internal_domain");
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/me/mailbox/explain", json::object()).status, 400);
  EXPECT_EQ(
      call_as(w.rita_token, "POST", "/api/me/mailbox/explain", {{"raw", "x"}, {"provider_message_id", "y"}})
          .status,
      400);
  EXPECT_EQ(call("POST", "/api/me/mailbox/explain", R"({"raw":"x"})").status, 401);
  std::lock_guard lock(sync_.mu);
  EXPECT_EQ(sync_.explained.size(), 1U);
}

TEST_F(ApiTest, RecentMessagesListsWhatToExplainWithALimit) {
  auto w = make_world();
  auto ok = call_as(w.rita_token, "GET", "/api/me/mailbox/recent");
  ASSERT_EQ(ok.status, 200) << ok.body;
  ASSERT_EQ(ok.json.size(), 2U);
  EXPECT_EQ(ok.json[0]["provider_message_id"], "m-2");
  EXPECT_EQ(ok.json[0]["from"], "Bob <bob@acme.example>");
  EXPECT_EQ(ok.json[0]["received_at"], "2023-11-14T22:16:40Z");
  EXPECT_EQ(ok.json[0]["synced"], false);
  EXPECT_EQ(ok.json[1]["synced"], true);
  EXPECT_EQ(call_as(w.rita_token, "GET", "/api/me/mailbox/recent?limit=5").status, 200);
  for (const char* bad : {"0", "51", "x", "5x", ""}) {
    EXPECT_EQ(call_as(w.rita_token, "GET", std::string("/api/me/mailbox/recent?limit=") + bad).status, 400)
        << bad;
  }
  EXPECT_EQ(call("GET", "/api/me/mailbox/recent").status, 401);
  {
    std::lock_guard lock(sync_.mu);
    EXPECT_EQ(sync_.recent_limits, (std::vector<int>{15, 5}));
    sync_.no_mailbox_user = w.rita;
  }
  auto none = call_as(w.rita_token, "GET", "/api/me/mailbox/recent");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.json["error"]["code"], "not_connected");
}

TEST_F(ApiTest, MicrosoftWebhookEchoesTheValidationTokenAndAcceptsBatches) {
  auto hello =
      call("POST", "/webhooks/microsoft?validationToken=Validation%3A%20Testing%20client%20%26%20more");
  EXPECT_EQ(hello.status, 200);
  EXPECT_EQ(hello.body, "Validation: Testing client & more");
  EXPECT_EQ(call("POST", "/webhooks/microsoft", R"({"value":[]})").status, 202);
  EXPECT_EQ(call("POST", "/webhooks/microsoft", "nonsense").status, 400);
  std::lock_guard lock(sync_.mu);
  EXPECT_EQ(sync_.microsoft_bodies.size(), 2U);  // the handshake never reaches the engine
}

TEST_F(ApiTest, GoogleWebhookStatuses) {
  const std::string envelope = R"({"message":{"data":"e30="},"subscription":"s"})";
  EXPECT_EQ(call("POST", "/webhooks/google", envelope, {{"Authorization", "Bearer good-jwt"}}).status, 204);
  auto bad_jwt = call("POST", "/webhooks/google", envelope, {{"Authorization", "Bearer forged"}});
  EXPECT_EQ(bad_jwt.status, 401);
  EXPECT_EQ(call("POST", "/webhooks/google", "{}", {{"Authorization", "Bearer good-jwt"}}).status, 400);
  std::lock_guard lock(sync_.mu);
  ASSERT_EQ(sync_.pushes.size(), 3u);
  EXPECT_EQ(sync_.pushes[0], (std::pair<std::string, std::string>{"Bearer good-jwt", envelope}));
}

TEST_F(ApiTest, HealthzAnswersWhenTheStoreDoes) {
  auto r = call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json, (json{{"status", "ok"}}));
}

TEST(ApiNoStore, HealthzIs503WhenTheStoreCannotBeOpened) {
  FakeSync sync;
  metrics::Registry metrics;
  Api api([]() -> std::unique_ptr<store::Store> { return nullptr; }, sync, metrics, ApiConfig{});
  net::Request req;
  req.method = "GET";
  req.path = "/healthz";
  auto r = api.handle(req);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("store_unavailable"), std::string::npos);
  // Metrics need no store.
  req.path = "/metrics";
  EXPECT_EQ(api.handle(req).status, 200);
}

TEST_F(ApiTest, MetricsCountRequestsByRouteAndStatus) {
  call("GET", "/healthz");
  call("GET", "/healthz");
  call("GET", "/api/me");
  call("GET", "/api/no/such/path");
  EXPECT_EQ(metrics_.counter_value("http_requests_total", {{"route", "/healthz"}, {"status", "200"}}), 2);
  auto r = call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE http_requests_total counter\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("http_requests_total{route=\"/healthz\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(r.body.find("http_requests_total{route=\"/api/me\",status=\"401\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE http_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(r.body.find("http_request_duration_seconds_count{route=\"/healthz\"} 2\n"), std::string::npos);
}

TEST_F(ApiTest, UnknownRoutesAndMethodsUseTheErrorShape) {
  auto missing = call("GET", "/api/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json["error"]["code"], "route_not_found");
  auto method = call("PUT", "/api/session", "{}");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.json["error"]["code"], "method_not_allowed");
}

}  // namespace
}  // namespace hiresync::api::testing
