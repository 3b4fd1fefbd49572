// Graph mail at the real paths, in process on a ManualClock: delta rounds, ids and moves, $search,
// errors and throttling (shared/PROTOCOLS.md B.2, B.3, B.5, B.6).
#include "sandbox/microsoft/format.hpp"
#include "sandbox/microsoft/test_support.hpp"

namespace hiresync::sandbox::microsoft::testing {
namespace {

constexpr const char* kAnn = "ann@contoso.example";
constexpr const char* kImmutable = R"(IdType="ImmutableId")";

json body(const net::Response& r) { return json::parse(r.body, nullptr, false); }

class GraphTest : public MsFixture {
 protected:
  void SetUp() override {
    MicrosoftOptions o;
    o.auto_consent = true;
    o.requests_per_10min = 1000;
    build(o);
    account(kAnn);
    token_ = sign_in(kAnn)["access_token"];
  }
  // Follows nextLinks to the deltaLink; returns every item and sets `delta_link`.
  std::vector<json> round(const std::string& first, std::string& delta_link, const net::Fields& headers = {},
                          int* pages = nullptr) {
    std::vector<json> items;
    std::string url = first;
    for (int i = 0; i < 100; ++i) {
      const net::Response r = graph(url, token_, headers);
      EXPECT_EQ(r.status, 200) << r.body;
      const json j = body(r);
      for (const json& item : j["value"]) items.push_back(item);
      if (pages != nullptr) ++*pages;
      if (j.contains("@odata.deltaLink")) {
        delta_link = j["@odata.deltaLink"];
        return items;
      }
      url = j.value("@odata.nextLink", "");
      EXPECT_NE(url.find("$skiptoken="), std::string::npos);
    }
    ADD_FAILURE() << "no deltaLink";
    return items;
  }
  std::string token_;
};

TEST_F(GraphTest, DeltaPagesThenDeltaLinkThenRemovedAnd410) {
  for (int i = 0; i < 5; ++i) {
    deliver(kAnn, raw_message("cand" + std::to_string(i) + "@example.org", kAnn, "Hi " + std::to_string(i),
                              "m" + std::to_string(i) + "@example.org"));
  }
  deliver(kAnn,
          raw_message(kAnn, "cand0@example.org", "Re: Hi 0", "s0@contoso.example",
                      "In-Reply-To: <m0@example.org>\r\n"),
          "sent");
  std::string delta_link;
  int pages = 0;
  const std::vector<json> first = round(
      "/v1.0/me/mailFolders('inbox')/messages/delta?$select=from,subject,internetMessageId,conversationId",
      delta_link, {{"Prefer", "odata.maxpagesize=2"}}, &pages);
  EXPECT_EQ(first.size(), 5U);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(
      delta_link.rfind("http://sandbox.test/v1.0/me/mailFolders('inbox')/messages/delta?$deltatoken=", 0),
      0U);
  for (const json& m : first) {
    EXPECT_TRUE(m.contains("id") && m.contains("from") && m.contains("subject") &&
                m.contains("internetMessageId"));
    EXPECT_FALSE(m.contains("body"));
    EXPECT_FALSE(m.contains("toRecipients"));
    EXPECT_EQ(m["from"]["emailAddress"]["name"], "Sender Name");
  }
  // Nothing new: an empty round with a new deltaLink.
  std::string next_link;
  EXPECT_TRUE(round(delta_link, next_link).empty());

  // A new message and a move out of the inbox.
  const json fresh = deliver(kAnn, raw_message("new@example.org", kAnn, "New", "new@example.org"));
  const std::string moved_id = first[0]["id"];
  control(std::string("/control/accounts/") + kAnn + "/messages/" + moved_id + "/move",
          {{"folder", "archive"}});
  std::string third_link;
  const std::vector<json> changes = round(next_link, third_link);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0]["id"], fresh["id"]);
  EXPECT_EQ(changes[0]["subject"], "New");  // $select carried in the token
  EXPECT_FALSE(changes[0].contains("body"));
  EXPECT_EQ(changes[1]["id"], moved_id);
  EXPECT_EQ(changes[1]["@removed"]["reason"], "changed");
  // Replaying a deltaLink gives the same changes.
  std::string ignored;
  EXPECT_EQ(round(next_link, ignored).size(), 2U);

