#include "sandbox/google/mailbox.hpp"

#include <gtest/gtest.h>

namespace hiresync::sandbox::google {
namespace {

std::string raw_message(int n, const std::string& in_reply_to = "") {
  std::string raw = "From: Jane <jane@example.org>\r\nTo: rita@acme.com\r\nSubject: Hello " +
                    std::to_string(n) + "\r\nMessage-ID: <m" + std::to_string(n) + "@example.org>\r\n";
  if (!in_reply_to.empty())
    raw += "In-Reply-To: <" + in_reply_to + ">\r\nReferences: <" + in_reply_to + ">\r\n";
  return raw + "\r\nBody " + std::to_string(n) + "\r\n";
}

PreparedMessage prepared(int n, std::int64_t date_ms, const std::string& folder = "inbox",
                         const std::string& in_reply_to = "") {
  auto m = prepare_message(folder, raw_message(n, in_reply_to), date_ms);
  EXPECT_TRUE(m.ok());
  return std::move(m).value();
}

std::string id_of(int n) { return "1000000000000" + std::to_string(100 + n); }

class MailboxTest : public ::testing::Test {
 protected:
  // Deliveries with history ids 100 + 7n (gaps of 7).
  void deliver(Mailbox& mb, int count, std::int64_t first_date = 1'700'000'000'000) {
    for (int i = 0; i < count; ++i) {
      mb.deliver(prepared(i, first_date + i * 1000LL), id_of(i), 100 + 7 * static_cast<std::uint64_t>(i + 1));
    }
  }
  Query all_ = std::move(Query::parse("")).value();
};

TEST_F(MailboxTest, PrepareSetsLabelsByFolder) {
  EXPECT_EQ(prepared(1, 0, "inbox").labels, (std::vector<std::string>{"INBOX", "UNREAD"}));
  EXPECT_EQ(prepared(1, 0, "sent").labels, (std::vector<std::string>{"SENT"}));
  EXPECT_EQ(prepared(1, 0, "spam").labels, (std::vector<std::string>{"SPAM", "UNREAD"}));
  EXPECT_EQ(prepared(1, 0, "trash").labels, (std::vector<std::string>{"TRASH"}));
  EXPECT_EQ(prepared(1, 0, "chat").labels, (std::vector<std::string>{"CHAT"}));
  EXPECT_EQ(prepared(1, 0, "draft").labels, (std::vector<std::string>{"DRAFT"}));
  EXPECT_FALSE(prepare_message("archive", "x", 0).ok());
  const PreparedMessage m = prepared(1, 0);
  EXPECT_EQ(m.search.from, (std::vector<std::string>{"jane@example.org"}));
  EXPECT_EQ(m.search.message_id, "m1@example.org");
  EXPECT_EQ(m.search.snippet, "Body 1");
}

TEST_F(MailboxTest, HistoryPagesInIncreasingOrderWithTokens) {
  Mailbox mb(100, 1000);
  deliver(mb, 5);
  EXPECT_EQ(mb.current_history_id(), 135u);

  auto page = mb.history(100, {}, "", 2, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[0]->id, 107u);
  EXPECT_EQ(page->records[1]->id, 114u);
  EXPECT_EQ(page->records[0]->message_id, id_of(0));
  ASSERT_FALSE(page->next_page_token.empty());

  std::vector<std::uint64_t> ids = {107, 114};
  std::string token = page->next_page_token;
  while (!token.empty()) {
    auto next = mb.history(100, {}, "", 2, token);
    ASSERT_TRUE(next.ok());
    for (const HistoryRecord* r : next->records) ids.push_back(r->id);
    token = next->next_page_token;
  }
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{107, 114, 121, 128, 135}));

  // A start between two records (ids have gaps) returns the records after it.
  auto mid = mb.history(120, {}, "", 100, "");
  ASSERT_TRUE(mid.ok());
  ASSERT_EQ(mid->records.size(), 3u);
  EXPECT_EQ(mid->records[0]->id, 121u);
  EXPECT_TRUE(mid->next_page_token.empty());

