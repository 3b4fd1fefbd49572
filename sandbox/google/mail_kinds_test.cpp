// Drafts, spam, trash and chat over HTTP: how the sandbox writes them into Gmail's history and
// labels, as the sync engine must skip them (docs/sync.md "Drafts, spam, trash, chat").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sandbox/google/http_test_support.hpp"

namespace hiresync::sandbox::google {
namespace {

using nlohmann::json;
using test_support::SandboxBatchTest;

TEST_F(SandboxBatchTest, DraftsSpamTrashAndChatWriteGmailsHistory) {
  account_with(0);
  const std::string raw = "From: rita@acme.com\r\nTo: ann@c.example\r\nSubject: Hi\r\n\r\nDraft\r\n";
  const json first = json::parse(control("/control/accounts/rita@acme.com/drafts", {{"raw", raw}}).body);
  const std::string start = first["history_id"];
  const json second = json::parse(
      control("/control/accounts/rita@acme.com/drafts", {{"raw", raw}, {"draft_id", first["draft_id"]}})
          .body);
  EXPECT_EQ(second["draft_id"], first["draft_id"]);
  EXPECT_NE(second["id"], first["id"]);
  EXPECT_EQ(second["thread_id"], first["thread_id"]);
  EXPECT_EQ(api("messages/" + first["id"].get<std::string>(), token_).status, 404);
  const json sent = json::parse(
      control("/control/accounts/rita@acme.com/drafts/" + first["draft_id"].get<std::string>() + "/send",
              json::object())
          .body);
  EXPECT_NE(sent["id"], second["id"]);
  const json message =
      json::parse(api("messages/" + sent["id"].get<std::string>() + "?format=minimal", token_).body);
  EXPECT_EQ(message["labelIds"], json::array({"SENT"}));
  EXPECT_EQ(message["threadId"], first["thread_id"]);

  const json spam = json::parse(
      control("/control/accounts/rita@acme.com/messages", {{"raw", raw}, {"folder", "spam"}}).body);
  const json inbox = json::parse(control("/control/accounts/rita@acme.com/messages", {{"raw", raw}}).body);
  const json trashed = json::parse(
      control("/control/accounts/rita@acme.com/messages/" + inbox["id"].get<std::string>() + "/trash",
              json::object())
          .body);
  EXPECT_EQ(trashed["labelIds"], json::array({"UNREAD", "TRASH"}));

  // history: messageDeleted + messageAdded per autosave and for the send; labelAdded for the trash.
  const json history = json::parse(api("history?startHistoryId=" + start, token_).body);
  std::vector<std::string> kinds;
  for (const json& record : history["history"]) {
    for (const char* kind : {"messagesAdded", "messagesDeleted", "labelsAdded", "labelsRemoved"}) {
      if (record.contains(kind)) kinds.emplace_back(kind);
    }
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"messagesDeleted", "messagesAdded", "messagesDeleted", "messagesAdded",
                                      "messagesAdded", "messagesAdded", "labelsAdded", "labelsRemoved"}));
  const json only_added =
      json::parse(api("history?historyTypes=labelAdded&startHistoryId=" + start, token_).body);
  ASSERT_EQ(only_added["history"].size(), 1u);
  EXPECT_EQ(only_added["history"][0]["labelsAdded"][0]["labelIds"], json::array({"TRASH"}));

  // messages.list leaves spam and trash out unless includeSpamTrash=true.
  const json listed = json::parse(api("messages", token_).body);
  ASSERT_EQ(listed["messages"].size(), 1u);  // the sent message
  EXPECT_EQ(listed["messages"][0]["id"], sent["id"]);
  EXPECT_EQ(json::parse(api("messages?includeSpamTrash=true", token_).body)["messages"].size(), 3u);
  EXPECT_EQ(spam.contains("id"), true);
}

}  // namespace
}  // namespace hiresync::sandbox::google