  // Sent Items has its own delta.
  std::string sent_link;
  const std::vector<json> sent = round("/v1.0/me/mailFolders/sentitems/messages/delta", sent_link);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0]["toRecipients"][0]["emailAddress"]["address"], "cand0@example.org");
  EXPECT_EQ(sent[0]["conversationId"], first.back()["conversationId"]);  // Hi 0 is the oldest, last

  // Evicted token: 410 SyncStateNotFound.
  control(std::string("/control/accounts/") + kAnn + "/expire-delta", {{"folder", "inbox"}});
  const net::Response gone = graph(third_link, token_);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(body(gone)["error"]["code"], "SyncStateNotFound");
  EXPECT_TRUE(body(gone)["error"]["innerError"].contains("request-id"));
  EXPECT_EQ(graph(sent_link, token_).status, 200);  // the other folder is untouched

  const json stats = json::parse(call("GET", std::string("/control/stats?account=") + kAnn).body);
  EXPECT_GE(stats["endpoints"]["delta.inbox"].get<int>(), 7);
  EXPECT_EQ(stats["endpoints"]["delta.sentitems"], 2);
}

TEST_F(GraphTest, DeltaFilterAndReplays) {
  control("/control/accounts/" + std::string(kAnn) + "/messages",
          {{"raw", raw_message("old@example.org", kAnn, "Old", "old@example.org")},
           {"internal_date_ms", 1'600'000'000'000}});
  deliver(kAnn, raw_message("new@example.org", kAnn, "New", "new@example.org"));
  std::string link;
  const auto items = round(
      "/v1.0/me/mailFolders('inbox')/messages/delta?$filter=receivedDateTime+ge+2025-01-01T00:00:00Z", link);
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(items[0]["subject"], "New");

  control("/control/faults", {{"account", kAnn}, {"delta", "replay"}, {"count", 1}});
  deliver(kAnn, raw_message("x@example.org", kAnn, "X", "x@example.org"));
  std::string link2;
  const auto replayed = round(link, link2);
  ASSERT_EQ(replayed.size(), 2U);  // the same item twice in the round
  EXPECT_EQ(replayed[0]["id"], replayed[1]["id"]);
  std::string link3;
  const auto again = round(link2, link3);  // and once more in the next round
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0]["id"], replayed[0]["id"]);
  std::string link4;
  EXPECT_TRUE(round(link3, link4).empty());
}

TEST_F(GraphTest, IdsChangeOnMoveUnlessImmutable) {
  const json d = deliver(kAnn, raw_message("c@example.org", kAnn, "Move me", "mv@example.org"));
  const std::string rest = d["id"], immutable = d["immutable_id"];
  const net::Response by_rest =
      graph("/v1.0/me/messages/" + rest + "?$select=subject,parentFolderId", token_);
  ASSERT_EQ(by_rest.status, 200) << by_rest.body;
  EXPECT_EQ(body(by_rest)["id"], rest);
  const net::Response by_imm = graph("/v1.0/me/messages/" + rest, token_, {{"Prefer", kImmutable}});
  EXPECT_EQ(body(by_imm)["id"], immutable);
  const std::string inbox_folder = body(by_rest)["parentFolderId"];

  const json moved = control("/control/accounts/" + std::string(kAnn) + "/messages/" + rest + "/move",
                             {{"folder", "archive"}});
  EXPECT_NE(moved["id"], rest);
  EXPECT_EQ(moved["immutable_id"], immutable);
  EXPECT_EQ(graph("/v1.0/me/messages/" + rest, token_).status, 404);  // the old REST id is gone
  const net::Response now = graph("/v1.0/me/messages/" + immutable, token_, {{"Prefer", kImmutable}});
  ASSERT_EQ(now.status, 200);
  EXPECT_EQ(body(now)["id"], immutable);
  EXPECT_NE(body(now)["parentFolderId"], inbox_folder);
  const net::Response plain = graph("/v1.0/me/messages/" + std::string(moved["id"]), token_);
  EXPECT_EQ(body(plain)["id"], moved["id"]);

  const net::Response value = graph("/v1.0/me/messages/" + immutable + "/$value", token_);
  EXPECT_EQ(value.status, 200);
  EXPECT_NE(value.body.find("Subject: Move me"), std::string::npos);
  const net::Response headers =
      graph("/v1.0/me/messages/" + immutable + "?$select=internetMessageHeaders", token_);
  EXPECT_EQ(body(headers)["internetMessageHeaders"][0]["name"], "From");
  EXPECT_EQ(graph("/v1.0/me/messages/" + immutable + "?$select=nonsense", token_).status, 400);
}

