// SqlStore on real database files: migrations (empty and older database), upserts, threads,
// erasure. Each test uses its own temporary file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/migrations.hpp"
#include "store/sql/sql_store.hpp"
#include "store/testing/test_database.hpp"

namespace hiresync::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hiresync-store-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "test.db").string();
    db_ = testing::test_database(path_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SqlStore> open(int max_version = INT_MAX) {
    auto s = SqlStore::open(db_, max_version);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().detail);
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Seeds one contract, user, member, project; returns {user, member, contract}.
  struct Seeded {
    Id contract = 0, user = 0, member = 0, project = 0;
  };
  Seeded seed(SqlStore& s) {
    Seeded out;
    model::ContractSettings settings;
    settings.email_provider = model::EmailProvider::kGoogle;
    out.contract = *s.upsert_contract("Acme", settings);
    model::User u{0, out.contract, "rita@acme.com", "Rita", model::UserRole::kAdmin};
    out.user = *s.upsert_user(u, "hash");
    model::Member m{0, "Ann Lee", {"ann@example.org"}, model::Discovery::kAnyone};
    out.member = *s.upsert_member(m, {"ann@example.org"});
    out.project = *s.upsert_project(out.contract, "Backend");
    EXPECT_TRUE(s.add_candidate(out.project, out.member).ok());
    return out;
  }

  fs::path dir_;
  std::string path_;
  std::string db_;  // path_ on SQLite, a fresh database's URI on PostgreSQL
};

TEST_F(StoreTest, MigratesAnEmptyDatabaseToTheLatestVersion) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->schema_version(), all_migrations().back().version);
  // Reopening applies nothing twice.
  s.reset();
  auto again = open();
  EXPECT_EQ(*again->schema_version(), all_migrations().back().version);
}

TEST_F(StoreTest, UpgradesAnOlderDatabaseKeepingItsData) {
  {
    auto old = open(1);
    ASSERT_TRUE(old);
    EXPECT_EQ(*old->schema_version(), 1);
    model::ContractSettings settings;
    settings.internal_domains = {"acme.co.uk"};
    ASSERT_TRUE(old->upsert_contract("Acme", settings).ok());
    // Tables of later migrations do not exist yet.
    auto t = old->begin("probe");
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(old->suppressed_digests("address").ok());
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->schema_version(), all_migrations().back().version);
  auto c = s->get_contract(1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, "Acme");
  EXPECT_EQ(c->settings.internal_domains, std::vector<std::string>{"acme.co.uk"});
  EXPECT_TRUE(s->suppressed_digests("address").ok());
}

// 0006 moved the bodies out of `messages`: a message stored at version 5 keeps its text and HTML,
// and erasing it still removes them.
TEST_F(StoreTest, MessageBodiesSurviveTheUpgradeTo0006) {
  Seeded a;
  Id mailbox = 0;
  {
    auto old = open(5);
    ASSERT_TRUE(old);
    a = seed(*old);
    auto mb = old->ensure_mailbox(a.user, "import", "rita@acme.com", "rita@acme.com");
    ASSERT_TRUE(mb.ok());
    mailbox = mb->id;
  }
  {
    // Written as version 5 wrote it: the bodies in the message row.
    const std::string sql =
        "INSERT INTO messages(id, mailbox_id, owner_user_id, contract_id, provider_message_id, "
        "rfc_message_id,"
        " direction, subject, sent_at, text_body, html_body, snippet, created_at) VALUES (7, " +
        std::to_string(mailbox) + ", " + std::to_string(a.user) + ", " + std::to_string(a.contract) +
        ", 'mid:7@x', '7@x', 'inbound', 'Hello', 100, 'Hi Rita,\nsee you.', '<p>Hi Rita,</p>', 'Hi Rita',"
        " 100);"
        " INSERT INTO message_participants(message_id, position, role, name, email, canonical)"
        " VALUES (7, 0, 'from', 'Ann', 'ann@example.org', 'ann@example.org');";
    std::string error;
    EXPECT_TRUE(testing::exec(db_, sql, &error)) << error;
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->schema_version(), all_migrations().back().version);
  auto d = s->visible_message(a.user, a.contract, 7);
  ASSERT_TRUE(d.ok()) << d.error().detail;
  EXPECT_EQ(d->text, "Hi Rita,\nsee you.");
  EXPECT_EQ(d->html, "<p>Hi Rita,</p>");
  EXPECT_EQ(d->message.snippet, "Hi Rita");
  ASSERT_TRUE(d->message.from.has_value());
  EXPECT_EQ(d->message.from->email, "ann@example.org");

  ASSERT_TRUE(s->erase_messages_of({"ann@example.org"}, a.member).ok());
  EXPECT_EQ(testing::query(db_, "SELECT COUNT(*) FROM message_bodies"),
            (std::vector<std::vector<std::string>>{{"0"}}));
}

