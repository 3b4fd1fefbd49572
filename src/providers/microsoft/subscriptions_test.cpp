// Graph subscriptions (create, renew, recreate on 404, stop) against a scripted HTTP client, and the
// webhook's notification parsing (PROTOCOLS.md B.4).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "providers/common/fake_http.hpp"
#include "providers/microsoft/microsoft.hpp"

namespace hiresync::providers::microsoft {
namespace {

using model::ErrorCode;
using nlohmann::json;
using test_support::FakeHttp;

constexpr std::int64_t kNow = 1718012345;                // 2024-06-10T09:39:05Z
constexpr const char* kExpiry = "2024-06-13T08:09:05Z";  // + 4230 minutes
constexpr std::int64_t kExpiryMs = (kNow + std::int64_t{4230} * 60) * 1000;
constexpr const char* kSubscriptions = "https://graph.example/v1.0/subscriptions";

std::string subscription(const std::string& id, const std::string& folder, const std::string& expiry) {
  return json{
      {"@odata.context", "https://graph.example/v1.0/$metadata#subscriptions/$entity"},
      {"id", id},
      {"resource", folder == "messages" ? "me/messages" : "me/mailFolders('" + folder + "')/messages"},
      {"applicationId", "6731de76"},
      {"changeType", "created"},
      {"clientState", "s3cret-state"},
      {"notificationUrl", "https://hiresync.example/webhooks/microsoft"},
      {"lifecycleNotificationUrl", "https://hiresync.example/webhooks/microsoft"},
      {"expirationDateTime", expiry},
      {"creatorId", "87d349ed"}}
      .dump();
}

class SubscriptionTest : public ::testing::Test {
 protected:
  static MicrosoftConfig config() {
    MicrosoftConfig c;
    c.graph_base = "https://graph.example";
    return c;
  }

  static WatchRequest request(std::string state = "") {
    WatchRequest r;
    r.notification_url = "https://hiresync.example/webhooks/microsoft";
    r.client_state = "s3cret-state";
    r.state = std::move(state);
    return r;
  }

  void expect_request(std::size_t index, const std::string& method, const std::string& url) {
    ASSERT_LT(index, http_.requests.size());
    const auto& r = http_.requests[index];
    EXPECT_EQ(r.method, method);
    EXPECT_EQ(r.url, url);
    EXPECT_EQ(net::find_field(r.headers, "Authorization").value_or(""), "Bearer eyJ.token");
    EXPECT_EQ(net::find_field(r.headers, "Prefer").value_or(""), "IdType=\"ImmutableId\"");
    if (method == "POST" || method == "PATCH") {
      EXPECT_EQ(net::find_field(r.headers, "Content-Type").value_or(""), "application/json");
    } else {
      EXPECT_EQ(r.body, "");
    }
  }

  void expect_create(std::size_t index, const std::string& folder) {
    expect_request(index, "POST", kSubscriptions);
    ASSERT_LT(index, http_.requests.size());
    EXPECT_EQ(json::parse(http_.requests[index].body),
              (json{{"changeType", "created"},
                    {"notificationUrl", "https://hiresync.example/webhooks/microsoft"},
                    {"lifecycleNotificationUrl", "https://hiresync.example/webhooks/microsoft"},
                    {"resource",
                     folder == "messages" ? "me/messages" : "me/mailFolders('" + folder + "')/messages"},
                    {"expirationDateTime", kExpiry},
                    {"clientState", "s3cret-state"}}));
  }

  void expect_renew(std::size_t index, const std::string& id) {
    expect_request(index, "PATCH", std::string(kSubscriptions) + "/" + id);
    ASSERT_LT(index, http_.requests.size());
    EXPECT_EQ(json::parse(http_.requests[index].body), (json{{"expirationDateTime", kExpiry}}));
  }

