// Visibility changes by the owner, CSRF on cookie writes, InMails, one listing per copied message,
// the holder of a connected address, the contract's users and the GDPR endpoints.
#include "api/api_messages_fixture.hpp"
#include "crypto/crypto.hpp"

namespace hiresync::api::testing {
namespace {

using nlohmann::json;

TEST_F(MessagesTest, OwnerTogglesMessageAndThreadVisibility) {
  auto w = make_world();
  auto first = store_message(w.rita, w.acme, w.ann, {"One", 1'700'000'100});
  auto second = store_message(w.rita, w.acme, w.ann,
                              {"Two", 1'700'000'200, model::Visibility::kPrivate, "", first.thread});
  EXPECT_EQ(call_as(w.sam_token, "GET", path_of("/api/messages/", first.message)).status, 404);

  auto shown =
      call_as(w.rita_token, "PATCH", path_of("/api/messages/", first.message), {{"visibility", "contract"}});
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.json["visibility"], "contract");
  EXPECT_EQ(call_as(w.sam_token, "GET", path_of("/api/messages/", first.message)).status, 200);
  EXPECT_EQ(call_as(w.sam_token, "GET", path_of("/api/messages/", second.message)).status, 404);

  auto thread =
      call_as(w.rita_token, "PATCH", path_of("/api/threads/", first.thread), {{"visibility", "contract"}});
  ASSERT_EQ(thread.status, 200) << thread.body;
  EXPECT_EQ(thread.json, json({{"id", first.thread}, {"visibility", "contract"}, {"updated", 2}}));
  EXPECT_EQ(call_as(w.sam_token, "GET", path_of("/api/messages/", second.message)).status, 200);

  auto hidden =
      call_as(w.rita_token, "PATCH", path_of("/api/threads/", first.thread), {{"visibility", "private"}});
  EXPECT_EQ(hidden.status, 200);
  EXPECT_EQ(call_as(w.sam_token, "GET", path_of("/api/messages/", first.message)).status, 404);
  EXPECT_EQ(call_as(w.sam_token, "GET", path_of("/api/messages/", second.message)).status, 404);

  auto bad =
      call_as(w.rita_token, "PATCH", path_of("/api/messages/", first.message), {{"visibility", "all"}});
  EXPECT_EQ(bad.status, 400);
}

TEST_F(MessagesTest, CookieWritesNeedTheCsrfToken) {
  auto w = make_world();
  auto m = store_message(w.rita, w.acme, w.ann, {"One"});
  const std::string cookie = std::string(kSessionCookie) + "=" + w.rita_token;
  auto me = call("GET", "/api/me", "", {{"Cookie", cookie}});  // reads need no token
  ASSERT_EQ(me.status, 200);
  const std::string csrf = me.json.value("csrf_token", "");
  ASSERT_FALSE(csrf.empty());
  EXPECT_NE(csrf, w.rita_token);
  EXPECT_NE(csrf, crypto::digest_hex(w.rita_token));  // not the stored session digest

  const std::string body = json{{"visibility", "contract"}}.dump();
  const std::string path = path_of("/api/messages/", m.message);
  auto without = call("PATCH", path, body, {{"Cookie", cookie}});
  EXPECT_EQ(without.status, 403);
  EXPECT_EQ(without.json["error"]["code"], "csrf_failed");
  EXPECT_EQ(without.json["error"]["remedy"], "Reload the page and try again.");
  EXPECT_EQ(call("PATCH", path, body, {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "x"}}).status, 403);
  EXPECT_EQ(call("PATCH", path, body, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}).status, 200);
  EXPECT_EQ(call_as(w.rita_token, "PATCH", path, {{"visibility", "private"}}).status, 200);  // bearer: exempt

  // The token comes with the session too, and stays the same for it.
  auto login =
      call("POST", "/api/session", json{{"email", "sam@acme.com"}, {"password", "a long passphrase"}}.dump());
  ASSERT_EQ(login.status, 200);
  const std::string sam_cookie = std::string(kSessionCookie) + "=" + login.json.value("token", "");
  EXPECT_EQ(call("GET", "/api/me", "", {{"Cookie", sam_cookie}}).json["csrf_token"],
            login.json["csrf_token"]);
  EXPECT_EQ(call("DELETE", "/api/session", "", {{"Cookie", sam_cookie}}).status, 403);
  EXPECT_EQ(
      call("DELETE", "/api/session", "", {{"Cookie", sam_cookie}, {"X-CSRF-Token", login.json["csrf_token"]}})
          .status,
      204);
}

TEST_F(MessagesTest, InMailsFollowTheContractDefaultOrTheSendersChoice) {
  auto w = make_world();
  const std::string path = path_of("/api/candidates/", w.ann, "/inmails");
  auto by_default = call_as(w.rita_token, "POST", path, {{"subject", "Hi"}, {"body", "A role for you"}});
  ASSERT_EQ(by_default.status, 201) << by_default.body;
  EXPECT_EQ(by_default.json["kind"], "inmail");
  EXPECT_EQ(by_default.json["direction"], "outbound");
  EXPECT_EQ(by_default.json["visibility"], "private");  // the contract's default
  EXPECT_EQ(by_default.json["from"], json({{"name", "Rita"}, {"email", "rita@acme.com"}}));
  EXPECT_EQ(by_default.json["owner_id"], w.rita);

  ASSERT_EQ(
      call_as(w.rita_token, "PATCH", "/api/contract/settings", {{"inmail_default_visibility", "contract"}})
          .status,
      200);
  auto now_public = call_as(w.rita_token, "POST", path, {{"subject", "Again"}, {"body", "Still open"}});
  EXPECT_EQ(now_public.json["visibility"], "contract");
  EXPECT_EQ(now_public.json["thread_id"], by_default.json["thread_id"]);  // one InMail thread per sender
  auto chosen = call_as(w.rita_token, "POST", path,
                        {{"subject", "Psst"}, {"body", "Private"}, {"visibility", "private"}});
  EXPECT_EQ(chosen.json["visibility"], "private");

  auto sam_view = call_as(w.sam_token, "GET", path_of("/api/candidates/", w.ann, "/threads"));
  ASSERT_EQ(sam_view.json.size(), 1U);
  ASSERT_EQ(sam_view.json[0]["messages"].size(), 1U);
  EXPECT_EQ(sam_view.json[0]["messages"][0]["subject"], "Again");
  // The InMail mailbox is never a provider mailbox: the user still has none.
  EXPECT_EQ(store_->mailbox_of_user(w.rita).error().code, model::ErrorCode::kNotFound);
  auto syncable = store_->syncable_mailboxes(0);
  ASSERT_TRUE(syncable.ok());
  EXPECT_TRUE(syncable->empty());
  EXPECT_EQ(call_as(w.rita_token, "POST", path, {{"subject", "x"}}).status, 400);
}

TEST_F(MessagesTest, ACopiedMessageIsListedOnce) {
  auto w = make_world();
  // Rita and Sam both hold the same message (Sam was CC'd); both made it public.
  store_message(w.rita, w.acme, w.ann, {"Shared", 1'700'000'300, model::Visibility::kContract, "shared@x"});
  auto sams = store_message(w.sam, w.acme, w.ann,
                            {"Shared", 1'700'000'300, model::Visibility::kContract, "shared@x"});
  auto tom = call_as(w.rita_token, "POST", "/api/users",
                     {{"email", "tom@acme.com"}, {"name", "Tom"}, {"password", "a long passphrase"}});
  ASSERT_EQ(tom.status, 201);
  const std::string tom_token = login("tom@acme.com");

  for (const auto& [token, own] : {std::pair{w.sam_token, true}, std::pair{tom_token, false}}) {
    auto threads = call_as(token, "GET", path_of("/api/candidates/", w.ann, "/threads"));
    int shown = 0;
    for (const auto& t : threads.json) shown += static_cast<int>(t["messages"].size());
    EXPECT_EQ(shown, 1) << threads.body;
    auto pipeline = call_as(token, "GET", path_of("/api/projects/", w.project, "/pipeline"));
    const auto& activity = pipeline.json["candidates"][0]["last_activity"];
    EXPECT_EQ(activity["subject"], "Shared");
    if (own) {
      EXPECT_EQ(activity["message_id"], sams.message);  // the viewer's own copy
    }
  }
}

TEST_F(MessagesTest, AuthorizeNamesTheColleagueHoldingTheAddress) {
  auto w = make_world();
  ASSERT_TRUE(store_->connect_mailbox(w.rita, "google", "rita@acme.com", "rita@acme.com", "").ok());
  auto taken = call_as(w.sam_token, "POST", "/api/me/mailbox/authorize", {{"address", "Rita@Acme.com"}});
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(taken.json["error"]["code"], "mailbox_in_use");
  EXPECT_EQ(taken.json["error"]["message"],
            "This email address is already connected by Rita (rita@acme.com).");
  EXPECT_TRUE(taken.json["error"]["remedy"].is_string());
  EXPECT_EQ(call_as(w.sam_token, "POST", "/api/me/mailbox/authorize", {{"address", "sam@acme.com"}}).status,
            200);
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/me/mailbox/authorize", {{"address", "rita@acme.com"}}).status,
            200);
  auto holder = store_->mailbox_holder(w.acme, "rita@acme.com", w.sam);
  ASSERT_TRUE(holder.ok() && holder->has_value());
  EXPECT_EQ((*holder)->id, w.rita);

  sync_.finish_outcome = sync::AuthorizeOutcome{w.sam, false, "mailbox_in_use", "Rita (rita@acme.com)"};
  const net::Fields cookie{{"Cookie", std::string(kSessionCookie) + "=" + w.sam_token}};
  auto redirect = call("GET", "/oauth/callback?code=c&state=s1", "", cookie);
  EXPECT_EQ(
      redirect.header("Location"),
      "http://ui.test/settings/email?result=error&code=mailbox_in_use&holder=Rita%20%28rita%40acme.com%29");
}

TEST_F(MessagesTest, UsersOfTheCallersContract) {
  auto w = make_world();
  auto users = call_as(w.sam_token, "GET", "/api/users");
  ASSERT_EQ(users.status, 200);
  EXPECT_EQ(users.json,
            json::array({{{"id", w.rita}, {"email", "rita@acme.com"}, {"name", "Rita"}, {"role", "admin"}},
                         {{"id", w.sam}, {"email", "sam@acme.com"}, {"name", "Sam"}, {"role", "user"}}}));
  auto problems = call("GET", "/api/problems");
  ASSERT_EQ(problems.status, 200);
  EXPECT_TRUE(problems.json["mailbox_in_use"]["remedy"].is_string());
  EXPECT_TRUE(problems.json["csrf_failed"]["message"].is_string());
}

TEST_F(MessagesTest, GdprEraseAndExport) {
  auto w = make_world();
  auto m = store_message(w.rita, w.acme, w.ann,
                         {"About Ann", 1'700'000'100, model::Visibility::kPrivate, "ann-1@x"});
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/ops/gdpr/erase", {{"member_id", w.ann}}).status, 403);
  auto exported = op("GET", path_of("/api/ops/gdpr/export?member_id=", w.ann).c_str(), nullptr);
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.json["member"]["emails"], json({"ann@example.org"}));
  EXPECT_EQ(exported.json["projects"][0]["contract"]["name"], "Acme");
  ASSERT_EQ(exported.json["messages"].size(), 1U);
  EXPECT_EQ(exported.json["messages"][0]["text"], "Text of About Ann");
  EXPECT_EQ(exported.json["messages"][0]["participants"].size(), 3U);

  auto erased = op("POST", "/api/ops/gdpr/erase", {{"email", "ANN@example.org"}});
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(erased.json, json({{"erased_messages", 1}}));
  EXPECT_EQ(call_as(w.rita_token, "GET", path_of("/api/messages/", m.message)).status, 404);
  EXPECT_TRUE(call_as(w.rita_token, "GET", path_of("/api/candidates/", w.ann, "/threads")).json.empty());
  // Later syncs and imports skip her: both her address and the message are suppressed, and the
  // engine was told to reload its index.
  EXPECT_TRUE(*store_->is_suppressed("address", crypto::digest_hex("ann@example.org")));
  EXPECT_TRUE(*store_->is_suppressed("message", crypto::digest_hex("ann-1@x")));
  EXPECT_FALSE(sync_.changed_contracts.empty());
  EXPECT_EQ(op("POST", "/api/ops/gdpr/erase", {{"member_id", w.ann}}).json["erased_messages"], 0);
  EXPECT_EQ(op("POST", "/api/ops/gdpr/erase", {{"member_id", 999999}}).status, 404);
  EXPECT_EQ(op("POST", "/api/ops/gdpr/erase", json::object()).status, 400);
}

}  // namespace
}  // namespace hiresync::api::testing