  // Exactly max_results remaining: no token on the last page.
  auto exact = mb.history(121, {}, "", 2, "");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->records.size(), 2u);
  EXPECT_TRUE(exact->next_page_token.empty());

  auto current = mb.history(135, {}, "", 100, "");
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(current->records.empty());
}

TEST_F(MailboxTest, HistoryFiltersByTypeAndLabel) {
  Mailbox mb(100, 1000);
  deliver(mb, 2);
  mb.deliver(prepared(9, 1'800'000'000'000, "sent"), id_of(9), 500);
  auto sent = mb.history(100, {}, "SENT", 100, "");
  ASSERT_TRUE(sent.ok());
  ASSERT_EQ(sent->records.size(), 1u);
  EXPECT_EQ(sent->records[0]->id, 500u);
  auto deleted_only = mb.history(100, {HistoryType::kMessageDeleted}, "", 100, "");
  ASSERT_TRUE(deleted_only.ok());
  EXPECT_TRUE(deleted_only->records.empty());
  auto added = mb.history(100, {HistoryType::kMessageAdded}, "", 100, "");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->records.size(), 3u);
}

TEST_F(MailboxTest, RetentionMakesOlderStartsInvalid) {
  Mailbox mb(100, 3);
  deliver(mb, 5);  // records 107 114 121 128 135; 107 and 114 are dropped
  auto old = mb.history(100, {}, "", 100, "");
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, model::ErrorCode::kCursorInvalid);
  EXPECT_FALSE(mb.history(113, {}, "", 100, "").ok());
  auto edge = mb.history(114, {}, "", 100, "");  // nothing after 114 was dropped
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->records.size(), 3u);
}

TEST_F(MailboxTest, ExpireHistoryInvalidatesEveryEarlierStart) {
  Mailbox mb(100, 1000);
  deliver(mb, 3);
  mb.expire_history();
  EXPECT_FALSE(mb.history(100, {}, "", 100, "").ok());
  EXPECT_FALSE(mb.history(120, {}, "", 100, "").ok());
  auto current = mb.history(mb.current_history_id(), {}, "", 100, "");
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(current->records.empty());
  mb.deliver(prepared(7, 0), id_of(7), 200);
  auto after = mb.history(121, {}, "", 100, "");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->records.size(), 1u);
  EXPECT_EQ(after->records[0]->id, 200u);
}

TEST_F(MailboxTest, ListIsNewestFirstAndPages) {
  Mailbox mb(100, 1000);
  deliver(mb, 5);
  auto first = mb.list(all_, {}, 2, "");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->result_size_estimate, 5u);
  ASSERT_EQ(first->messages.size(), 2u);
  EXPECT_EQ(first->messages[0]->id, id_of(4));
  EXPECT_EQ(first->messages[1]->id, id_of(3));
  auto second = mb.list(all_, {}, 2, first->next_page_token);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->messages[0]->id, id_of(2));
  auto last = mb.list(all_, {}, 2, second->next_page_token);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->messages.size(), 1u);
  EXPECT_EQ(last->messages[0]->id, id_of(0));
  EXPECT_TRUE(last->next_page_token.empty());
  EXPECT_FALSE(mb.list(all_, {}, 2, "bogus").ok());

  auto q = Query::parse("rfc822msgid:<m3@example.org>");
  ASSERT_TRUE(q.ok());
  auto one = mb.list(*q, {}, 100, "");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->messages.size(), 1u);
  EXPECT_EQ(one->messages[0]->id, id_of(3));
  EXPECT_TRUE(mb.list(all_, {"SENT"}, 100, "")->messages.empty());
  EXPECT_EQ(mb.list(all_, {"INBOX", "UNREAD"}, 100, "")->messages.size(), 5u);
}