TEST_F(GraphTest, FoldersListChildFoldersAndWellKnownNames) {
  const std::string me = std::string("/control/accounts/") + kAnn;
  const json parent = control(me + "/folders", {{"name", "Hiring"}});
  const json child = control(me + "/folders", {{"name", "Backend"}, {"parent", "Hiring"}});
  control(me + "/folders", {{"name", "hiring"}}, 400);  // siblings' names are unique
  control(me + "/folders", {{"name", "Hidden"}, {"hidden", true}});
  json top = body(graph("/v1.0/me/mailFolders?$top=100", token_));
  std::vector<std::string> names;
  for (const json& f : top["value"]) names.push_back(f["displayName"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Inbox", "Sent Items", "Deleted Items", "Archive", "Drafts",
                                             "Junk Email", "Outbox", "Hiring"}));
  EXPECT_EQ(top["value"][7]["childFolderCount"], 1);
  EXPECT_EQ(body(graph("/v1.0/me/mailFolders?includeHiddenFolders=true&$top=100", token_))["value"].size(),
            9U);
  // Paged by $top with a nextLink.
  const json page = body(graph("/v1.0/me/mailFolders?$top=5", token_));
  EXPECT_EQ(page["value"].size(), 5U);
  EXPECT_EQ(body(graph(page["@odata.nextLink"], token_))["value"].size(), 3U);
  const json children =
      body(graph("/v1.0/me/mailFolders/" + std::string(parent["id"]) + "/childFolders", token_));
  ASSERT_EQ(children["value"].size(), 1U);
  EXPECT_EQ(children["value"][0]["id"], child["id"]);
  EXPECT_EQ(children["value"][0]["parentFolderId"], parent["id"]);
  // A well-known name gives the folder's id; v1.0 has no wellKnownName property.
  const json junk = body(graph("/v1.0/me/mailFolders('JunkEmail')", token_));
  EXPECT_EQ(junk["displayName"], "Junk Email");
  EXPECT_FALSE(junk.contains("wellKnownName"));
  EXPECT_EQ(body(graph("/v1.0/me/mailFolders/" + std::string(junk["id"]), token_))["id"], junk["id"]);
  EXPECT_EQ(graph("/v1.0/me/mailFolders/nope", token_).status, 404);

  // The folder delta: every folder of the level first, then the ones created since.
  const json first = body(graph("/v1.0/me/mailFolders/delta", token_));
  EXPECT_EQ(first["value"].size(), 9U);
  const std::string link = first["@odata.deltaLink"];
  EXPECT_EQ(link.rfind("http://sandbox.test/v1.0/me/mailFolders/delta?$deltatoken=", 0), 0U);
  EXPECT_TRUE(body(graph(link, token_))["value"].empty());
  control(me + "/folders", {{"name", "Later"}});
  control(me + "/folders", {{"name", "Frontend"}, {"parent", "Hiring"}});
  const json later = body(graph(link, token_));
  ASSERT_EQ(later["value"].size(), 1U);
  EXPECT_EQ(later["value"][0]["displayName"], "Later");
  const json kids =
      body(graph("/v1.0/me/mailFolders/" + std::string(parent["id"]) + "/childFolders/delta", token_));
  EXPECT_EQ(kids["value"].size(), 2U);
  EXPECT_EQ(graph("/v1.0/me/mailFolders/delta?$deltatoken=unknown", token_).status, 410);
}

