// The Gmail client against a scripted HTTP client: exact requests and the response shapes of
// PROTOCOLS.md A.2-A.6.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "providers/common/fake_http.hpp"
#include "providers/google/google.hpp"

namespace hiresync::providers::google {
namespace {

using model::ErrorCode;
using test_support::FakeHttp;
using Call = MailClient::Call;

constexpr const char* kBase = "https://gmail.example/gmail/v1/users/me";
const std::string kNotFound =
    R"({"error":{"code":404,"message":"Requested entity was not found.","errors":[{"message":"Requested entity was not found.","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}})";

class GmailTest : public ::testing::Test {
 protected:
  static GoogleConfig config() {
    GoogleConfig c;
    c.api_base = "https://gmail.example";
    return c;
  }

  void expect_request(const std::string& method, const std::string& url) {
    ASSERT_FALSE(http_.requests.empty());
    const auto& r = http_.last();
    EXPECT_EQ(r.method, method);
    EXPECT_EQ(r.url, url);
    EXPECT_EQ(net::find_field(r.headers, "Authorization").value_or(""), "Bearer ya29.token");
    EXPECT_EQ(r.timeout, std::chrono::seconds(30));
  }

  FakeHttp http_;
  std::unique_ptr<MailClient> client_ = make_mail_client(config(), http_);
};

TEST_F(GmailTest, Profile) {
  http_.reply(
      200,
      R"({"emailAddress":"recruiter@acme.com","messagesTotal":48213,"threadsTotal":20117,"historyId":"9876543"})");
  auto profile = client_->profile("ya29.token");
  ASSERT_TRUE(profile.ok()) << profile.error().detail;
  expect_request("GET", std::string(kBase) + "/profile");
  EXPECT_EQ(http_.last().body, "");
  EXPECT_EQ(profile->address, "recruiter@acme.com");
  EXPECT_EQ(profile->cursor, "9876543");
  EXPECT_EQ(profile->messages_total, 48213);
}

TEST_F(GmailTest, ProfileAuthErrorIsAuthExpired) {
  http_.reply(
      401,
      R"({"error":{"code":401,"message":"Invalid Credentials","errors":[{"message":"Invalid Credentials","domain":"global","reason":"authError","location":"Authorization"}],"status":"UNAUTHENTICATED"}})");
  auto profile = client_->profile("ya29.token");
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.error().code, ErrorCode::kAuthExpired);
  EXPECT_EQ(profile.error().detail.find("ya29.token"), std::string::npos);
}

TEST_F(GmailTest, ProfileNoMailbox) {
  http_.reply(
      400,
      R"({"error":{"code":400,"message":"Mail service not enabled","errors":[{"message":"Mail service not enabled","domain":"global","reason":"failedPrecondition"}],"status":"FAILED_PRECONDITION"}})");
  auto profile = client_->profile("ya29.token");
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.error().code, ErrorCode::kConsentRequired);
  EXPECT_EQ(profile.error().problem, "no_mailbox");
}

TEST_F(GmailTest, ListWithQueryPageTokenAndMax) {
  http_.reply(
      200,
      R"({"messages":[{"id":"18c2f0a1b2c3d4e5","threadId":"18c2f0a1b2c3d4e5"},{"id":"18c1","threadId":"18c0"}],)"
      R"("nextPageToken":"0912873465","resultSizeEstimate":201})");
  auto page = client_->list("ya29.token", SearchQuery{{"a@b.com"}, 1700000000}, "tok/1", 900);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(
      "GET",
      std::string(kBase) +
          "/messages?q=%28from%3Aa%40b.com%20OR%20to%3Aa%40b.com%20OR%20cc%3Aa%40b.com%20OR%20bcc%3Aa%40b."
          "com%29%20after%3A1700000000&pageToken=tok%2F1&maxResults=500");
  ASSERT_EQ(page->messages.size(), 2U);
  EXPECT_EQ(page->messages[0].id, "18c2f0a1b2c3d4e5");
  EXPECT_EQ(page->messages[1].thread_id, "18c0");
  EXPECT_EQ(page->next_page_token, "0912873465");
  EXPECT_EQ(page->size_estimate, 201);
}

