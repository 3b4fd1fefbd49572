// SqlStore's sessions and API reads on real database files: session lifetime, settings, member
// updates, projects, and which threads and messages a viewer sees.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sql/sql_store.hpp"
#include "store/testing/test_database.hpp"

namespace hiresync::store {
namespace {

namespace fs = std::filesystem;

class StoreApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hiresync-store-api-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = SqlStore::open(testing::test_database((dir_ / "test.db").string()));
    ASSERT_TRUE(s.ok()) << s.error().detail;
    store_ = std::move(*s);
    contract_ = *store_->upsert_contract("Acme", {});
    other_contract_ = *store_->upsert_contract("Other", {});
    rita_ = *store_->upsert_user({0, contract_, "rita@acme.com", "Rita", model::UserRole::kAdmin}, "h");
    sam_ = *store_->upsert_user({0, contract_, "sam@acme.com", "Sam", model::UserRole::kUser}, "h");
    olga_ = *store_->upsert_user({0, other_contract_, "olga@other.com", "Olga", model::UserRole::kUser}, "h");
    ann_ = *store_->upsert_member({0, "Ann", {"ann@example.org"}, model::Discovery::kAnyone},
                                  {"ann@example.org"});
    project_ = *store_->upsert_project(contract_, "Backend");
    ASSERT_TRUE(store_->add_candidate(project_, ann_).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // Stores a message of `owner` in a new thread (or `thread`) linked to Ann; returns {message, thread}.
  std::pair<Id, Id> add_message(Id owner, const std::string& provider_id, std::int64_t sent_at,
                                model::Visibility visibility, Id thread = 0, const std::string& rfc_id = "") {
    auto mb = store_->ensure_mailbox(owner, "import", "u" + std::to_string(owner) + "@acme.com",
                                     "u" + std::to_string(owner) + "@acme.com");
    EXPECT_TRUE(mb.ok());
    NewMessage m;
    m.mailbox_id = mb->id;
    m.owner_user_id = owner;
    m.contract_id = contract_;
    m.provider_message_id = provider_id;
    m.visibility = visibility;
    m.content.headers.subject = "Subject " + provider_id;
    m.content.headers.date = sent_at;
    m.content.headers.message_id = rfc_id;
    m.content.headers.participants = {
        {model::HeaderRole::kFrom, {"Ann", "ann@example.org"}},
        {model::HeaderRole::kTo, {"Rita", "rita@acme.com"}},
        {model::HeaderRole::kCc, {"", "cc@acme.com"}},
        {model::HeaderRole::kBcc, {"", "secret@acme.com"}},
    };
    m.participant_canonicals = {"ann@example.org", "rita@acme.com", "cc@acme.com", "secret@acme.com"};
    m.snippet = "snippet " + provider_id;
    auto id = store_->insert_message(m);
    EXPECT_TRUE(id.ok()) << id.error().detail;
    if (thread == 0)
      thread = *store_->create_thread(owner, ann_, contract_, m.content.headers.subject, sent_at);
    EXPECT_TRUE(store_->touch_thread(thread, sent_at).ok());
    EXPECT_TRUE(store_->link_candidate(*id, ann_, thread).ok());
    return {*id, thread};
  }

  fs::path dir_;
  std::unique_ptr<SqlStore> store_;
  Id contract_ = 0, other_contract_ = 0, rita_ = 0, sam_ = 0, olga_ = 0, ann_ = 0, project_ = 0;
};

TEST_F(StoreApiTest, SessionsLiveUntilTheyExpireOrAreDeleted) {
  const std::int64_t now = unix_now();
  ASSERT_TRUE(store_->create_session("digest-1", rita_, now, now + 1000).ok());
  auto u = store_->session_user("digest-1", now + 999);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->id, rita_);
  EXPECT_EQ(u->email, "rita@acme.com");
  EXPECT_EQ(u->role, model::UserRole::kAdmin);
  EXPECT_EQ(store_->session_user("digest-1", now + 1000).error().code, model::ErrorCode::kNotFound);
  EXPECT_EQ(store_->session_user("other", now).error().code, model::ErrorCode::kNotFound);
  auto again = store_->create_session("digest-1", sam_, now, now + 3000);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, model::ErrorCode::kConflict);
  // An expired session is dropped by the next create_session: its digest is free again.
  ASSERT_TRUE(store_->create_session("digest-old", sam_, now, now - 1).ok());
  ASSERT_TRUE(store_->create_session("digest-2", sam_, now, now + 10).ok());
  EXPECT_TRUE(store_->create_session("digest-old", sam_, now, now + 10).ok());
  ASSERT_TRUE(store_->delete_session("digest-1").ok());
  ASSERT_TRUE(store_->delete_session("digest-1").ok());
  EXPECT_FALSE(store_->session_user("digest-1", 0).ok());
  EXPECT_TRUE(store_->ping().ok());
}