TEST_F(GraphTest, InboxRulesFileMailAndMovesGoAnywhere) {
  const std::string me = std::string("/control/accounts/") + kAnn;
  const json folder = control(me + "/folders", {{"name", "Candidates"}});
  control(me + "/rules", {{"folder", "Candidates"}}, 400);  // no condition
  control(me + "/rules", {{"from", "cand@example.org"}, {"folder", "Candidates"}});
  control(me + "/rules", {{"subject_contains", "NEWSLETTER"}, {"folder", "archive"}});
  const json filed = deliver(kAnn, raw_message("Cand@Example.org", kAnn, "Hello", "r1@example.org"));
  EXPECT_EQ(filed["folder_id"], folder["id"]);
  const json news = deliver(kAnn, raw_message("n@example.org", kAnn, "The newsletter", "r2@example.org"));
  EXPECT_EQ(news["folder"], "archive");
  const json plain = deliver(kAnn, raw_message("x@example.org", kAnn, "Other", "r3@example.org"));
  EXPECT_EQ(plain["folder"], "inbox");
  // Rules apply to incoming mail only.
  EXPECT_EQ(deliver(kAnn, raw_message(kAnn, "cand@example.org", "Out", "r4@example.org"), "sent")["folder"],
            "sentitems");

  // The custom folder's delta has the filed message; the inbox's does not.
  std::string link;
  const auto in_folder = round("/v1.0/me/mailFolders/" + std::string(folder["id"]) + "/messages/delta", link,
                               {{"Prefer", kImmutable}});
  ASSERT_EQ(in_folder.size(), 1U);
  EXPECT_EQ(in_folder[0]["id"], filed["immutable_id"]);
  std::string inbox_link;
  EXPECT_EQ(round("/v1.0/me/mailFolders('inbox')/messages/delta", inbox_link).size(), 1U);

  // Moves take a folder id or display name; the immutable id stays, each folder's delta tells.
  const json moved =
      control(me + "/messages/" + std::string(plain["immutable_id"]) + "/move", {{"folder", folder["id"]}});
  EXPECT_EQ(moved["immutable_id"], plain["immutable_id"]);
  control(me + "/messages/" + std::string(plain["immutable_id"]) + "/move", {{"folder", "No such"}}, 400);
  std::string next;
  const auto arrived = round(link, next, {{"Prefer", kImmutable}});
  ASSERT_EQ(arrived.size(), 1U);
  EXPECT_EQ(arrived[0]["id"], plain["immutable_id"]);
  const auto left = round(inbox_link, next, {{"Prefer", kImmutable}});
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0]["@removed"]["reason"], "changed");
  // Delivery straight into any folder, by name.
  EXPECT_EQ(
      deliver(kAnn, raw_message("j@example.org", kAnn, "Spam", "r5@example.org"), "junkemail")["folder"],
      "junkemail");
  control(me + "/messages", {{"folder", "nowhere"}, {"raw", raw_message("a@b.c", kAnn, "x", "r6@b.c")}}, 400);
}

