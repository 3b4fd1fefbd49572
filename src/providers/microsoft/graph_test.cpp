// The Graph mail client against a scripted HTTP client: exact requests (URL, method, Prefer
// headers) and the response shapes of PROTOCOLS.md B.2, B.3 and B.6. list() is in graph_list_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mime/mime.hpp"
#include "providers/microsoft/graph_test_support.hpp"
#include "providers/microsoft/microsoft.hpp"

namespace hiresync::providers::microsoft {
namespace {

using graph_testing::GraphTest;
using graph_testing::kImmutable;
using graph_testing::kPaged;
using graph_testing::kV1;
using model::ErrorCode;
using Call = MailClient::Call;

const std::string kInbox0 = std::string(kV1) + "/me/mailFolders('inbox')/messages/delta?$deltatoken=in0";
const std::string kSent0 = std::string(kV1) + "/me/mailFolders('sentitems')/messages/delta?$deltatoken=sent0";
const std::string kCursor0 = R"({"inbox":")" + kInbox0 + R"(","sentitems":")" + kSent0 + R"("})";

TEST_F(GraphTest, ProfileReadsMeAndBuildsACursorFromNow) {
  http_.reply(
      200,
      R"({"@odata.context":"https://graph.example/v1.0/$metadata#users/$entity","displayName":"R. Cruiter",)"
      R"("mail":"recruiter@acme.com","userPrincipalName":"rc@acme.onmicrosoft.com","id":"87d349ed"})");
  http_.reply(200, R"({"id":"J"})");
  http_.reply(200, R"({"id":"D"})");
  http_.reply(200, R"({"id":"DR"})");
  http_.reply(200, R"({"id":"O"})");
  auto profile = client_->profile("eyJ.token");
  ASSERT_TRUE(profile.ok()) << profile.error().detail;
  ASSERT_EQ(http_.requests.size(), 5U);
  expect_request(0, "GET", std::string(kV1) + "/me", kImmutable);
  const char* names[] = {"junkemail", "deleteditems", "drafts", "outbox"};
  for (std::size_t i = 0; i < 4; ++i)
    expect_request(i + 1, "GET", std::string(kV1) + "/me/mailFolders/" + names[i] + "?$select=id",
                   kImmutable);
  EXPECT_EQ(profile->address, "recruiter@acme.com");
  // No folder yet: the first round of changes() starts every folder from this time.
  EXPECT_EQ(nlohmann::json::parse(profile->cursor), (nlohmann::json{{"v", 2},
                                                                    {"since", "2024-06-10T09:39:05Z"},
                                                                    {"untracked", {"J", "D", "DR", "O"}},
                                                                    {"folders", nlohmann::json::object()}}));
}

TEST_F(GraphTest, ProfileFallsBackToTheUserPrincipalName) {
  http_.reply(200, R"({"mail":null,"userPrincipalName":"rc@acme.onmicrosoft.com"})");
  for (int i = 0; i < 4; ++i) http_.reply(200, R"({"id":"F"})");
  auto profile = client_->profile("eyJ.token");
  ASSERT_TRUE(profile.ok()) << profile.error().detail;
  EXPECT_EQ(profile->address, "rc@acme.onmicrosoft.com");
}

TEST_F(GraphTest, ProfileOfAnOnPremisesMailbox) {
  http_.reply(200, R"({"mail":"rc@acme.com"})");  // /me works; mail calls do not
  http_.reply(
      404,
      R"({"error":{"code":"MailboxNotEnabledForRESTAPI","message":"The mailbox is either inactive, soft-deleted, or is hosted on-premise."}})");
  auto profile = client_->profile("eyJ.token");
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.error().code, ErrorCode::kConsentRequired);
  EXPECT_EQ(profile.error().problem, "mailbox_on_premises");
  EXPECT_EQ(profile.error().detail.find("eyJ.token"), std::string::npos);
}

TEST_F(GraphTest, ChangesFindTheFoldersThenPageThroughEach) {
  const std::string inbox_next =
      std::string(kV1) + "/me/mailFolders('INBOX')/messages/delta?$skiptoken=in-s1";
  const std::string inbox1 = std::string(kV1) + "/me/mailFolders('INBOX')/messages/delta?$deltatoken=in1";
  const std::string sent1 = std::string(kV1) + "/me/mailFolders('SENT')/messages/delta?$deltatoken=sent1";
  const std::string new1 = std::string(kV1) + "/me/mailFolders('NEW')/messages/delta?$deltatoken=new1";
  const std::string sub1 = std::string(kV1) + "/me/mailFolders('SUB')/messages/delta?$deltatoken=sub1";
  const nlohmann::json cursor = {
      {"v", 2},
      {"since", "2024-06-01T00:00:00Z"},
      {"untracked", {"J", "D", "DR", "O"}},
      {"folders", {{"INBOX", kInbox0}, {"SENT", kSent0}, {"GONE", kInbox0 + "-gone"}}}};
  const std::string stored = cursor.dump();

  // The round starts by listing the folders (paged), then the children of those that have some,
  // never below an untracked folder.
  const std::string list = std::string(kV1) + "/me/mailFolders?$select=id%2CchildFolderCount&$top=100";
  const std::string list2 =
      std::string(kV1) + "/me/mailFolders?$select=id%2CchildFolderCount&$top=100&$skip=4";
  http_.reply(200, R"({"value":[{"id":"INBOX","childFolderCount":1},{"id":"SENT","childFolderCount":0},)"
                   R"({"id":"J","childFolderCount":0},{"id":"D","childFolderCount":2}],"@odata.nextLink":")" +
                       list2 + R"("})");
  http_.reply(200, R"({"value":[{"id":"NEW","displayName":"Candidates","childFolderCount":0}]})");
  http_.reply(200, R"({"value":[{"id":"SUB","childFolderCount":0}]})");
  auto page = client_->changes("eyJ.token", stored, "");
  ASSERT_TRUE(page.ok()) << page.error().detail;
  ASSERT_EQ(http_.requests.size(), 3U);
  expect_request(0, "GET", list, kImmutable);
  expect_request(1, "GET", list2, kImmutable);
  expect_request(
      2, "GET",
      std::string(kV1) + "/me/mailFolders/INBOX/childFolders?$select=id%2CchildFolderCount&$top=100",
      kImmutable);
  EXPECT_TRUE(page->added.empty());
  EXPECT_EQ(page->cursor, stored);
  ASSERT_FALSE(page->next_page_token.empty());

  // The inbox from its link: new messages, a replay, one removed, an update without id.
  http_.reply(
      200,
      R"({"value":[)"
      R"({"@odata.type":"#microsoft.graph.message","@odata.etag":"W/\"CQ\"","id":"A1","conversationId":"C1"},)"
      R"({"id":"A2","conversationId":"C2"},{"id":"A1","conversationId":"C1"},)"
      R"({"@odata.type":"#microsoft.graph.message","id":"A3","@removed":{"reason":"deleted"}},)"
      R"({"@odata.type":"#microsoft.graph.message"}],"@odata.nextLink":")" +
          inbox_next + R"("})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(3, "GET", kInbox0, kPaged);
  EXPECT_EQ(ids(page->added), (std::vector<std::string>{"A1", "A2"}));
  EXPECT_EQ(page->added[0].thread_id, "C1");
  EXPECT_EQ(page->cursor, stored);  // not the last page: storing it only replays

  http_.reply(200, R"({"value":[{"id":"A4","@removed":{"reason":"changed"}}],"@odata.deltaLink":")" + inbox1 +
                       R"("})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(4, "GET", inbox_next, kPaged);
  EXPECT_TRUE(page->added.empty());

  // Sent Items from its link; then the two folders without a link start from `since`.
  http_.reply(200, R"({"value":[{"id":"S1","conversationId":"C1"}],"@odata.deltaLink":")" + sent1 + R"("})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(5, "GET", kSent0, kPaged);
  EXPECT_EQ(ids(page->added), (std::vector<std::string>{"S1"}));

  // A4 moved here from the inbox: the same immutable id (the engine has seen it).
  http_.reply(200, R"({"value":[{"id":"A4","conversationId":"C4"}],"@odata.deltaLink":")" + new1 + R"("})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  const std::string since =
      "$select=id%2CconversationId&$filter=receivedDateTime%20ge%202024-06-01T00%3A00%3A00Z";
  expect_request(6, "GET", std::string(kV1) + "/me/mailFolders/NEW/messages/delta?" + since, kPaged);
  EXPECT_EQ(ids(page->added), (std::vector<std::string>{"A4"}));
  EXPECT_EQ(page->cursor, stored);

  http_.reply(200, R"({"value":[],"@odata.deltaLink":")" + sub1 + R"("})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(7, "GET", std::string(kV1) + "/me/mailFolders/SUB/messages/delta?" + since, kPaged);
  EXPECT_TRUE(page->next_page_token.empty());
  // The last page carries the new cursor; the folder that is gone dropped out.
  nlohmann::json expected = cursor;
  expected["folders"] = {{"INBOX", inbox1}, {"SENT", sent1}, {"NEW", new1}, {"SUB", sub1}};
  EXPECT_EQ(nlohmann::json::parse(page->cursor), expected);
  EXPECT_EQ(http_.requests.size(), 8U);
}

TEST_F(GraphTest, ACursorOfTheFirstFormatIsUpgradedInPlace) {
  // Once: the ids of the untracked well-known folders (a mailbox without one answers 404), then the
  // ids of the two folders the old cursor named.
  http_.reply(200, R"({"id":"J"})");
  http_.reply(200, R"({"id":"D"})");
  http_.reply(200, R"({"id":"DR"})");
  http_.reply(
      404,
      R"({"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}})");
  http_.reply(200, R"({"id":"IN"})");
  http_.reply(200, R"({"id":"SE"})");
  http_.reply(200, R"({"value":[{"id":"IN"},{"id":"SE"},{"id":"J"},{"id":"CUSTOM"}]})");
  auto page = client_->changes("eyJ.token", kCursor0, "");
  ASSERT_TRUE(page.ok()) << page.error().detail;
  ASSERT_EQ(http_.requests.size(), 7U);
  const char* names[] = {"junkemail", "deleteditems", "drafts", "outbox", "inbox", "sentitems"};
  for (std::size_t i = 0; i < 6; ++i)
    expect_request(i, "GET", std::string(kV1) + "/me/mailFolders/" + names[i] + "?$select=id", kImmutable);

  // The old links are followed as they are: no resync; a folder new to the cursor starts now.
  const std::string in1 = std::string(kV1) + "/me/mailFolders('inbox')/messages/delta?$deltatoken=in1";
  const std::string se1 = std::string(kV1) + "/me/mailFolders('sentitems')/messages/delta?$deltatoken=se1";
  const std::string cu1 = std::string(kV1) + "/me/mailFolders('CUSTOM')/messages/delta?$deltatoken=cu1";
  http_.reply(200, R"({"value":[{"id":"A1"}],"@odata.deltaLink":")" + in1 + R"("})");
  http_.reply(200, R"({"value":[],"@odata.deltaLink":")" + se1 + R"("})");
  http_.reply(200, R"({"value":[{"id":"F1"}],"@odata.deltaLink":")" + cu1 + R"("})");
  std::vector<std::string> added;
  while (!page->next_page_token.empty()) {
    page = client_->changes("eyJ.token", kCursor0, page->next_page_token);
    ASSERT_TRUE(page.ok()) << page.error().detail;
    for (const auto& ref : page->added) added.push_back(ref.id);
  }
  EXPECT_EQ(added, (std::vector<std::string>{"A1", "F1"}));
  expect_request(7, "GET", kInbox0, kPaged);
  expect_request(8, "GET", kSent0, kPaged);
  expect_request(9, "GET",
                 std::string(kV1) +
                     "/me/mailFolders/CUSTOM/messages/delta?$select=id%2CconversationId&$filter=" +
                     "receivedDateTime%20ge%202024-06-10T09%3A39%3A05Z",
                 kPaged);
  EXPECT_EQ(nlohmann::json::parse(page->cursor),
            (nlohmann::json{{"v", 2},
                            {"since", "2024-06-10T09:39:05Z"},
                            {"untracked", {"J", "D", "DR"}},
                            {"folders", {{"IN", in1}, {"SE", se1}, {"CUSTOM", cu1}}}}));
  // The upgraded cursor needs no well-known lookups again.
  http_.requests.clear();
  http_.reply(200, R"({"value":[{"id":"IN"}]})");
  ASSERT_TRUE(client_->changes("eyJ.token", page->cursor, "").ok());
  EXPECT_EQ(http_.requests.size(), 1U);
}