TEST_F(StoreTest, ForeignKeysAndWalAreOn) {
  auto s = open();
  // A candidate link to a project that does not exist violates a foreign key.
  EXPECT_FALSE(s->add_candidate(999, 999).ok());
  if (testing::use_postgres()) return;  // WAL is SQLite's journal; PostgreSQL always logs ahead
  EXPECT_EQ(testing::query(db_, "PRAGMA journal_mode"), (std::vector<std::vector<std::string>>{{"wal"}}));
}

TEST_F(StoreTest, UpsertsAreIdempotent) {
  auto s = open();
  auto a = seed(*s);
  auto b = seed(*s);
  EXPECT_EQ(a.contract, b.contract);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.member, b.member);
  EXPECT_EQ(a.project, b.project);
  EXPECT_EQ(*s->saved_member_ids(a.contract), std::vector<Id>{a.member});
  ASSERT_TRUE(s->remove_candidate(a.project, a.member).ok());
  ASSERT_TRUE(s->remove_candidate(a.project, a.member).ok());  // idempotent
  EXPECT_TRUE(s->saved_member_ids(a.contract)->empty());
}

TEST_F(StoreTest, MemberEmailsAreReplacedAndKeepTheirOrder) {
  auto s = open();
  model::Member m{0, "Ann", {"ann@example.org", "ann.lee@work.example"}, model::Discovery::kAnyone};
  const Id id = *s->upsert_member(m, {"ann@example.org", "ann.lee@work.example"});
  m.emails = {"ann.lee@work.example", "ann@new.example"};
  EXPECT_EQ(*s->upsert_member(m, {"ann.lee@work.example", "ann@new.example"}), id);
  auto got = s->get_member(id);
  EXPECT_EQ(got->emails, (std::vector<std::string>{"ann.lee@work.example", "ann@new.example"}));
  EXPECT_FALSE(s->find_member_by_canonical("ann@example.org").ok());
}