TEST(GmailQuery, WritesEveryAddressFieldOredWithTheWindow) {
  EXPECT_EQ(gmail_query(SearchQuery{}), "");
  EXPECT_EQ(gmail_query(SearchQuery{{}, 1700000000}), "after:1700000000");
  EXPECT_EQ(
      gmail_query(SearchQuery{{"a@b.com", "c@d.org"}, 0}),
      "(from:a@b.com OR to:a@b.com OR cc:a@b.com OR bcc:a@b.com OR from:c@d.org OR to:c@d.org OR cc:c@d.org "
      "OR bcc:c@d.org)");
}

TEST_F(GmailTest, ListLastPageAndEmptyMailbox) {
  http_.reply(200, R"({"resultSizeEstimate":0})");
  auto page = client_->list("ya29.token", SearchQuery{}, "", 100);
  ASSERT_TRUE(page.ok());
  expect_request("GET", std::string(kBase) + "/messages?maxResults=100");
  EXPECT_TRUE(page->messages.empty());
  EXPECT_TRUE(page->next_page_token.empty());
}

TEST_F(GmailTest, ChangesCollectsAddedMessagesOnceInOrder) {
  http_.reply(200, R"({"history":[
      {"id":"9876600","messages":[{"id":"m0","threadId":"t0"}],
       "messagesAdded":[{"message":{"id":"m1","threadId":"t1","labelIds":["INBOX","UNREAD"]}}],
       "labelsRemoved":[{"message":{"id":"m9","threadId":"t9"},"labelIds":["UNREAD"]}]},
      {"id":"9876610","messagesAdded":[{"message":{"id":"m2","threadId":"t2"}},{"message":{"id":"m1","threadId":"t1"}}]},
      {"id":"9876620","messagesDeleted":[{"message":{"id":"m3","threadId":"t3"}}]}],
    "historyId":"9876650","nextPageToken":"np1"})");
  auto page = client_->changes("ya29.token", "9876543", "");
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(
      "GET", std::string(kBase) + "/history?startHistoryId=9876543&historyTypes=messageAdded&maxResults=500");
  ASSERT_EQ(page->added.size(), 2U);
  EXPECT_EQ(page->added[0].id, "m1");
  EXPECT_EQ(page->added[0].thread_id, "t1");
  EXPECT_EQ(page->added[1].id, "m2");
  EXPECT_EQ(page->cursor, "9876650");
  EXPECT_EQ(page->next_page_token, "np1");
}

TEST_F(GmailTest, ChangesNextPageAndNoHistory) {
  http_.reply(200, R"({"historyId":"9876700"})");
  auto page = client_->changes("ya29.token", "9876650", "np1");
  ASSERT_TRUE(page.ok());
  expect_request(
      "GET", std::string(kBase) +
                 "/history?startHistoryId=9876650&historyTypes=messageAdded&maxResults=500&pageToken=np1");
  EXPECT_TRUE(page->added.empty());
  EXPECT_EQ(page->cursor, "9876700");
  EXPECT_TRUE(page->next_page_token.empty());
}

TEST_F(GmailTest, ChangesExpiredCursorIsCursorInvalid) {
  http_.reply(404, kNotFound);
  auto page = client_->changes("ya29.token", "1", "");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kCursorInvalid);
}

TEST_F(GmailTest, ChangesRejectsACursorThatIsNotAHistoryId) {
  auto page = client_->changes("ya29.token", "abc", "");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kCursorInvalid);
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(GmailTest, ChangesWithoutHistoryIdIsMalformed) {
  http_.reply(200, R"({"history":[]})");
  EXPECT_EQ(client_->changes("ya29.token", "5", "").error().code, ErrorCode::kMalformedInput);
}

