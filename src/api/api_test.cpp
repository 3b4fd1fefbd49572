// The API end to end over HTTP: sessions, settings, people and projects, and who sees which
// threads of a candidate.
#include "api/api_test_fixture.hpp"
#include "crypto/crypto.hpp"

namespace hiresync::api::testing {
namespace {

using nlohmann::json;

TEST_F(ApiTest, LoginGivesATokenThatWorksAsBearerAndAsCookie) {
  auto w = make_world();
  auto r = call("POST", "/api/session",
                json{{"email", "RITA@acme.com"}, {"password", "a long passphrase"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string token = r.json["token"];
  EXPECT_GE(token.size(), 40u);
  EXPECT_EQ(r.json["user"],
            (json{{"id", w.rita}, {"email", "rita@acme.com"}, {"name", "Rita"}, {"role", "admin"}}));
  const std::string cookie = r.header("Set-Cookie");
  EXPECT_NE(cookie.find("hiresync_session=" + token), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);

  auto bearer = call_as(token, "GET", "/api/me");
  ASSERT_EQ(bearer.status, 200) << bearer.body;
  EXPECT_EQ(bearer.json["contract"], (json{{"id", w.acme}, {"name", "Acme"}}));
  EXPECT_EQ(bearer.json["role"], "admin");
  auto by_cookie = call("GET", "/api/me", "", {{"Cookie", "theme=dark; hiresync_session=" + token}});
  ASSERT_EQ(by_cookie.status, 200) << by_cookie.body;
  EXPECT_EQ(by_cookie.json["id"], w.rita);

  // The database holds a digest of the token, never the token.
  auto stored = store_->session_user(crypto::digest_hex(token), now_.load());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->id, w.rita);
}

TEST_F(ApiTest, BadPasswordUnknownUserAndNoSessionAre401) {
  make_world();
  auto bad =
      call("POST", "/api/session", json{{"email", "rita@acme.com"}, {"password", "wrong password"}}.dump());
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.json["error"]["code"], "invalid_credentials");
  EXPECT_TRUE(bad.json["error"]["message"].is_string());
  auto unknown =
      call("POST", "/api/session", json{{"email", "nobody@acme.com"}, {"password", "whatever1"}}.dump());
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.json["error"]["code"], "invalid_credentials");
  auto none = call("GET", "/api/me");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json["error"]["code"], "unauthorized");
  EXPECT_EQ(call_as("forged", "GET", "/api/me").status, 401);
}

TEST_F(ApiTest, BadJsonIs400InvalidJson) {
  auto r = call("POST", "/api/session", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["code"], "invalid_json");
  auto missing = call("POST", "/api/session", json{{"email", "a@b.c"}}.dump());
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.json["error"]["code"], "invalid_request");
  EXPECT_EQ(missing.json["error"]["message"], "\"password\" is required.");
}

TEST_F(ApiTest, LogoutEndsTheSessionAndSessionsExpireAfter30Days) {
  auto w = make_world();
  auto out = call_as(w.sam_token, "DELETE", "/api/session");
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(call_as(w.sam_token, "GET", "/api/me").status, 401);

  EXPECT_EQ(call_as(w.rita_token, "GET", "/api/me").status, 200);
  now_ += 30LL * 24 * 3600;
  EXPECT_EQ(call_as(w.rita_token, "GET", "/api/me").status, 401);
}