TEST_F(GraphTest, SentItemsCopiesHaveNoReferencesInTheirInternetHeaders) {
  deliver(kAnn, raw_message("cand@example.org", kAnn, "Role", "in@example.org"));
  const json reply = deliver(kAnn,
                             raw_message(kAnn, "cand@example.org", "RE: Role", "out@contoso.example",
                                         "In-Reply-To: <in@example.org>\r\nReferences: <in@example.org>\r\n"),
                             "sent");
  const json received = deliver(kAnn, raw_message("cand@example.org", kAnn, "RE: RE: Role", "in2@example.org",
                                                  "In-Reply-To: <out@contoso.example>\r\n"));
  const auto names = [&](const json& d) {
    const json m = body(
        graph("/v1.0/me/messages/" + std::string(d["id"]) + "?$select=internetMessageHeaders,conversationId",
              token_));
    std::vector<std::string> out;
    for (const json& h : m["internetMessageHeaders"]) out.push_back(h["name"]);
    return out;
  };
  EXPECT_EQ(names(reply), (std::vector<std::string>{"From", "To", "Subject", "Message-ID", "Date"}));
  EXPECT_EQ(names(received),
            (std::vector<std::string>{"From", "To", "Subject", "Message-ID", "Date", "In-Reply-To"}));
  // The conversation still follows the references, and the MIME keeps them.
  EXPECT_EQ(reply["thread_id"], received["thread_id"]);
  EXPECT_NE(
      graph("/v1.0/me/messages/" + std::string(reply["id"]) + "/$value", token_).body.find("In-Reply-To:"),
      std::string::npos);
}

TEST_F(GraphTest, SearchPagesWithSkipToken) {
  for (int i = 0; i < 5; ++i)
    deliver(kAnn,
            raw_message("jane@example.org", kAnn, "S" + std::to_string(i), "j" + std::to_string(i) + "@x"));
  deliver(kAnn, raw_message(kAnn, "jane@example.org", "Reply", "r@x"), "sent");
  deliver(kAnn, raw_message("bob@example.org", kAnn, "Other", "b@x", "Cc: jane@example.org\r\n"));
  deliver(kAnn, raw_message("zed@example.org", kAnn, "Unrelated", "z@x"));
  const auto count = [&](const std::string& q) {
    std::size_t n = 0;
    std::string url = "/v1.0/me/messages?$top=2&$select=subject&$search=" + net::url_encode(q);
    for (int guard = 0; !url.empty() && guard < 20; ++guard) {
      const net::Response r = graph(url, token_);
      EXPECT_EQ(r.status, 200) << r.body;
      const json j = body(r);
      n += j["value"].size();
      url = j.value("@odata.nextLink", "");
      if (!url.empty()) {
        EXPECT_NE(url.find("%24skiptoken="), std::string::npos) << url;
      }
    }
    return n;
  };
  EXPECT_EQ(count("\"from:jane@example.org\""), 5U);
  EXPECT_EQ(count("\"to:jane@example.org\""), 1U);
  EXPECT_EQ(count("\"cc:jane@example.org\""), 1U);
  EXPECT_EQ(count("\"participants:jane@example.org\""), 7U);
  EXPECT_EQ(count("\"from:jane@example.org OR to:jane@example.org\""), 6U);
  EXPECT_EQ(count("\"jane@example.org\""), 7U);
  EXPECT_EQ(count("\"zed@example.org\""), 1U);
  const net::Response both = graph("/v1.0/me/messages?$search=%22jane%22&$filter=isRead+eq+false", token_);
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(graph("/v1.0/me/messages?$search=jane", token_).status, 400);  // unquoted
  const net::Response by_id = graph("/v1.0/me/messages?$filter=internetMessageId+eq+'%3Cr@x%3E'", token_);
  ASSERT_EQ(body(by_id)["value"].size(), 1U);
  EXPECT_EQ(body(by_id)["value"][0]["subject"], "Reply");
}