TEST_F(GmailTest, MetadataRebuildsTheHeaderBlock) {
  http_.reply(200, R"({"id":"18c2f0a1b2c3d4e5","threadId":"18c2e9f00a1b2c3d",
    "labelIds":["INBOX","UNREAD","CATEGORY_PERSONAL"],"snippet":"Thanks",
    "historyId":"9876601","internalDate":"1718012345678","sizeEstimate":10412,
    "payload":{"mimeType":"multipart/alternative","headers":[
      {"name":"From","value":"Jane Doe <jane@example.org>"},{"name":"To","value":"recruiter@acme.com"},
      {"name":"Subject","value":"Re: Senior Engineer role"},{"name":"Date","value":"Mon, 10 Jun 2024 09:39:05 +0000"},
      {"name":"Message-Id","value":"<CAF0abc@mail.gmail.com>"},{"name":"In-Reply-To","value":"<123.456@acme.com>"},
      {"name":"References","value":"<123.456@acme.com>"}]}})");
  auto meta = client_->metadata("ya29.token", "18c2f0a1b2c3d4e5");
  ASSERT_TRUE(meta.ok()) << meta.error().detail;
  expect_request("GET",
                 std::string(kBase) +
                     "/messages/18c2f0a1b2c3d4e5?format=metadata&metadataHeaders=From&metadataHeaders=To"
                     "&metadataHeaders=Cc&metadataHeaders=Bcc&metadataHeaders=Sender"
                     "&metadataHeaders=Reply-To&metadataHeaders=Subject&metadataHeaders=Date"
                     "&metadataHeaders=Message-ID&metadataHeaders=In-Reply-To&metadataHeaders=References");
  EXPECT_EQ(meta->ref.id, "18c2f0a1b2c3d4e5");
  EXPECT_EQ(meta->ref.thread_id, "18c2e9f00a1b2c3d");
  EXPECT_EQ(meta->internal_date_ms, 1718012345678);
  EXPECT_EQ(meta->labels, (std::vector<std::string>{"INBOX", "UNREAD", "CATEGORY_PERSONAL"}));
  EXPECT_EQ(
      meta->raw_headers,
      "From: Jane Doe <jane@example.org>\r\nTo: recruiter@acme.com\r\nSubject: Re: Senior Engineer role\r\n"
      "Date: Mon, 10 Jun 2024 09:39:05 +0000\r\nMessage-Id: <CAF0abc@mail.gmail.com>\r\n"
      "In-Reply-To: <123.456@acme.com>\r\nReferences: <123.456@acme.com>\r\n");
}

TEST_F(GmailTest, MetadataWithoutPayloadOrDate) {
  http_.reply(200, R"({"id":"m1","threadId":"t1"})");
  auto meta = client_->metadata("ya29.token", "m1");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->raw_headers, "");
  EXPECT_EQ(meta->internal_date_ms, 0);
  EXPECT_TRUE(meta->labels.empty());
}

TEST_F(GmailTest, MetadataKeepsTheHeaderBlockWellFormed) {
  http_.reply(200, R"({"id":"m1","threadId":"t1","payload":{"headers":[
      {"name":"Subject","value":"a\r\nBcc: x@evil.example"},{"name":"Bad:Name","value":"v"},{"name":"","value":"v"},
      {"name":"To","value":"r@acme.com"}]}})");
  auto meta = client_->metadata("ya29.token", "m1");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->raw_headers, "Subject: a  Bcc: x@evil.example\r\nTo: r@acme.com\r\n");
}

TEST_F(GmailTest, MetadataOfAVanishedMessageIsNotFound) {
  http_.reply(404, kNotFound);
  auto meta = client_->metadata("ya29.token", "gone");
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().code, ErrorCode::kNotFound);
}

TEST_F(GmailTest, MetadataRateLimitedWithRetryAfter) {
  http_.reply(
      429,
      R"({"error":{"code":429,"message":"Too many concurrent requests for user","errors":[{"reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}})",
      {{"Retry-After", "3"}});
  auto meta = client_->metadata("ya29.token", "m1");
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(meta.error().retry_after_s, 3);
}

TEST_F(GmailTest, RawDecodesBase64url) {
  const std::string mime = "From: a@b.c\r\nSubject: ?>\r\n\r\nbody\xff\r\n";
  http_.reply(200, R"({"id":"m1","threadId":"t1","raw":")" + net::base64url_encode(mime) + R"("})");
  auto raw = client_->raw("ya29.token", "m1");
  ASSERT_TRUE(raw.ok()) << raw.error().detail;
  expect_request("GET", std::string(kBase) + "/messages/m1?format=raw");
  EXPECT_EQ(*raw, mime);
}