TEST_F(ApiTest, SettingsReadByAnyUserChangedOnlyByAnAdmin) {
  auto w = make_world();
  auto get = call_as(w.sam_token, "GET", "/api/contract/settings");
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.json, (json{{"email_provider", "google"},
                            {"inmail_default_visibility", "private"},
                            {"internal_domains", json::array()}}));

  auto denied = call_as(w.sam_token, "PATCH", "/api/contract/settings", {{"email_provider", "microsoft"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.json["error"]["code"], "forbidden");
  {
    std::lock_guard lock(sync_.mu);
    EXPECT_TRUE(sync_.settings_changed.empty());
  }

  auto changed = call_as(w.rita_token, "PATCH", "/api/contract/settings",
                         {{"email_provider", "microsoft"}, {"internal_domains", {"acme.co.uk"}}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json["email_provider"], "microsoft");
  EXPECT_EQ(changed.json["inmail_default_visibility"], "private");
  EXPECT_EQ(changed.json["internal_domains"], json({"acme.co.uk"}));
  EXPECT_EQ(call_as(w.sam_token, "GET", "/api/contract/settings").json["email_provider"], "microsoft");
  {
    std::lock_guard lock(sync_.mu);
    EXPECT_EQ(sync_.settings_changed, std::vector<model::Id>{w.acme});
  }
  // Olga's contract is untouched.
  EXPECT_EQ(call_as(w.olga_token, "GET", "/api/contract/settings").json["email_provider"], "none");

  for (const json& bad :
       {json{{"email_provider", "imap"}}, json{{"email_provider", 3}},
        json{{"inmail_default_visibility", "public"}}, json{{"internal_domains", "acme.co.uk"}},
        json{{"internal_domains", {1}}}, json{{"internal_domains", {"not a domain"}}}}) {
    auto r = call_as(w.rita_token, "PATCH", "/api/contract/settings", bad);
    EXPECT_EQ(r.status, 400) << bad.dump();
    EXPECT_EQ(r.json["error"]["code"], "invalid_request") << bad.dump();
  }
}

TEST_F(ApiTest, OperatorEndpointsNeedTheOperatorToken) {
  auto w = make_world();
  const json contract{{"name", "X"},
                      {"admin", {{"email", "x@x.com"}, {"name", "X"}, {"password", "long enough"}}}};
  EXPECT_EQ(call("POST", "/api/ops/contracts", contract.dump()).status, 401);
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/ops/contracts", contract).status, 403);
  EXPECT_EQ(call_as("wrong-operator-token", "POST", "/api/ops/contracts", contract).status, 401);
  auto dup = op("POST", "/api/ops/contracts", {{"name", "Acme"}, {"admin", contract["admin"]}});
  EXPECT_EQ(dup.status, 409);
  auto taken =
      op("POST", "/api/ops/contracts",
         {{"name", "Y"}, {"admin", {{"email", "sam@acme.com"}, {"name", "S"}, {"password", "long enough"}}}});
  EXPECT_EQ(taken.status, 409);
  auto short_pw =
      op("POST", "/api/ops/contracts",
         {{"name", "Z"}, {"admin", {{"email", "z@z.com"}, {"name", "Z"}, {"password", "short"}}}});
  EXPECT_EQ(short_pw.status, 400);
}

TEST_F(ApiTest, UsersAreAddedByAdminsToTheirOwnContract) {
  auto w = make_world();
  const json user{{"email", "new@acme.com"}, {"name", "New"}, {"password", "long enough"}};
  EXPECT_EQ(call_as(w.sam_token, "POST", "/api/users", user).status, 403);
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/users", user).status, 201);
  EXPECT_EQ(call_as(w.rita_token, "POST", "/api/users", user).status, 409);
  EXPECT_EQ(call_as(w.olga_token, "POST", "/api/users",
                    json{{"email", "sam@acme.com"}, {"name", "S"}, {"password", "long enough"}})
                .status,
            409);
  auto me = call_as(login("new@acme.com", "long enough"), "GET", "/api/me");
  EXPECT_EQ(me.json["contract"]["id"], w.acme);
  EXPECT_EQ(me.json["role"], "user");
}

TEST_F(ApiTest, MembersAreCreatedAndChangedByTheOperator) {
  auto w = make_world();
  auto dup = op("POST", "/api/ops/members", {{"name", "A"}, {"emails", {"ANN@example.org"}}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(op("POST", "/api/ops/members", {{"name", "A"}, {"emails", {"not-an-address"}}}).status, 400);
  EXPECT_EQ(op("POST", "/api/ops/members", {{"name", "A"}, {"emails", json::array()}}).status, 400);

  auto patched = op("PATCH", "/api/ops/members/" + std::to_string(w.ann),
                    {{"emails", {"ann@example.org", "ann.lee@gmail.com"}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json["emails"], json({"ann@example.org", "ann.lee@gmail.com"}));
  EXPECT_EQ(patched.json["email_discovery"], "anyone");
  {
    std::lock_guard lock(sync_.mu);
    // Saved once (make_world) and an address added: two targeted backfills for Acme.
    EXPECT_EQ(sync_.candidates_added,
              (std::vector<std::pair<model::Id, model::Id>>{{w.acme, w.ann}, {w.acme, w.ann}}));
  }
  auto renamed = op("PATCH", "/api/ops/members/" + std::to_string(w.ann), {{"name", "Ann B. Lee"}});
  EXPECT_EQ(renamed.json["name"], "Ann B. Lee");
  {
    std::lock_guard lock(sync_.mu);
    EXPECT_EQ(sync_.candidates_added.size(), 2u);  // a new name finds no new mail
  }
  EXPECT_EQ(op("PATCH", "/api/ops/members/999", {{"name", "x"}}).status, 404);
  EXPECT_EQ(op("PATCH", "/api/ops/members/abc", {{"name", "x"}}).status, 404);
  EXPECT_EQ(
      op("PATCH", "/api/ops/members/" + std::to_string(w.ann), {{"email_discovery", "everyone"}}).status,
      400);
}

TEST_F(ApiTest, ProjectsAndCandidatesStayInTheirContract) {
  auto w = make_world();
  const std::string candidates = "/api/projects/" + std::to_string(w.project) + "/candidates";
  auto list = call_as(w.sam_token, "GET", "/api/projects");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json, (json::array({{{"id", w.project}, {"name", "Backend"}, {"candidates", {w.ann}}}})));
  EXPECT_EQ(call_as(w.olga_token, "GET", "/api/projects").json, json::array());

  // Saving again is idempotent and does not search again.
  EXPECT_EQ(call_as(w.sam_token, "POST", candidates, {{"member_id", w.ann}}).status, 200);
  {
    std::lock_guard lock(sync_.mu);
    EXPECT_EQ(sync_.candidates_added, (std::vector<std::pair<model::Id, model::Id>>{{w.acme, w.ann}}));
  }
  EXPECT_EQ(call_as(w.olga_token, "POST", candidates, {{"member_id", w.ann}}).status, 404);
  EXPECT_EQ(call_as(w.olga_token, "DELETE", candidates + "/" + std::to_string(w.ann)).status, 404);
  EXPECT_EQ(call_as(w.sam_token, "POST", candidates, {{"member_id", 999}}).status, 404);
  EXPECT_EQ(call_as(w.sam_token, "POST", candidates, {{"member_id", "x"}}).status, 400);
  EXPECT_EQ(call_as(w.sam_token, "POST", "/api/projects/999/candidates", {{"member_id", w.ann}}).status, 404);

  EXPECT_EQ(call_as(w.sam_token, "DELETE", candidates + "/" + std::to_string(w.ann)).status, 204);
  EXPECT_EQ(call_as(w.sam_token, "GET", "/api/candidates/" + std::to_string(w.ann) + "/threads").status, 404);
}

// Stores a message of `owner` about Ann, in `thread` (0: a new one). Returns {message, thread}.
std::pair<model::Id, model::Id> store_message(store::Store& s, model::Id owner, model::Id contract,
                                              model::Id ann, const std::string& id, std::int64_t sent_at,
                                              model::Visibility v, model::Id thread = 0) {
  auto mb = s.ensure_mailbox(owner, "import", "u" + std::to_string(owner) + "@acme.com",
                             "u" + std::to_string(owner) + "@acme.com");
  EXPECT_TRUE(mb.ok());
  store::NewMessage m;
  m.mailbox_id = mb->id;
  m.owner_user_id = owner;
  m.contract_id = contract;
  m.provider_message_id = id;
  m.visibility = v;
  m.direction = model::Direction::kOutbound;
  m.content.headers.subject = "About " + id;
  m.content.headers.date = sent_at;
  m.content.headers.participants = {{model::HeaderRole::kFrom, {"Rita", "rita@acme.com"}},
                                    {model::HeaderRole::kTo, {"Ann Lee", "ann@example.org"}}};
  m.participant_canonicals = {"rita@acme.com", "ann@example.org"};
  m.snippet = "Hello " + id;
  auto mid = s.insert_message(m);
  EXPECT_TRUE(mid.ok());
  if (thread == 0) thread = *s.create_thread(owner, ann, contract, m.content.headers.subject, sent_at);
  EXPECT_TRUE(s.touch_thread(thread, sent_at).ok());
  EXPECT_TRUE(s.link_candidate(*mid, ann, thread).ok());
  return {*mid, thread};
}

TEST_F(ApiTest, ThreadsShowPrivateMessagesToTheirOwnerOnly) {
  auto w = make_world();
  auto [m1, t1] =
      store_message(*store_, w.rita, w.acme, w.ann, "r1", 1'700'000'100, model::Visibility::kPrivate);
  const std::string path = "/api/candidates/" + std::to_string(w.ann) + "/threads";

  auto rita = call_as(w.rita_token, "GET", path);
  ASSERT_EQ(rita.status, 200) << rita.body;
  ASSERT_EQ(rita.json.size(), 1u);
  const json& thread = rita.json[0];
  EXPECT_EQ(thread["id"], t1);
  EXPECT_EQ(thread["subject"], "About r1");
  EXPECT_EQ(thread["owner"], (json{{"id", w.rita}, {"name", "Rita"}, {"email", "rita@acme.com"}}));
  EXPECT_EQ(thread["last_message_at"], "2023-11-14T22:15:00Z");
  ASSERT_EQ(thread["messages"].size(), 1u);
  EXPECT_EQ(thread["messages"][0], (json{{"id", m1},
                                         {"kind", "email"},
                                         {"direction", "outbound"},
                                         {"from", {{"name", "Rita"}, {"email", "rita@acme.com"}}},
                                         {"to", {{{"name", "Ann Lee"}, {"email", "ann@example.org"}}}},
                                         {"cc", json::array()},
                                         {"subject", "About r1"},
                                         {"sent_at", "2023-11-14T22:15:00Z"},
                                         {"snippet", "Hello r1"},
                                         {"visibility", "private"},
                                         {"owner_id", w.rita}}));

  auto sam = call_as(w.sam_token, "GET", path);
  ASSERT_EQ(sam.status, 200);
  EXPECT_EQ(sam.json, json::array());

  // Shared with the contract: Sam sees it now; Olga's contract never does.
  auto [m2, t1b] =
      store_message(*store_, w.rita, w.acme, w.ann, "r2", 1'700'000'200, model::Visibility::kContract, t1);
  sam = call_as(w.sam_token, "GET", path);
  ASSERT_EQ(sam.json.size(), 1u);
  ASSERT_EQ(sam.json[0]["messages"].size(), 1u);
  EXPECT_EQ(sam.json[0]["messages"][0]["id"], m2);
  EXPECT_EQ(sam.json[0]["messages"][0]["owner_id"], w.rita);
  EXPECT_EQ(call_as(w.rita_token, "GET", path).json[0]["messages"].size(), 2u);

  auto olga = call_as(w.olga_token, "GET", path);
  EXPECT_EQ(olga.status, 404);
  EXPECT_EQ(olga.json["error"]["code"], "not_found");
  EXPECT_EQ(call_as(w.sam_token, "GET", "/api/candidates/999/threads").status, 404);
  EXPECT_EQ(call_as(w.sam_token, "GET", "/api/candidates/x/threads").status, 404);
  (void)t1b;
}

}  // namespace
}  // namespace hiresync::api::testing