TEST_F(StoreApiTest, ContractSettingsUsersAndMembers) {
  model::ContractSettings s{model::EmailProvider::kMicrosoft, model::Visibility::kContract, {"acme.co.uk"}};
  ASSERT_TRUE(store_->update_contract_settings(contract_, s).ok());
  auto c = store_->get_contract(contract_);
  EXPECT_EQ(c->settings.email_provider, model::EmailProvider::kMicrosoft);
  EXPECT_EQ(c->settings.inmail_default_visibility, model::Visibility::kContract);
  EXPECT_EQ(c->settings.internal_domains, std::vector<std::string>{"acme.co.uk"});
  EXPECT_EQ(store_->update_contract_settings(999, s).error().code, model::ErrorCode::kNotFound);
  EXPECT_EQ(store_->create_contract("Acme", s).error().code, model::ErrorCode::kConflict);
  auto created = store_->create_contract("New", s);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(store_->get_contract(*created)->settings.internal_domains,
            std::vector<std::string>{"acme.co.uk"});

  EXPECT_EQ(store_->get_user(sam_)->name, "Sam");
  EXPECT_EQ(store_->get_user(999).error().code, model::ErrorCode::kNotFound);

  model::Member ann{ann_, "Ann Lee", {"ann.lee@new.org", "ann@example.org"}, model::Discovery::kNobody};
  ASSERT_TRUE(store_->update_member(ann, {"ann.lee@new.org", "ann@example.org"}).ok());
  auto m = store_->get_member(ann_);
  EXPECT_EQ(m->name, "Ann Lee");
  EXPECT_EQ(m->emails, (std::vector<std::string>{"ann.lee@new.org", "ann@example.org"}));
  EXPECT_EQ(m->email_discovery, model::Discovery::kNobody);
  const Id bob = *store_->upsert_member({0, "Bob", {"bob@x.org"}, model::Discovery::kAnyone}, {"bob@x.org"});
  model::Member steal{ann_, "Ann", {"bob@x.org"}, model::Discovery::kAnyone};
  EXPECT_EQ(store_->update_member(steal, {"bob@x.org"}).error().code, model::ErrorCode::kConflict);
  EXPECT_EQ(store_->get_member(ann_)->emails.size(), 2u);  // rolled back
  steal.id = 12345;
  EXPECT_EQ(store_->update_member(steal, {"z@x.org"}).error().code, model::ErrorCode::kNotFound);

  EXPECT_EQ(*store_->contracts_of_candidate(ann_), std::vector<Id>{contract_});
  EXPECT_TRUE(*store_->is_candidate(contract_, ann_));
  EXPECT_FALSE(*store_->is_candidate(other_contract_, ann_));
  EXPECT_FALSE(*store_->is_candidate(contract_, bob));
}