  FakeHttp http_;
  std::unique_ptr<MailClient> client_ = make_mail_client(config(), http_, [] { return kNow; });
};

TEST_F(SubscriptionTest, CreatesOneForEveryMessageOfTheMailbox) {
  // Mail in any folder wakes the mailbox: one subscription on me/messages, not one per folder.
  http_.reply(201, subscription("sub-all", "messages", "2024-06-13T08:00:00.0000000Z"));
  auto watch = client_->watch("eyJ.token", request());
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  ASSERT_EQ(http_.requests.size(), 1U);
  expect_create(0, "messages");
  EXPECT_EQ(json::parse(watch->state), (json{{"messages", "sub-all"}}));
  EXPECT_EQ(watch->expires_at_ms, kExpiryMs - std::int64_t{545} * 1000);  // as Graph answered
  EXPECT_EQ(watch->cursor, "");
}

TEST_F(SubscriptionTest, TheFirstFormatsPerFolderSubscriptionsAreReplaced) {
  http_.reply(201, subscription("sub-all", "messages", kExpiry));
  http_.reply(204, "");
  http_.reply(404, R"({"error":{"code":"ResourceNotFound","message":"gone"}})");
  auto watch = client_->watch("eyJ.token", request(R"({"inbox":"sub-in","sentitems":"sub-sent"})"));
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  ASSERT_EQ(http_.requests.size(), 3U);
  expect_create(0, "messages");
  expect_request(1, "DELETE", std::string(kSubscriptions) + "/sub-in");
  expect_request(2, "DELETE", std::string(kSubscriptions) + "/sub-sent");
  EXPECT_EQ(json::parse(watch->state), (json{{"messages", "sub-all"}}));
}

TEST_F(SubscriptionTest, TheLifetimeIsConfigurable) {
  auto c = config();
  c.subscription_minutes = 10080;
  auto client = make_mail_client(c, http_, [] { return kNow; });
  http_.reply(201, R"({"id":"a"})");  // no expirationDateTime echoed: the requested one counts
  auto watch = client->watch("eyJ.token", request());
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  EXPECT_EQ(json::parse(http_.requests[0].body)["expirationDateTime"], "2024-06-17T09:39:05Z");
  EXPECT_EQ(watch->expires_at_ms, (kNow + std::int64_t{10080} * 60) * 1000);
}

TEST_F(SubscriptionTest, RenewsTheIdOfTheState) {
  http_.reply(200, subscription("sub-all", "messages", kExpiry));
  auto watch = client_->watch("eyJ.token", request(R"({"messages":"sub-all"})"));
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  ASSERT_EQ(http_.requests.size(), 1U);
  expect_renew(0, "sub-all");
  EXPECT_EQ(json::parse(watch->state), (json{{"messages", "sub-all"}}));
  EXPECT_EQ(watch->expires_at_ms, kExpiryMs);
}

TEST_F(SubscriptionTest, RecreatesWhenARenewalAnswers404) {
  http_.reply(404, R"({"error":{"code":"ResourceNotFound","message":"The object was not found."}})");
  http_.reply(201, subscription("sub-all-2", "messages", kExpiry));
  auto watch = client_->watch("eyJ.token", request(R"({"messages":"sub-all"})"));
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  ASSERT_EQ(http_.requests.size(), 2U);
  expect_renew(0, "sub-all");
  expect_create(1, "messages");
  EXPECT_EQ(json::parse(watch->state), (json{{"messages", "sub-all-2"}}));
}

TEST_F(SubscriptionTest, AnUnreadableStateCreatesAnew) {
  http_.reply(201, subscription("a", "messages", kExpiry));
  auto watch = client_->watch("eyJ.token", request("not json"));
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  expect_create(0, "messages");
}

TEST_F(SubscriptionTest, AFailedCreationIsReturned) {
  http_.reply(400,
              R"({"error":{"code":"InvalidRequest","message":"Subscription validation request failed."}})");
  auto watch = client_->watch("eyJ.token", request());
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(watch.error().problem, "subscription_failed");
  ASSERT_EQ(http_.requests.size(), 1U);
  expect_create(0, "messages");
}

constexpr const char* kTooFar =
    R"({"error":{"code":"ExtensionError","message":"Subscription expiration can only be 4230 minutes in the future."}})";
constexpr const char* kWeekExpiry = "2024-06-17T09:39:05Z";  // + 10080 minutes

MicrosoftConfig week_config() {
  MicrosoftConfig c;
  c.graph_base = "https://graph.example";
  c.subscription_minutes = 10080;
  return c;
}

TEST_F(SubscriptionTest, AnExpiryGraphRefusesIsRetriedOnceAtTheDocumentedMaximum) {
  auto client = make_mail_client(week_config(), http_, [] { return kNow; });
  http_.reply(400, kTooFar);
  http_.reply(201, R"({"id":"sub-all"})");  // no expiry echoed: the clamped one counts
  auto watch = client->watch("eyJ.token", request());
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  ASSERT_EQ(http_.requests.size(), 2U);
  EXPECT_EQ(json::parse(http_.requests[0].body)["expirationDateTime"], kWeekExpiry);
  expect_create(1, "messages");  // at 4230 minutes
  EXPECT_EQ(json::parse(watch->state), (json{{"messages", "sub-all"}}));
  EXPECT_EQ(watch->expires_at_ms, kExpiryMs);
}

TEST_F(SubscriptionTest, ARenewalRefusedForItsExpiryIsRetriedAtTheDocumentedMaximum) {
  auto client = make_mail_client(week_config(), http_, [] { return kNow; });
  http_.reply(400, kTooFar);
  http_.reply(200, subscription("sub-all", "messages", kExpiry));
  auto watch = client->watch("eyJ.token", request(R"({"messages":"sub-all"})"));
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  ASSERT_EQ(http_.requests.size(), 2U);
  expect_request(0, "PATCH", std::string(kSubscriptions) + "/sub-all");
  EXPECT_EQ(json::parse(http_.requests[0].body), (json{{"expirationDateTime", kWeekExpiry}}));
  expect_renew(1, "sub-all");
  EXPECT_EQ(watch->expires_at_ms, kExpiryMs);
}

TEST_F(SubscriptionTest, ASecondRefusalIsSubscriptionFailedNeverOnPremises) {
  auto client = make_mail_client(week_config(), http_, [] { return kNow; });
  http_.reply(400, kTooFar);
  http_.reply(400, kTooFar);
  auto watch = client->watch("eyJ.token", request());
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(watch.error().problem, "subscription_failed");
  EXPECT_NE(watch.error().detail.find("ExtensionError"), std::string::npos) << watch.error().detail;
  EXPECT_NE(watch.error().detail.find("4230 minutes"), std::string::npos) << watch.error().detail;
  EXPECT_EQ(http_.requests.size(), 2U);  // one retry, no more
}

TEST_F(SubscriptionTest, AnHttpNotificationUrlRefusedSaysItMustBeHttps) {
  http_.reply(
      400,
      R"({"error":{"code":"InvalidRequest","message":"NotificationUrl scheme='http' is not supported."}})");
  WatchRequest r = request();
  r.notification_url = "http://127.0.0.1:8080/webhooks/microsoft";
  auto watch = client_->watch("eyJ.token", r);
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(watch.error().problem, "subscription_failed");
  EXPECT_NE(watch.error().detail.find("must be https"), std::string::npos) << watch.error().detail;
  EXPECT_EQ(http_.requests.size(), 1U);  // the lifetime asked is already the documented one: no retry
}

TEST_F(SubscriptionTest, AnOnPremisesMailboxIsTheOnlyMailboxProblem) {
  http_.reply(
      404,
      R"({"error":{"code":"MailboxNotEnabledForRESTAPI","message":"The mailbox is either inactive, soft-deleted, or is hosted on-premise."}})");
  auto watch = client_->watch("eyJ.token", request());
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.error().code, ErrorCode::kConsentRequired);
  EXPECT_EQ(watch.error().problem, "mailbox_on_premises");
  EXPECT_EQ(http_.requests.size(), 1U);
}

TEST_F(SubscriptionTest, ARenewalRefusedForAuthIsNotRecreated) {
  http_.reply(401,
              R"({"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}})");
  auto watch = client_->watch("eyJ.token", request(R"({"messages":"sub-all"})"));
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.error().code, ErrorCode::kAuthExpired);
  EXPECT_EQ(http_.requests.size(), 1U);
}