TEST_F(MailboxTest, RemovedMessagesLeaveGetAndListAndAreRecorded) {
  Mailbox mb(100, 1000);
  deliver(mb, 2);
  ASSERT_TRUE(mb.remove(id_of(0), 300).ok());
  EXPECT_EQ(mb.find(id_of(0)), nullptr);
  EXPECT_EQ(mb.remove(id_of(0), 301).error().code, model::ErrorCode::kNotFound);
  auto listed = mb.list(all_, {}, 100, "");
  ASSERT_EQ(listed->messages.size(), 1u);
  EXPECT_EQ(listed->messages[0]->id, id_of(1));
  auto deleted = mb.history(100, {HistoryType::kMessageDeleted}, "", 100, "");
  ASSERT_EQ(deleted->records.size(), 1u);
  EXPECT_EQ(deleted->records[0]->id, 300u);
  EXPECT_EQ(deleted->records[0]->message_id, id_of(0));
  EXPECT_EQ(mb.current_history_id(), 300u);
}

TEST_F(MailboxTest, LabelChangesAreRecordedAndSpamTrashLeaveTheDefaultList) {
  Mailbox mb(100, 1000);
  deliver(mb, 2);
  auto used = mb.modify(id_of(0), {"TRASH"}, {"INBOX"}, 300, 310);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, (std::vector<std::uint64_t>{300, 310}));
  EXPECT_EQ(mb.find(id_of(0))->content.labels, (std::vector<std::string>{"UNREAD", "TRASH"}));
  auto added = mb.history(107 + 7, {HistoryType::kLabelAdded}, "", 100, "");
  ASSERT_EQ(added->records.size(), 1u);
  EXPECT_EQ(added->records[0]->changed_labels, (std::vector<std::string>{"TRASH"}));
  auto removed = mb.history(107 + 7, {HistoryType::kLabelRemoved}, "", 100, "");
  ASSERT_EQ(removed->records.size(), 1u);
  EXPECT_EQ(removed->records[0]->changed_labels, (std::vector<std::string>{"INBOX"}));
  EXPECT_TRUE(mb.modify(id_of(0), {"TRASH"}, {}, 320, 330)->empty());  // no change, no record
  EXPECT_FALSE(mb.modify("nope", {"TRASH"}, {}, 340, 350).ok());

  mb.deliver(prepared(5, 1, "spam"), id_of(5), 400);
  mb.deliver(prepared(6, 2, "draft"), id_of(6), 410);
  auto visible = mb.list(all_, {}, 100, "");
  ASSERT_EQ(visible->messages.size(), 2u);  // the draft and message 1; not spam, not trash
  EXPECT_EQ(mb.list(all_, {}, 100, "", true)->messages.size(), 4u);
  auto drafts = Query::parse("in:drafts");
  ASSERT_TRUE(drafts.ok());
  ASSERT_EQ(mb.list(*drafts, {}, 100, "")->messages.size(), 1u);
  EXPECT_EQ(mb.list(*drafts, {}, 100, "")->messages[0]->id, id_of(6));
}

TEST_F(MailboxTest, RepliesJoinTheThreadOfTheirParent) {
  Mailbox mb(100, 1000);
  const std::string first = mb.deliver(prepared(1, 0), id_of(1), 101).thread_id;
  EXPECT_EQ(first, id_of(1));
  EXPECT_EQ(mb.deliver(prepared(2, 1, "sent", "m1@example.org"), id_of(2), 102).thread_id, first);
  EXPECT_EQ(mb.deliver(prepared(3, 2, "inbox", "m2@example.org"), id_of(3), 103).thread_id, first);
  EXPECT_EQ(mb.deliver(prepared(4, 3, "inbox", "unknown@example.org"), id_of(4), 104).thread_id, id_of(4));
  EXPECT_EQ(mb.thread_count(), 2u);
  // A replaced or sent draft names its thread.
  EXPECT_EQ(mb.deliver(prepared(5, 4, "draft"), id_of(5), 105, first).thread_id, first);
}

}  // namespace
}  // namespace hiresync::sandbox::google