TEST_F(GraphTest, AFolderDeletedDuringTheRoundDropsOut) {
  const std::string stored = nlohmann::json{{"v", 2},
                                            {"since", "2024-06-01T00:00:00Z"},
                                            {"untracked", {"J"}},
                                            {"folders", {{"A", kInbox0}, {"B", kSent0}}}}
                                 .dump();
  http_.reply(200, R"({"value":[{"id":"A"},{"id":"B"}]})");
  auto page = client_->changes("eyJ.token", stored, "");
  ASSERT_TRUE(page.ok()) << page.error().detail;
  http_.reply(
      404,
      R"({"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  EXPECT_TRUE(page->added.empty());
  const std::string b1 = std::string(kV1) + "/me/mailFolders('B')/messages/delta?$deltatoken=b1";
  http_.reply(200, R"({"value":[],"@odata.deltaLink":")" + b1 + R"("})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  EXPECT_TRUE(page->next_page_token.empty());
  EXPECT_EQ(nlohmann::json::parse(page->cursor)["folders"], (nlohmann::json{{"B", b1}}));
}

TEST_F(GraphTest, ChangesWithAnEvictedDeltaTokenIsCursorInvalid) {
  const std::string stored = nlohmann::json{
      {"v", 2},
      {"since", "2024-06-01T00:00:00Z"},
      {"untracked", {"J"}},
      {"folders",
       {{"INBOX", kInbox0}}}}.dump();
  for (int i = 0; i < 2; ++i) {
    http_.reply(200, R"({"value":[{"id":"INBOX"}]})");
    auto page = client_->changes("eyJ.token", stored, "");
    ASSERT_TRUE(page.ok()) << page.error().detail;
    if (i == 0) {
      http_.reply(
          410,
          R"({"error":{"code":"SyncStateNotFound","message":"The sync state generation is not found;generation=149;[highest=157]"}})");
    } else {  // any 410 on delta, with or without a body
      http_.reply(410, "",
                  {{"Location", std::string(kV1) + "/me/mailFolders('inbox')/messages/delta?$deltaToken="}});
    }
    page = client_->changes("eyJ.token", stored, page->next_page_token);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code, ErrorCode::kCursorInvalid);
  }
}

TEST_F(GraphTest, UnreadableCursorsTokensAndForeignLinksAreCursorInvalid) {
  for (const std::string cursor : {"", "9876543", R"({"inbox":"https://graph.example/v1.0/x"})",
                                   R"({"v":3,"folders":{}})", R"({"v":2,"folders":{"a":7}})"}) {
    auto page = client_->changes("eyJ.token", cursor, "");
    ASSERT_FALSE(page.ok()) << cursor;
    EXPECT_EQ(page.error().code, ErrorCode::kCursorInvalid) << cursor;
  }
  for (const std::string token : {"garbage", R"({"order":["a"],"links":[""],"at":0,"next":"x"})"}) {
    auto page = client_->changes("eyJ.token", kCursor0, token);
    ASSERT_FALSE(page.ok()) << token;
    EXPECT_EQ(page.error().code, ErrorCode::kCursorInvalid) << token;
  }
  EXPECT_TRUE(http_.requests.empty());
  // A stored link off graph_base is never followed: the bearer token stays at Graph.
  for (const std::string link : {"https://evil.example/v1.0/x", "https://graph.example.evil/x"}) {
    const std::string stored =
        nlohmann::json{{"v", 2}, {"since", ""}, {"untracked", {"J"}}, {"folders", {{"A", link}}}}.dump();
    http_.reply(200, R"({"value":[{"id":"A"}]})");
    auto page = client_->changes("eyJ.token", stored, "");
    ASSERT_TRUE(page.ok()) << page.error().detail;
    const std::size_t before = http_.requests.size();
    page = client_->changes("eyJ.token", stored, page->next_page_token);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code, ErrorCode::kCursorInvalid);
    EXPECT_EQ(http_.requests.size(), before);
  }
}