TEST_F(StoreTest, AnAddressOfTwoMembersIsAConflict) {
  auto s = open();
  model::Member a{0, "A", {"a@x.org"}, model::Discovery::kAnyone};
  model::Member b{0, "B", {"b@x.org"}, model::Discovery::kAnyone};
  ASSERT_TRUE(s->upsert_member(a, {"a@x.org"}).ok());
  ASSERT_TRUE(s->upsert_member(b, {"b@x.org"}).ok());
  model::Member both{0, "AB", {"a@x.org", "b@x.org"}, model::Discovery::kAnyone};
  auto r = s->upsert_member(both, {"a@x.org", "b@x.org"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, model::ErrorCode::kConflict);
}

TEST_F(StoreTest, AMailboxAddressIsConnectedOncePerContract) {
  auto s = open();
  auto a = seed(*s);
  model::User other{0, a.contract, "tom@acme.com", "Tom", model::UserRole::kUser};
  const Id tom = *s->upsert_user(other, "hash");
  ASSERT_TRUE(s->ensure_mailbox(a.user, "google", "shared@acme.com", "shared@acme.com").ok());
  auto r = s->ensure_mailbox(tom, "google", "shared@acme.com", "shared@acme.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, model::ErrorCode::kConflict);
  EXPECT_NE(r.error().detail.find("rita@acme.com"), std::string::npos);
}

TEST_F(StoreTest, TransactionsRollBackUnlessCommitted) {
  auto s = open();
  Id gone = 0;
  {
    auto tx = s->begin("outer");
    ASSERT_TRUE(tx.ok());
    gone = *s->upsert_contract("Gone", {});
  }
  EXPECT_FALSE(s->get_contract(gone).ok());
  Id kept = 0;
  Id inner_gone = 0;
  {
    auto outer = s->begin("outer");
    kept = *s->upsert_contract("Kept", {});
    {
      auto inner = s->begin("inner");
      inner_gone = *s->upsert_contract("InnerGone", {});
    }
    ASSERT_TRUE((*outer)->commit().ok());
  }
  auto c = s->get_contract(kept);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, "Kept");
  auto ig = s->get_contract(inner_gone);
  EXPECT_TRUE(!ig.ok() || ig->name != "InnerGone");
}

TEST_F(StoreTest, MessagesAreUniquePerMailboxAndErasable) {
  auto s = open();
  auto a = seed(*s);
  auto mb = s->ensure_mailbox(a.user, "import", "rita@acme.com", "rita@acme.com");
  ASSERT_TRUE(mb.ok());
  NewMessage m;
  m.mailbox_id = mb->id;
  m.owner_user_id = a.user;
  m.contract_id = a.contract;
  m.provider_message_id = "mid:1@x";
  m.content.headers.message_id = "1@x";
  m.content.headers.participants = {{model::HeaderRole::kFrom, {"Ann", "ann@example.org"}}};
  m.participant_canonicals = {"ann@example.org"};
  m.content.attachments = {{"cv.pdf", "application/pdf", 1234}};
  const Id id = *s->insert_message(m);
  EXPECT_EQ(s->insert_message(m).error().code, model::ErrorCode::kConflict);
  const Id thread = *s->create_thread(a.user, a.member, a.contract, "Hello", 100);
  ASSERT_TRUE(s->link_candidate(id, a.member, thread).ok());
  auto found = s->find_message(mb->id, "mid:1@x");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->member_ids, std::vector<Id>{a.member});
  {
    // The link is the candidate's pipeline activity.
    EXPECT_EQ(testing::query(db_,
                             "SELECT member_id, direction, visibility FROM pipeline_activity"
                             " WHERE message_id = " +
                                 std::to_string(id)),
              (std::vector<std::vector<std::string>>{{std::to_string(a.member), "inbound", "private"}}));
  }

  auto keys = s->erase_messages_of({"ann@example.org"}, a.member);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, std::vector<std::string>{"1@x"});
  EXPECT_FALSE(s->find_message(mb->id, "mid:1@x")->has_value());
  EXPECT_TRUE(s->threads_of(a.user, a.member)->empty());
}

TEST_F(StoreTest, MergingThreadsKeepsTheOlderIdAndMovesEverything) {
  auto s = open();
  auto a = seed(*s);
  const Id t1 = *s->create_thread(a.user, a.member, a.contract, "One", 100);
  const Id t2 = *s->create_thread(a.user, a.member, a.contract, "Two", 200);
  ASSERT_TRUE(s->add_thread_keys(t1, a.user, a.member, {"m:a"}).ok());
  ASSERT_TRUE(s->add_thread_keys(t2, a.user, a.member, {"m:b"}).ok());
  ASSERT_TRUE(s->merge_thread(t1, t2).ok());
  EXPECT_EQ(*s->threads_with_keys(a.user, a.member, {"m:a", "m:b"}), std::vector<Id>{t1});
  // Keys are scoped to (owner, member).
  EXPECT_TRUE(s->threads_with_keys(a.user, a.member + 1, {"m:a"})->empty());
}