TEST_F(GmailTest, RawThatDoesNotDecodeIsMalformed) {
  http_.reply(200, R"({"id":"m1","raw":"not base64!"})");
  EXPECT_EQ(client_->raw("ya29.token", "m1").error().code, ErrorCode::kMalformedInput);
  http_.reply(200, R"({"id":"m1"})");
  EXPECT_EQ(client_->raw("ya29.token", "m1").error().code, ErrorCode::kMalformedInput);
  http_.reply(200, "not json");
  EXPECT_EQ(client_->raw("ya29.token", "m1").error().code, ErrorCode::kMalformedInput);
}

TEST_F(GmailTest, RawNotFoundAndTransportFailure) {
  http_.reply(404, kNotFound);
  EXPECT_EQ(client_->raw("ya29.token", "m1").error().code, ErrorCode::kNotFound);
  http_.fail("connection reset");
  auto raw = client_->raw("ya29.token", "m1");
  EXPECT_EQ(raw.error().code, ErrorCode::kTransient);
  EXPECT_EQ(raw.error().problem, "provider_unreachable");
}

TEST_F(GmailTest, IdsAreEscapedInThePath) {
  http_.reply(404, kNotFound);
  (void)client_->raw("ya29.token", "../x y");
  EXPECT_EQ(http_.last().url, std::string(kBase) + "/messages/..%2Fx%20y?format=raw");
}

TEST_F(GmailTest, WatchPostsTopicAndLabels) {
  http_.reply(200, R"({"historyId":"9876543","expiration":"1718617145000"})");
  WatchRequest request;
  request.topic = "projects/my-proj/topics/gmail-push";
  auto watch = client_->watch("ya29.token", request);
  ASSERT_TRUE(watch.ok()) << watch.error().detail;
  expect_request("POST", std::string(kBase) + "/watch");
  EXPECT_EQ(net::find_field(http_.last().headers, "Content-Type").value_or(""), "application/json");
  EXPECT_EQ(nlohmann::json::parse(http_.last().body),
            nlohmann::json::parse(R"({"topicName":"projects/my-proj/topics/gmail-push",)"
                                  R"("labelIds":["INBOX","SENT"],"labelFilterBehavior":"include"})"));
  EXPECT_EQ(watch->cursor, "9876543");
  EXPECT_EQ(watch->expires_at_ms, 1718617145000);
}

TEST_F(GmailTest, StopPostsAndAcceptsNoContent) {
  http_.reply(204, "");
  EXPECT_TRUE(client_->stop("ya29.token", "").ok());
  expect_request("POST", std::string(kBase) + "/stop");
  http_.reply(500,
              R"({"error":{"code":500,"message":"Backend Error","errors":[{"reason":"backendError"}]}})");
  EXPECT_EQ(client_->stop("ya29.token", "").error().code, ErrorCode::kTransient);
}

TEST_F(GmailTest, CostFollowsTheQuotaTable) {
  EXPECT_EQ(client_->cost(Call::kProfile), 1);
  EXPECT_EQ(client_->cost(Call::kHistory), 2);
  EXPECT_EQ(client_->cost(Call::kList), 5);
  EXPECT_EQ(client_->cost(Call::kGetMetadata), 20);
  EXPECT_EQ(client_->cost(Call::kGetRaw), 20);
  EXPECT_EQ(client_->cost(Call::kWatch), 100);
  EXPECT_EQ(client_->cost(Call::kStop), 50);
  GoogleConfig legacy = config();
  legacy.quota.messages_get = 5;
  auto old = make_mail_client(legacy, http_);
  EXPECT_EQ(old->cost(Call::kGetMetadata), 5);
  EXPECT_EQ(old->cost(Call::kGetRaw), 5);
  EXPECT_EQ(old->cost(Call::kList), 5);
  EXPECT_EQ(old->cost(Call::kProfile), 1);
  GoogleConfig custom = config();
  custom.quota = {3, 4, 6, 7, 8, 9};
  auto mine = make_mail_client(custom, http_);
  EXPECT_EQ(mine->cost(Call::kProfile), 3);
  EXPECT_EQ(mine->cost(Call::kHistory), 4);
  EXPECT_EQ(mine->cost(Call::kList), 6);
  EXPECT_EQ(mine->cost(Call::kGetMetadata), 7);
  EXPECT_EQ(mine->cost(Call::kWatch), 8);
  EXPECT_EQ(mine->cost(Call::kStop), 9);
}

}  // namespace
}  // namespace hiresync::providers::google
