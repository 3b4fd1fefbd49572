// Ingest against a real SQLite file, real MIME parsing and the real rules.
#include "ingest/ingest.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/crypto.hpp"
#include "ingest/threading.hpp"
#include "mime/mime.hpp"
#include "store/sql/sql_store.hpp"

namespace hiresync::ingest {
namespace {

namespace fs = std::filesystem;
using model::Id;

// Hands over a raw message and counts how often the full content was asked for.
class CountingSource final : public MessageSource {
 public:
  explicit CountingSource(std::string raw) : raw_(std::move(raw)) {}
  model::Result<std::string> fetch_raw() override {
    ++fetches;
    if (fail) return model::make_error(model::ErrorCode::kTransient, "provider timed out");
    return raw_;
  }
  int fetches = 0;
  bool fail = false;

 private:
  std::string raw_;
};

std::string mail(const std::string& from, const std::string& to, const std::string& id,
                 const std::string& extra_headers = "", const std::string& subject = "Hello") {
  return "From: " + from + "\nTo: " + to + "\nSubject: " + subject + "\nMessage-ID: <" + id +
         ">\nDate: Mon, 02 Nov 2026 09:15:00 +0000\n" + extra_headers + "\nBody of " + id + "\n";
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hiresync-ingest-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = std::move(*store::SqlStore::open((dir_ / "t.db").string()));
    model::ContractSettings settings;
    settings.email_provider = model::EmailProvider::kGoogle;
    contract_ = *store_->upsert_contract("Acme", settings);
    owner_ = *store_->upsert_user({0, contract_, "rita@acme.com", "Rita", model::UserRole::kAdmin}, "h");
    ann_ = add_member("Ann", "ann@example.org");
    bob_ = add_member("Bob", "bob@example.net");
    const Id project = *store_->upsert_project(contract_, "Backend");
    EXPECT_TRUE(store_->set_project_candidates(project, {ann_, bob_}).ok());
    index_.set_saved(ann_, true);
    index_.set_saved(bob_, true);
    mailbox_ = store_->ensure_mailbox(owner_, "import", "rita@acme.com", "rita@acme.com")->id;
    scope_.mailbox_id = mailbox_;
    scope_.owner_user_id = owner_;
    scope_.contract_id = contract_;
    scope_.match.sync_enabled = true;
    scope_.match.owner_address = "rita@acme.com";
    ingestor_ = std::make_unique<Ingestor>(*store_, index_, scope_);
  }
  void TearDown() override {
    ingestor_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  Id add_member(const std::string& name, const std::string& email) {
    model::Member m{0, name, {email}, model::Discovery::kAnyone};
    m.id = *store_->upsert_member(m, {email});
    index_.upsert_member(m);
    return m.id;
  }

  // `hint`: the provider thread id is a conversation hint (Graph's conversationId).
  IngestResult run(const std::string& raw, const std::string& provider_thread = "", bool hint = false) {
    auto headers = mime::parse_headers(raw);
    EXPECT_TRUE(headers.ok());
    IncomingMessage in;
    in.provider_message_id = "mid:" + headers->message_id;
    in.provider_thread_id = provider_thread;
    in.provider_thread_is_hint = hint;
    in.headers = *headers;
    CountingSource source(raw);
    auto r = ingestor_->ingest(in, source);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    last_fetches_ = source.fetches;
    return r.ok() ? *r : IngestResult{};
  }

  Id thread_of(Id member, const std::string& message_id) {
    const auto threads = *store_->threads_of(owner_, member);
    for (const auto& t : threads) {
      auto found = store_->find_message(mailbox_, "mid:" + message_id);
      const auto ids = *store_->thread_message_ids(t.id);
      for (Id m : ids) {
        if (found.ok() && *found && (*found)->message_id == m) return t.id;
      }
    }
    return 0;
  }

  fs::path dir_;
  std::unique_ptr<store::SqlStore> store_;
  match::CandidateIndex index_;
  MailboxScope scope_;
  std::unique_ptr<Ingestor> ingestor_;
  Id contract_ = 0, owner_ = 0, ann_ = 0, bob_ = 0, mailbox_ = 0;
  int last_fetches_ = 0;
};

TEST_F(IngestTest, AMatchedMessageIsStoredPrivateLinkedAndThreaded) {
  auto r = run(mail("Ann <ann@example.org>", "rita@acme.com", "a1@x"));
  EXPECT_EQ(r.outcome, Outcome::kSynced);
  EXPECT_EQ(r.member_ids, std::vector<Id>{ann_});
  EXPECT_EQ(last_fetches_, 1);
  EXPECT_EQ(*store_->count_messages(mailbox_), 1);
  auto threads = *store_->threads_of(owner_, ann_);
  ASSERT_EQ(threads.size(), 1U);
  EXPECT_EQ(threads[0].subject, "Hello");
  EXPECT_EQ(threads[0].message_count, 1);
  EXPECT_EQ(ingestor_->pending_counts().synced, 1);
}

TEST_F(IngestTest, AnUnmatchedMessageIsNeverFetchedNorStored) {
  auto r = run(mail("news@vendor.example", "rita@acme.com", "n1@x"));
  EXPECT_EQ(r.outcome, Outcome::kSkipped);
  EXPECT_EQ(r.reason, model::Reason::kNoProfile);
  EXPECT_EQ(last_fetches_, 0);
  EXPECT_EQ(*store_->count_messages(mailbox_), 0);
  EXPECT_EQ(ingestor_->pending_counts().skipped.at("no_profile"), 1);
}

TEST_F(IngestTest, TheSameMessageAgainIsADuplicateAndChangesNothing) {
  const auto raw = mail("ann@example.org", "rita@acme.com", "d1@x");
  EXPECT_EQ(run(raw).outcome, Outcome::kSynced);
  auto again = run(raw);
  EXPECT_EQ(again.outcome, Outcome::kDuplicate);
  EXPECT_EQ(again.member_ids, std::vector<Id>{ann_});
  EXPECT_EQ(last_fetches_, 0);
  EXPECT_EQ(*store_->count_messages(mailbox_), 1);
  EXPECT_EQ(store_->threads_of(owner_, ann_)->at(0).message_count, 1);
}

TEST_F(IngestTest, AFailedFetchWritesNothingAndIsReturned) {
  const auto raw = mail("ann@example.org", "rita@acme.com", "f1@x");
  IncomingMessage in;
  in.provider_message_id = "mid:f1@x";
  in.headers = *mime::parse_headers(raw);
  CountingSource source(raw);
  source.fail = true;
  auto r = ingestor_->ingest(in, source);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, model::ErrorCode::kTransient);
  EXPECT_EQ(*store_->count_messages(mailbox_), 0);
  EXPECT_EQ(ingestor_->pending_counts().seen, 0);  // not counted: the caller retries it
}

TEST_F(IngestTest, OutboundMailIsRecognisedAndBothCandidatesGetTheirOwnThread) {
  auto r = run(mail("rita@acme.com", "ann@example.org, bob@example.net", "two@x"));
  EXPECT_EQ(r.outcome, Outcome::kSynced);
  EXPECT_EQ(r.member_ids, (std::vector<Id>{ann_, bob_}));
  const Id ta = thread_of(ann_, "two@x");
  const Id tb = thread_of(bob_, "two@x");
  EXPECT_NE(ta, 0);
  EXPECT_NE(tb, 0);
  EXPECT_NE(ta, tb);
}

TEST_F(IngestTest, AReplyArrivingBeforeItsParentIsJoinedByTheParent) {
  run(mail("ann@example.org", "rita@acme.com", "reply@x",
           "In-Reply-To: <parent@x>\nReferences: <parent@x>\n"));
  run(mail("rita@acme.com", "ann@example.org", "parent@x"));
  EXPECT_EQ(store_->threads_of(owner_, ann_)->size(), 1U);
  EXPECT_EQ(thread_of(ann_, "reply@x"), thread_of(ann_, "parent@x"));
}

TEST_F(IngestTest, SiblingsOfAMissingParentShareAThreadAndUnrelatedMailDoesNot) {
  run(mail("ann@example.org", "rita@acme.com", "s1@x", "References: <missing@x>\n"));
  run(mail("ann@example.org", "rita@acme.com", "s2@x", "In-Reply-To: <missing@x>\n"));
  run(mail("ann@example.org", "rita@acme.com", "other@x"));
  EXPECT_EQ(thread_of(ann_, "s1@x"), thread_of(ann_, "s2@x"));
  EXPECT_NE(thread_of(ann_, "s1@x"), thread_of(ann_, "other@x"));
  EXPECT_EQ(store_->threads_of(owner_, ann_)->size(), 2U);
}

TEST_F(IngestTest, AParentBridgingTwoThreadsMergesThemIntoTheOlder) {
  run(mail("ann@example.org", "rita@acme.com", "c1@x", "In-Reply-To: <root@x>\n"));
  const Id first = thread_of(ann_, "c1@x");
  // c2 references only c1's sibling chain through a different id, so it starts its own thread.
  run(mail("ann@example.org", "rita@acme.com", "c2@x", "In-Reply-To: <mid@x>\n"));
  ASSERT_NE(thread_of(ann_, "c2@x"), first);
  // "mid" replies to "root": it carries both keys and joins the two threads.
  run(mail("rita@acme.com", "ann@example.org", "mid@x", "In-Reply-To: <root@x>\nReferences: <root@x>\n"));
  EXPECT_EQ(thread_of(ann_, "c1@x"), first);
  EXPECT_EQ(thread_of(ann_, "c2@x"), first);
  EXPECT_EQ(thread_of(ann_, "mid@x"), first);
  EXPECT_EQ(store_->threads_of(owner_, ann_)->size(), 1U);
}

TEST_F(IngestTest, SelfReferencesAndLoopsAreHarmless) {
  run(mail("ann@example.org", "rita@acme.com", "loopA@x", "References: <loopB@x> <loopA@x>\n"));
  run(mail("ann@example.org", "rita@acme.com", "loopB@x", "References: <loopA@x> <loopB@x>\n"));
  EXPECT_EQ(thread_of(ann_, "loopA@x"), thread_of(ann_, "loopB@x"));
  EXPECT_EQ(store_->threads_of(owner_, ann_)->size(), 1U);
  const auto keys = thread_keys(
      *mime::parse_headers(mail("a@x.org", "b@x.org", "self@x", "References: <self@x>\n")), "", false, "p");
  EXPECT_EQ(keys.keys, std::vector<std::string>{"m:self@x"});
}

TEST_F(IngestTest, AProviderThreadIdWinsOverHeaders) {
  run(mail("ann@example.org", "rita@acme.com", "p1@x"), "T-1");
  run(mail("ann@example.org", "rita@acme.com", "p2@x"), "T-1");
  run(mail("ann@example.org", "rita@acme.com", "p3@x", "In-Reply-To: <p1@x>\n"), "T-2");
  EXPECT_EQ(thread_of(ann_, "p1@x"), thread_of(ann_, "p2@x"));
  EXPECT_NE(thread_of(ann_, "p1@x"), thread_of(ann_, "p3@x"));
}

TEST(BaseSubject, StripsReplyAndForwardPrefixes) {
  EXPECT_EQ(base_subject("Backend role"), "backend role");
  EXPECT_EQ(base_subject("RE: Backend role"), "backend role");
  EXPECT_EQ(base_subject("Re: FW:  Fwd:Backend   role "), "backend role");
  EXPECT_EQ(base_subject("AW: WG: SV: Antw: Re[2]: Backend role"), "backend role");
  EXPECT_EQ(base_subject("Regarding: Backend role"), "regarding: backend role");
  EXPECT_EQ(base_subject("Re:"), "");
}

// Outlook's Sent Items copy of a reply: a Message-ID, no In-Reply-To/References; Graph's
// conversationId ("C-1") is the hint that ties it to the candidate's mail.
TEST_F(IngestTest, AReplyWithoutReferencesJoinsItsConversationWhenTheSubjectAgrees) {
  run(mail("ann@example.org", "rita@acme.com", "ask@x", "", "Backend role"), "C-1", true);
  run(mail("rita@acme.com", "ann@example.org", "answer@x", "", "RE: Backend role"), "C-1", true);
  EXPECT_EQ(thread_of(ann_, "ask@x"), thread_of(ann_, "answer@x"));
  // Same conversationId, another subject: Exchange's grouping is not trusted alone.
  run(mail("ann@example.org", "rita@acme.com", "other@x", "", "Frontend role"), "C-1", true);
  EXPECT_NE(thread_of(ann_, "other@x"), thread_of(ann_, "ask@x"));
  EXPECT_EQ(store_->threads_of(owner_, ann_)->size(), 2U);
}

TEST_F(IngestTest, TheConversationHintWorksWhicheverArrivesFirst) {
  // A backfill reads newest first: the reply before the mail it answers.
  run(mail("rita@acme.com", "ann@example.org", "answer@x", "", "RE: Backend role"), "C-1", true);
  run(mail("ann@example.org", "rita@acme.com", "ask@x", "", "Backend role"), "C-1", true);
  EXPECT_EQ(thread_of(ann_, "ask@x"), thread_of(ann_, "answer@x"));
  EXPECT_EQ(store_->threads_of(owner_, ann_)->size(), 1U);
}

TEST_F(IngestTest, AMessageWithReferencesThreadsByThemNotByItsConversation) {
  run(mail("ann@example.org", "rita@acme.com", "r1@x", "", "Backend role"), "C-1", true);
  run(mail("ann@example.org", "rita@acme.com", "r2@x", "", "Lunch"), "C-2", true);
  // Exchange put this reply to r2 into C-1 (same subject as r1): the references win.
  run(mail("rita@acme.com", "ann@example.org", "r3@x", "In-Reply-To: <r2@x>\n", "Backend role"), "C-1", true);
  EXPECT_EQ(thread_of(ann_, "r3@x"), thread_of(ann_, "r2@x"));
  EXPECT_NE(thread_of(ann_, "r3@x"), thread_of(ann_, "r1@x"));
  // A hint is recorded either way: a later headerless reply in C-2 finds r2's thread.
  run(mail("rita@acme.com", "ann@example.org", "r4@x", "", "Re: Lunch"), "C-2", true);
  EXPECT_EQ(thread_of(ann_, "r4@x"), thread_of(ann_, "r2@x"));
}

TEST_F(IngestTest, AnErasedMessageIsSkippedAsErased) {
  index_.suppress_message_digest(crypto::digest_hex("gone@x"));
  auto r = run(mail("ann@example.org", "rita@acme.com", "gone@x"));
  EXPECT_EQ(r.outcome, Outcome::kSkipped);
  EXPECT_EQ(r.reason, model::Reason::kErased);
  EXPECT_EQ(last_fetches_, 0);
  EXPECT_EQ(*store_->count_messages(mailbox_), 0);
}

TEST_F(IngestTest, CountsAreFlushedToTheMailbox) {
  run(mail("ann@example.org", "rita@acme.com", "k1@x"));
  run(mail("x@vendor.example", "rita@acme.com", "k2@x"));
  ASSERT_TRUE(ingestor_->flush_counts().ok());
  auto counts = *store_->mailbox_counts(mailbox_);
  EXPECT_EQ(counts.seen, 2);
  EXPECT_EQ(counts.synced, 1);
  EXPECT_EQ(counts.skipped.at("no_profile"), 1);
  EXPECT_EQ(ingestor_->pending_counts().seen, 0);
}

TEST(SnippetTest, CollapsesWhitespaceAndCutsOnACharacterBoundary) {
  model::ParsedMessage m;
  m.text = "Hello\n\n   world";
  EXPECT_EQ(make_snippet(m), "Hello world");
  m.text = std::string(199, 'a') + "é and more";
  const auto s = make_snippet(m);
  EXPECT_EQ(s, std::string(199, 'a') + "…");
  m.text.clear();
  m.html = "<p>Hi <b>there</b></p>";
  EXPECT_EQ(make_snippet(m), "Hi there");
}

}  // namespace
}  // namespace hiresync::ingest