TEST_F(GraphTest, ChangesPageWithoutLinksIsMalformed) {
  const std::string stored =
      nlohmann::json{{"v", 2}, {"since", ""}, {"untracked", {"J"}}, {"folders", {{"INBOX", kInbox0}}}}.dump();
  http_.reply(200, R"({"value":[{"id":"INBOX"}]})");
  auto page = client_->changes("eyJ.token", stored, "");
  ASSERT_TRUE(page.ok()) << page.error().detail;
  http_.reply(200, R"({"value":[{"id":"A1"}]})");
  page = client_->changes("eyJ.token", stored, page->next_page_token);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kMalformedInput);
}

TEST_F(GraphTest, MetadataRebuildsTheHeaderBlock) {
  http_.reply(200, R"({
    "@odata.etag":"W/\"CQAAABYAAAA\"","id":"AAMk=/x","conversationId":"AAQkAGI2",
    "internetMessageId":"<CAF0abc@mail.gmail.com>","subject":"Re: Senior Engineer role",
    "from":{"emailAddress":{"name":"Doe, Jane","address":"jane@example.org"}},
    "sender":{"emailAddress":{"name":"Doe, Jane","address":"jane@example.org"}},
    "replyTo":[],
    "toRecipients":[{"emailAddress":{"name":"R. \"RC\" Cruiter","address":"recruiter@acme.com"}},
                    {"emailAddress":{"name":"recruiter2@acme.com","address":"recruiter2@acme.com"}}],
    "ccRecipients":[{"emailAddress":{"name":"Bob Smith","address":"bob@x.org"}}],
    "bccRecipients":[],
    "sentDateTime":"2024-06-10T09:39:05Z","receivedDateTime":"2024-06-10T09:39:07Z",
    "internetMessageHeaders":[{"name":"Received","value":"from mx"},{"name":"In-Reply-To","value":"<prev@x.org>"},
                              {"name":"references","value":"<a@x.org> <prev@x.org>"}]})");
  auto meta = client_->metadata("eyJ.token", "AAMk=/x");
  ASSERT_TRUE(meta.ok()) << meta.error().detail;
  expect_request(
      0, "GET",
      std::string(kV1) +
          "/me/messages/AAMk%3D%2Fx?$select=from%2Csender%2CreplyTo%2CtoRecipients%2CccRecipients%2C"
          "bccRecipients%2Csubject%2CinternetMessageId%2CconversationId%2CsentDateTime%2C"
          "receivedDateTime%2CinternetMessageHeaders",
      kImmutable);
  EXPECT_EQ(meta->ref.id, "AAMk=/x");
  EXPECT_EQ(meta->ref.thread_id, "AAQkAGI2");
  EXPECT_EQ(meta->internal_date_ms, 1718012347000);
  EXPECT_EQ(meta->raw_headers,
            "From: \"Doe, Jane\" <jane@example.org>\r\n"
            "Sender: \"Doe, Jane\" <jane@example.org>\r\n"
            "To: \"R. \\\"RC\\\" Cruiter\" <recruiter@acme.com>, recruiter2@acme.com\r\n"
            "Cc: Bob Smith <bob@x.org>\r\n"
            "Subject: Re: Senior Engineer role\r\n"
            "Date: Mon, 10 Jun 2024 09:39:05 +0000\r\n"
            "Message-ID: <CAF0abc@mail.gmail.com>\r\n"
            "In-Reply-To: <prev@x.org>\r\n"
            "References: <a@x.org> <prev@x.org>\r\n");

  // What the engine does with it: the MIME header parser reads back every participant and id.
  auto headers = mime::parse_headers(meta->raw_headers);
  ASSERT_TRUE(headers.ok()) << headers.error().detail;
  ASSERT_EQ(headers->participants.size(), 5U);
  EXPECT_EQ(headers->participants[0].address.name, "Doe, Jane");
  EXPECT_EQ(headers->participants[0].address.email, "jane@example.org");
  EXPECT_EQ(headers->participants[2].address.name, "R. \"RC\" Cruiter");
  EXPECT_EQ(headers->participants[2].address.email, "recruiter@acme.com");
  EXPECT_EQ(headers->participants[4].role, model::HeaderRole::kCc);
  EXPECT_EQ(headers->message_id, "CAF0abc@mail.gmail.com");
  EXPECT_EQ(headers->in_reply_to, "prev@x.org");
  EXPECT_EQ(headers->references, (std::vector<std::string>{"a@x.org", "prev@x.org"}));
  EXPECT_EQ(headers->date, 1718012345);
}