TEST_F(SubscriptionTest, StopDeletesEachSubscriptionAnd404IsFine) {
  http_.reply(204, "");
  http_.reply(404, R"({"error":{"code":"ResourceNotFound","message":"gone"}})");
  EXPECT_TRUE(client_->stop("eyJ.token", R"({"inbox":"sub-in","sentitems":"sub-sent"})").ok());
  ASSERT_EQ(http_.requests.size(), 2U);
  expect_request(0, "DELETE", std::string(kSubscriptions) + "/sub-in");
  expect_request(1, "DELETE", std::string(kSubscriptions) + "/sub-sent");

  EXPECT_TRUE(client_->stop("eyJ.token", "").ok());
  EXPECT_EQ(http_.requests.size(), 2U);
  EXPECT_EQ(client_->stop("eyJ.token", "garbage").error().code, ErrorCode::kMalformedInput);
}

TEST_F(SubscriptionTest, StopTriesEveryIdAndReportsTheFirstFailure) {
  http_.reply(503, R"({"error":{"code":"serviceNotAvailable","message":"busy"}})");
  http_.reply(204, "");
  auto status = client_->stop("eyJ.token", R"({"inbox":"sub-in","sentitems":"sub-sent"})");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kTransient);
  EXPECT_EQ(http_.requests.size(), 2U);
}