TEST_F(StoreTest, SuppressionsHoldDigests) {
  auto s = open();
  ASSERT_TRUE(s->add_suppression("address", "abc").ok());
  ASSERT_TRUE(s->add_suppression("address", "abc").ok());
  EXPECT_TRUE(*s->is_suppressed("address", "abc"));
  EXPECT_FALSE(*s->is_suppressed("message", "abc"));
  EXPECT_EQ(*s->suppressed_digests("address"), std::vector<std::string>{"abc"});
}

TEST_F(StoreTest, PendingAuthorizationsKeepTheLatestStartAndClear) {
  auto s = open();
  const Seeded w = seed(*s);
  EXPECT_FALSE(s->pending_authorization(w.user)->has_value());
  ASSERT_TRUE(s->set_pending_authorization({w.user, "google", 100}).ok());
  ASSERT_TRUE(s->set_pending_authorization({w.user, "microsoft", 250}).ok());  // started again
  auto p = s->pending_authorization(w.user);
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->provider, "microsoft");
  EXPECT_EQ((*p)->started_at, 250);
  ASSERT_TRUE(s->clear_pending_authorization(w.user).ok());
  ASSERT_TRUE(s->clear_pending_authorization(w.user).ok());  // idempotent
  EXPECT_FALSE(s->pending_authorization(w.user)->has_value());
}

TEST_F(StoreTest, PushProblemsCountFailuresKeepTheirStartAndAreScopedByContract) {
  auto s = open();
  const Seeded w = seed(*s);
  model::ContractSettings settings;
  const Id other = *s->upsert_contract("Other", settings);
  model::User u{0, other, "olga@other.com", "Olga", model::UserRole::kAdmin};
  const Id olga = *s->upsert_user(u, "hash");
  auto mine = s->connect_mailbox(w.user, "microsoft", "rita@acme.com", "rita@acme.com", "");
  auto theirs = s->connect_mailbox(olga, "google", "olga@other.com", "olga@other.com", "");
  ASSERT_TRUE(mine.ok() && theirs.ok());
  ASSERT_TRUE(
      s->record_push_problem(mine->id, "subscription_failed", "400 ValidationError", 1000, 1060).ok());
  ASSERT_TRUE(s->record_push_problem(mine->id, "subscription_failed", "400 again", 1060, 1180).ok());
  ASSERT_TRUE(s->record_push_problem(theirs->id, "watch_failed", "403", 1100, 1160).ok());
  auto p = s->push_problem(mine->id);
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->since, 1000);  // the first failure in a row
  EXPECT_EQ((*p)->failures, 2);
  EXPECT_EQ((*p)->retry_at, 1180);
  EXPECT_EQ((*p)->detail, "400 again");
  EXPECT_EQ((*p)->contract_id, w.contract);
  EXPECT_EQ((*p)->provider, "microsoft");
  auto acme = s->push_problems(w.contract);
  ASSERT_TRUE(acme.ok());
  ASSERT_EQ(acme->size(), 1u);
  EXPECT_EQ((*acme)[0].mailbox_id, mine->id);
  EXPECT_EQ(s->push_problems(0)->size(), 2u);
  ASSERT_TRUE(s->clear_push_problem(mine->id).ok());
  EXPECT_FALSE(s->push_problem(mine->id)->has_value());
  EXPECT_EQ(s->push_problems(0)->size(), 1u);
}

TEST_F(StoreTest, AQuotaWindowIsKeptPerMailboxAndReplaced) {
  auto s = open();
  const Seeded w = seed(*s);
  auto mb = s->ensure_mailbox(w.user, "google", "rita@acme.com", "rita@acme.com");
  ASSERT_TRUE(mb.ok());
  EXPECT_EQ(*s->quota_window(mb->id), "");
  ASSERT_TRUE(s->save_quota_window(mb->id, R"({"spends":[[1000,5]]})").ok());
  ASSERT_TRUE(s->save_quota_window(mb->id, R"({"spends":[[2000,7]]})").ok());
  EXPECT_EQ(*s->quota_window(mb->id), R"({"spends":[[2000,7]]})");
  EXPECT_EQ(*s->quota_window(mb->id + 1), "");
}

}  // namespace
}  // namespace hiresync::store