TEST_F(GraphTest, MetadataOfAVanishedMessageIsNotFound) {
  http_.reply(
      404,
      R"({"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}})");
  auto meta = client_->metadata("eyJ.token", "gone");
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().code, ErrorCode::kNotFound);
}

TEST_F(GraphTest, RawReturnsTheMimeBytes) {
  const std::string mime = "From: a@b.c\r\nSubject: hi\r\n\r\nbody \xff bytes\r\n";
  http_.reply(200, mime, {{"Content-Type", "text/plain"}});
  auto raw = client_->raw("eyJ.token", "AAMk=/x");
  ASSERT_TRUE(raw.ok()) << raw.error().detail;
  expect_request(0, "GET", std::string(kV1) + "/me/messages/AAMk%3D%2Fx/$value", kImmutable);
  EXPECT_EQ(*raw, mime);

  http_.reply(
      429,
      R"({"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}})",
      {{"Retry-After", "3"}});
  raw = client_->raw("eyJ.token", "AAMk");
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(raw.error().retry_after_s, 3);
}

TEST_F(GraphTest, CostCountsRequests) {
  EXPECT_EQ(client_->cost(Call::kHistory), 1);
  EXPECT_EQ(client_->cost(Call::kList), 1);
  EXPECT_EQ(client_->cost(Call::kGetMetadata), 1);
  EXPECT_EQ(client_->cost(Call::kGetRaw), 1);
  EXPECT_EQ(client_->cost(Call::kProfile), 5);  // /me, four well-known folders; the rest is changes()
  EXPECT_EQ(client_->cost(Call::kWatch), 1);    // one subscription for the whole mailbox
  EXPECT_EQ(client_->cost(Call::kStop), 1);
  static_assert(kMailboxBudget.units == 10000 && kMailboxBudget.window_ms == 600000 &&
                kMailboxBudget.concurrency == 4);
}

}  // namespace
}  // namespace hiresync::providers::microsoft
