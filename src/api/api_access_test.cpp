// Access control of every endpoint that returns or changes messages or threads: a user of another
// contract gets 404, and so does a colleague for a private message that is not theirs (a message
// the caller may not see does not exist for them). Pipeline activity never shows such a message.
#include "api/api_messages_fixture.hpp"

namespace hiresync::api::testing {
namespace {

using nlohmann::json;

class AccessTest : public MessagesTest {
 protected:
  void SetUp() override {
    MessagesTest::SetUp();
    w_ = make_world();
    // Rita: one public message (older) and one private message (newer), in separate threads.
    public_ =
        store_message(w_.rita, w_.acme, w_.ann,
                      {"Public hello", 1'700'000'100, model::Visibility::kContract, "", 0, "<p>pub</p>"});
    private_ =
        store_message(w_.rita, w_.acme, w_.ann,
                      {"Private hello", 1'700'000'200, model::Visibility::kPrivate, "", 0, "<p>priv</p>"});
  }

  std::string ann_path(const char* suffix = "") const { return path_of("/api/candidates/", w_.ann, suffix); }

  World w_;
  Stored public_;
  Stored private_;
};

TEST_F(AccessTest, CandidateThreads) {
  EXPECT_EQ(call_as(w_.olga_token, "GET", ann_path("/threads")).status, 404);
  auto sam = call_as(w_.sam_token, "GET", ann_path("/threads"));
  ASSERT_EQ(sam.status, 200) << sam.body;
  ASSERT_EQ(sam.json.size(), 1U);
  EXPECT_EQ(sam.json[0]["id"], public_.thread);
  EXPECT_EQ(sam.body.find("Private hello"), std::string::npos);
  EXPECT_EQ(sam.body.find("hidden@acme.com"), std::string::npos);  // Bcc is the owner's business
  auto rita = call_as(w_.rita_token, "GET", ann_path("/threads"));
  ASSERT_EQ(rita.json.size(), 2U);
  EXPECT_EQ(rita.json[0]["id"], private_.thread);  // newest first
}

TEST_F(AccessTest, CandidateProfile) {
  EXPECT_EQ(call_as(w_.olga_token, "GET", ann_path()).status, 404);
  auto sam = call_as(w_.sam_token, "GET", ann_path());
  ASSERT_EQ(sam.status, 200) << sam.body;
  EXPECT_EQ(sam.json["name"], "Ann Lee");
  EXPECT_EQ(sam.json["emails"], json({"ann@example.org"}));
  EXPECT_EQ(sam.json["projects"], json::array({{{"id", w_.project}, {"name", "Backend"}}}));
  EXPECT_EQ(sam.body.find("Private hello"), std::string::npos);  // a profile carries no messages
  EXPECT_EQ(call_as(w_.sam_token, "GET", path_of("/api/candidates/", w_.ann + 1000)).status, 404);
}

TEST_F(AccessTest, Pipeline) {
  const std::string path = path_of("/api/projects/", w_.project, "/pipeline");
  EXPECT_EQ(call_as(w_.olga_token, "GET", path).status, 404);
  auto sam = call_as(w_.sam_token, "GET", path);
  ASSERT_EQ(sam.status, 200) << sam.body;
  EXPECT_EQ(sam.json["project"]["name"], "Backend");
  ASSERT_EQ(sam.json["candidates"].size(), 1U);
  const auto& activity = sam.json["candidates"][0]["last_activity"];
  EXPECT_EQ(activity["message_id"], public_.message);  // not the newer private one
  EXPECT_EQ(activity["thread_id"], public_.thread);
  EXPECT_EQ(activity["subject"], "Public hello");
  EXPECT_EQ(activity["kind"], "email");
  EXPECT_EQ(activity["direction"], "inbound");
  EXPECT_EQ(activity["owner_id"], w_.rita);
  auto rita = call_as(w_.rita_token, "GET", path);
  EXPECT_EQ(rita.json["candidates"][0]["last_activity"]["message_id"], private_.message);
}

TEST_F(AccessTest, MessageDetail) {
  EXPECT_EQ(call_as(w_.olga_token, "GET", path_of("/api/messages/", public_.message)).status, 404);
  EXPECT_EQ(call_as(w_.sam_token, "GET", path_of("/api/messages/", private_.message)).status, 404);
  auto sam = call_as(w_.sam_token, "GET", path_of("/api/messages/", public_.message));
  ASSERT_EQ(sam.status, 200) << sam.body;
  EXPECT_EQ(sam.json["text"], "Text of Public hello");
  EXPECT_EQ(sam.json["has_html"], true);
  EXPECT_EQ(sam.json["thread_id"], public_.thread);
  EXPECT_EQ(sam.json["from"]["email"], "ann@example.org");
  EXPECT_EQ(sam.body.find("hidden@acme.com"), std::string::npos);
}

TEST_F(AccessTest, MessageHtml) {
  EXPECT_EQ(call_as(w_.olga_token, "GET", path_of("/api/messages/", public_.message, "/html")).status, 404);
  EXPECT_EQ(call_as(w_.sam_token, "GET", path_of("/api/messages/", private_.message, "/html")).status, 404);
  auto sam = call_as(w_.sam_token, "GET", path_of("/api/messages/", public_.message, "/html"));
  ASSERT_EQ(sam.status, 200);
  EXPECT_EQ(sam.body, "<p>pub</p>");
  EXPECT_EQ(sam.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(sam.header("Content-Security-Policy"),
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'");
  EXPECT_EQ(sam.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(AccessTest, PatchMessage) {
  const json to_private{{"visibility", "private"}};
  EXPECT_EQ(call_as(w_.olga_token, "PATCH", path_of("/api/messages/", public_.message), to_private).status,
            404);
  EXPECT_EQ(call_as(w_.sam_token, "PATCH", path_of("/api/messages/", private_.message), to_private).status,
            404);
  auto not_owner = call_as(w_.sam_token, "PATCH", path_of("/api/messages/", public_.message), to_private);
  EXPECT_EQ(not_owner.status, 403);
  EXPECT_EQ(not_owner.json["error"]["code"], "not_owner");
  EXPECT_EQ(call_as(w_.sam_token, "GET", path_of("/api/messages/", public_.message)).status,
            200);  // unchanged
}

TEST_F(AccessTest, PatchThread) {
  const json to_contract{{"visibility", "contract"}};
  EXPECT_EQ(call_as(w_.olga_token, "PATCH", path_of("/api/threads/", public_.thread), to_contract).status,
            404);
  EXPECT_EQ(call_as(w_.sam_token, "PATCH", path_of("/api/threads/", private_.thread), to_contract).status,
            404);
  auto not_owner = call_as(w_.sam_token, "PATCH", path_of("/api/threads/", public_.thread), to_contract);
  EXPECT_EQ(not_owner.status, 403);
  EXPECT_EQ(not_owner.json["error"]["code"], "not_owner");
  EXPECT_EQ(call_as(w_.sam_token, "GET", path_of("/api/messages/", private_.message)).status,
            404);  // unchanged
}

TEST_F(AccessTest, InMails) {
  const json inmail{{"subject", "Role"}, {"body", "Interested?"}, {"visibility", "private"}};
  EXPECT_EQ(call_as(w_.olga_token, "POST", ann_path("/inmails"), inmail).status, 404);
  auto sent = call_as(w_.sam_token, "POST", ann_path("/inmails"), inmail);
  ASSERT_EQ(sent.status, 201) << sent.body;
  const model::Id id = sent.json["id"];
  // Sam's private InMail does not exist for Rita, in lookups, lists and the pipeline.
  EXPECT_EQ(call_as(w_.rita_token, "GET", path_of("/api/messages/", id)).status, 404);
  EXPECT_EQ(call_as(w_.rita_token, "GET", ann_path("/threads")).body.find("Interested?"), std::string::npos);
  auto pipeline = call_as(w_.rita_token, "GET", path_of("/api/projects/", w_.project, "/pipeline"));
  EXPECT_NE(pipeline.json["candidates"][0]["last_activity"]["message_id"], id);
  EXPECT_EQ(call_as(w_.olga_token, "GET", path_of("/api/messages/", id)).status, 404);
}

// The GDPR export lists every message of a person: the operator's alone. No user gets it, not even
// an admin of the contract that holds the messages (403: the role is not allowed).
TEST_F(AccessTest, GdprExport) {
  const std::string path = path_of("/api/ops/gdpr/export?member_id=", w_.ann);
  for (const auto& token : {w_.olga_token, w_.sam_token, w_.rita_token}) {
    auto r = call_as(token, "GET", path);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.body.find("hello"), std::string::npos);
  }
}

}  // namespace
}  // namespace hiresync::api::testing