TEST_F(GraphTest, SearchStopsAtTheCapAndRestrictsByReceivedDay) {
  MicrosoftOptions o;
  o.auto_consent = true;
  o.search_max_results = 3;
  build(o);
  account(kAnn);
  token_ = sign_in(kAnn)["access_token"];
  constexpr std::int64_t kJune1Noon = 1717243200000;  // 2024-06-01T12:00:00Z
  for (int day = 0; day < 5; ++day) {
    control("/control/accounts/" + std::string(kAnn) + "/messages",
            {{"raw", raw_message("jane@example.org", kAnn, "D" + std::to_string(day + 1),
                                 "d" + std::to_string(day))},
             {"internal_date_ms", kJune1Noon + day * 86'400'000LL}});
  }
  const auto subjects = [&](const std::string& q) {
    std::vector<std::string> out;
    std::string url = "/v1.0/me/messages?$top=2&$select=subject&$search=" + net::url_encode(q);
    for (int guard = 0; !url.empty() && guard < 20; ++guard) {
      const net::Response r = graph(url, token_);
      EXPECT_EQ(r.status, 200) << q << " " << r.body;
      const json j = body(r);
      for (const json& m : j["value"]) out.push_back(m["subject"]);
      url = j.value("@odata.nextLink", "");
    }
    return out;
  };
  // Five match; the search gives the newest three and no link past them.
  EXPECT_EQ(subjects("\"from:jane@example.org\""), (std::vector<std::string>{"D5", "D4", "D3"}));
  EXPECT_EQ(subjects("\"from:jane@example.org AND received<=2024-06-02\""),
            (std::vector<std::string>{"D2", "D1"}));
  EXPECT_EQ(subjects("\"(from:jane@example.org) AND received>=2024-06-04\""),
            (std::vector<std::string>{"D5", "D4"}));
  EXPECT_EQ(subjects("\"received>2024-06-03 AND received<2024-06-05\""), (std::vector<std::string>{"D4"}));
  EXPECT_EQ(subjects("\"received:2024-06-03\""), (std::vector<std::string>{"D3"}));
  EXPECT_EQ(subjects("\"received:06/03/2024\""), (std::vector<std::string>{"D3"}));
  EXPECT_EQ(subjects("\"received:2024-06-01..2024-06-02\""), (std::vector<std::string>{"D2", "D1"}));
  const net::Response bad =
      graph("/v1.0/me/messages?$search=" + net::url_encode("\"received>=June\""), token_);
  EXPECT_EQ(bad.status, 400);
}