TEST_F(StoreApiTest, ProjectsListWithTheirCandidates) {
  const Id empty = *store_->upsert_project(contract_, "Alpha");
  auto list = store_->list_projects(contract_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, empty);
  EXPECT_TRUE((*list)[0].member_ids.empty());
  EXPECT_EQ((*list)[1].member_ids, std::vector<Id>{ann_});
  auto p = store_->get_project(project_);
  EXPECT_EQ(p->contract_id, contract_);
  EXPECT_EQ(p->name, "Backend");
  EXPECT_EQ(store_->get_project(999).error().code, model::ErrorCode::kNotFound);
  EXPECT_TRUE(store_->list_projects(other_contract_)->empty());
}

TEST_F(StoreApiTest, OwnerSeesEverythingOthersOnlyContractVisibleMessages) {
  auto [m1, t1] = add_message(rita_, "r1", 100, model::Visibility::kPrivate);
  auto [m2, t1b] = add_message(rita_, "r2", 300, model::Visibility::kContract, t1);
  auto [m3, t2] = add_message(rita_, "r3", 200, model::Visibility::kPrivate);  // a private-only thread
  auto [m4, t3] = add_message(sam_, "s1", 250, model::Visibility::kContract);
  ASSERT_EQ(t1, t1b);

  auto rita = store_->visible_threads(rita_, contract_, ann_);
  ASSERT_TRUE(rita.ok()) << rita.error().detail;
  ASSERT_EQ(rita->size(), 3u);
  EXPECT_EQ((*rita)[0].id, t1);  // newest first: 300, 250, 200
  EXPECT_EQ((*rita)[1].id, t3);
  EXPECT_EQ((*rita)[2].id, t2);
  ASSERT_EQ((*rita)[0].messages.size(), 2u);
  EXPECT_EQ((*rita)[0].messages[0].id, m1);  // oldest first inside a thread
  EXPECT_EQ((*rita)[0].last_message_at, 300);
  EXPECT_EQ((*rita)[1].owner_name, "Sam");
  const ListedMessage& msg = (*rita)[0].messages[0];
  ASSERT_TRUE(msg.from.has_value());
  EXPECT_EQ(msg.from->email, "ann@example.org");
  ASSERT_EQ(msg.to.size(), 1u);
  EXPECT_EQ(msg.to[0].name, "Rita");
  ASSERT_EQ(msg.cc.size(), 1u);  // Bcc is not listed
  EXPECT_EQ(msg.cc[0].email, "cc@acme.com");
  EXPECT_EQ(msg.snippet, "snippet r1");
  EXPECT_EQ(msg.visibility, "private");
  EXPECT_EQ(msg.kind, "email");
  EXPECT_EQ(msg.direction, "inbound");

  auto sam = store_->visible_threads(sam_, contract_, ann_);
  ASSERT_TRUE(sam.ok());
  ASSERT_EQ(sam->size(), 2u);
  EXPECT_EQ((*sam)[0].id, t1);
  ASSERT_EQ((*sam)[0].messages.size(), 1u);
  EXPECT_EQ((*sam)[0].messages[0].id, m2);
  EXPECT_EQ((*sam)[0].subject, "Subject r2");
  EXPECT_EQ((*sam)[1].id, t3);
  (void)m3;
  (void)m4;

  // Another contract sees nothing, even asking for its own user.
  EXPECT_TRUE(store_->visible_threads(olga_, other_contract_, ann_)->empty());
}

TEST_F(StoreApiTest, ACopyTheViewerHoldsIsListedOnce) {
  auto [mine, t1] = add_message(sam_, "s1", 100, model::Visibility::kPrivate, 0, "shared@x");
  auto [theirs, t2] = add_message(rita_, "r1", 100, model::Visibility::kContract, 0, "shared@x");
  auto sam = store_->visible_threads(sam_, contract_, ann_);
  ASSERT_EQ(sam->size(), 1u);
  EXPECT_EQ((*sam)[0].id, t1);
  EXPECT_EQ((*sam)[0].messages[0].id, mine);
  (void)theirs;
  (void)t2;
}

}  // namespace
}  // namespace hiresync::store