// --- Notifications -------------------------------------------------------------------------------

TEST(Notifications, ChangeNotificationsBatched) {
  auto parsed = parse_notifications(R"({"value":[
    {"subscriptionId":"7f1","subscriptionExpirationDateTime":"2024-06-13T09:00:00Z","clientState":"s3cret-state",
     "changeType":"created","tenantId":"84bd","resource":"Users/87d349ed/Messages/AAMk1",
     "resourceData":{"@odata.type":"#Microsoft.Graph.Message","@odata.id":"Users/87d349ed/Messages/AAMk1",
                     "@odata.etag":"W/\"CQAAABYAAAD\"","id":"AAMk1"}},
    {"subscriptionId":"7f2","clientState":"s3cret-state","changeType":"created",
     "resource":"Users/87d349ed/Messages/AAMk2"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  ASSERT_EQ(parsed->size(), 2U);
  const Notification& first = (*parsed)[0];
  EXPECT_EQ(first.subscription_id, "7f1");
  EXPECT_EQ(first.client_state, "s3cret-state");
  EXPECT_EQ(first.change_type, "created");
  EXPECT_EQ(first.resource_id, "AAMk1");
  EXPECT_EQ(first.lifecycle_event, "");
  EXPECT_EQ((*parsed)[1].resource_id, "AAMk2");  // from the resource path when resourceData is absent
}

TEST(Notifications, LifecycleEvents) {
  for (const char* event : {"reauthorizationRequired", "subscriptionRemoved", "missed"}) {
    auto parsed =
        parse_notifications(std::string(R"({"value":[{"subscriptionId":"7f1",)") +
                            R"("subscriptionExpirationDateTime":"2024-06-13T09:00:00Z","tenantId":"84bd",)" +
                            R"("clientState":"s3cret-state","lifecycleEvent":")" + event + R"("}]})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
    ASSERT_EQ(parsed->size(), 1U);
    EXPECT_EQ((*parsed)[0].lifecycle_event, event);
    EXPECT_EQ((*parsed)[0].change_type, "");
    EXPECT_EQ((*parsed)[0].resource_id, "");
    EXPECT_EQ((*parsed)[0].client_state, "s3cret-state");
  }
}

TEST(Notifications, EmptyCollection) {
  auto parsed = parse_notifications(R"({"value":[]})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST_F(SubscriptionTest, OnlyTheFirstFormatsStateIsOutdated) {
  EXPECT_TRUE(client_->watch_outdated(R"({"inbox":"sub-in","sentitems":"sub-sent"})"));
  EXPECT_TRUE(client_->watch_outdated(R"({"inbox":"sub-in"})"));
  EXPECT_FALSE(client_->watch_outdated(R"({"messages":"sub-all"})"));
  EXPECT_FALSE(client_->watch_outdated(""));          // no watch yet: renewed when due anyway
  EXPECT_FALSE(client_->watch_outdated("not json"));  // watch() creates anew when due
  EXPECT_TRUE(http_.requests.empty());                // pure: no call
}

TEST(Notifications, MalformedBodies) {
  for (const char* body : {"", "not json", "[]", "{}", R"({"value":{}})", R"({"value":[1]})",
                           R"({"value":[{"clientState":"x","changeType":"created"}]})",
                           R"({"value":[{"subscriptionId":"ok"},"x"]})"}) {
    auto parsed = parse_notifications(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, ErrorCode::kMalformedInput) << body;
  }
}

TEST(Notifications, ClientStateComparison) {
  EXPECT_TRUE(client_state_matches("s3cret-state", "s3cret-state"));
  EXPECT_FALSE(client_state_matches("s3cret-state", "s3cret-statf"));
  EXPECT_FALSE(client_state_matches("s3cret-state", "s3cret"));
  EXPECT_FALSE(client_state_matches("s3cret-state", ""));
  EXPECT_FALSE(client_state_matches("", ""));
}

}  // namespace
}  // namespace hiresync::providers::microsoft