TEST_F(GraphTest, SubscriptionsNeedHttpsAndTheDocumentedLifetime) {
  const auto create = [&](const std::string& url, std::int64_t minutes) {
    const json sub = {{"changeType", "created"},
                      {"notificationUrl", url},
                      {"resource", "me/mailFolders('inbox')/messages"},
                      {"expirationDateTime", iso_seven(clock_.now_ms() + minutes * 60'000)},
                      {"clientState", "s"}};
    return graph("/v1.0/subscriptions", token_, {{"Content-Type", "application/json"}}, "POST", sub.dump());
  };
  const net::Response http = create("http://127.0.0.1:1/webhooks/microsoft", 60);
  EXPECT_EQ(http.status, 400);
  EXPECT_EQ(body(http)["error"]["code"], "InvalidRequest");
  EXPECT_EQ(body(http)["error"]["message"], "NotificationUrl scheme='http' is not supported.");
  // The default maximum is the documented 4,230 minutes.
  const net::Response too_far = create("https://hiresync.example/webhooks/microsoft", 4231);
  EXPECT_EQ(too_far.status, 400);
  EXPECT_EQ(body(too_far)["error"]["code"], "ExtensionError");
  EXPECT_EQ(body(too_far)["error"]["message"],
            "Subscription expiration can only be 4230 minutes in the future.");

  account("onprem@contoso.example", {{"hosting", "on_premises"}});
  token_ = sign_in("onprem@contoso.example")["access_token"];
  const net::Response onprem = create("https://hiresync.example/webhooks/microsoft", 60);
  EXPECT_EQ(onprem.status, 404);
  EXPECT_EQ(body(onprem)["error"]["code"], "MailboxNotEnabledForRESTAPI");
}

TEST_F(GraphTest, UnauthenticatedAndMailboxNotEnabled) {
  const net::Response none = call("GET", "/v1.0/me/messages");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(body(none)["error"]["code"], "InvalidAuthenticationToken");
  control("/control/accounts/" + std::string(kAnn) + "/expire-tokens", json::object());
  EXPECT_EQ(graph("/v1.0/me", token_).status, 401);

  account("onprem@contoso.example", {{"hosting", "on_premises"}});
  account("nolicense@contoso.example", {{"mailbox", false}});
  for (const char* who : {"onprem@contoso.example", "nolicense@contoso.example"}) {
    const std::string t = sign_in(who)["access_token"];
    EXPECT_EQ(graph("/v1.0/me", t).status, 200);
    for (const char* path : {"/v1.0/me/mailFolders('inbox')/messages/delta",
                             "/v1.0/me/messages?$search=%22a%22", "/v1.0/me/messages/AAMkAGx"}) {
      const net::Response r = graph(path, t);
      EXPECT_EQ(r.status, 404) << path;
      EXPECT_EQ(body(r)["error"]["code"], "MailboxNotEnabledForRESTAPI");
      EXPECT_EQ(body(r)["error"]["message"],
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
    }
  }
}

TEST_F(GraphTest, FaultsUseGraphShapes) {
  control("/control/faults", {{"account", kAnn}, {"status", 429}, {"count", 1}, {"retry_after", 7}});
  control("/control/faults", {{"account", kAnn}, {"status", 503}, {"count", 1}});
  const net::Response r = graph("/v1.0/me", token_);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("Retry-After"), "7");
  EXPECT_EQ(body(r)["error"]["code"], "ApplicationThrottled");
  EXPECT_EQ(graph("/v1.0/me", token_).status, 503);
  EXPECT_EQ(graph("/v1.0/me", token_).status, 200);
  const json stats = json::parse(call("GET", "/control/stats?provider=microsoft").body);
  EXPECT_EQ(stats["rejected"]["fault"], 2);
}

class ThrottleTest : public MsFixture {};

TEST_F(ThrottleTest, ConcurrencyAndTenMinuteBudget) {
  MicrosoftOptions o;
  o.auto_consent = true;
  o.requests_per_10min = 3;
  build(o);
  account(kAnn);
  const std::string token = sign_in(kAnn)["access_token"];
  {
    std::vector<google::ConcurrencyLimiter::Slot> held;
    held.reserve(4);
    for (int i = 0; i < 4; ++i) held.push_back(*ms_->concurrency().try_enter(kAnn));
    const net::Response busy = graph("/v1.0/me", token);
    EXPECT_EQ(busy.status, 429);
    EXPECT_EQ(body(busy)["error"]["message"], "Application is over its MailboxConcurrency limit.");
    EXPECT_FALSE(busy.header("Retry-After").empty());
  }
  EXPECT_EQ(graph("/v1.0/me", token).status, 200);
  clock_.advance_ms(60'000);
  EXPECT_EQ(graph("/v1.0/me", token).status, 200);
  EXPECT_EQ(graph("/v1.0/me", token).status, 200);
  const net::Response over = graph("/v1.0/me", token);
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(body(over)["error"]["code"], "ApplicationThrottled");
  EXPECT_EQ(over.header("Retry-After"), "540");  // the first request leaves the window in 9 minutes
  clock_.advance_ms(540'000);
  EXPECT_EQ(graph("/v1.0/me", token).status, 200);
  const json stats = json::parse(call("GET", std::string("/control/stats?account=") + kAnn).body);
  EXPECT_EQ(stats["rejected"]["429"], 2);
  EXPECT_EQ(stats["endpoints"]["me"], 6);
}

}  // namespace
}  // namespace hiresync::sandbox::microsoft::testing
