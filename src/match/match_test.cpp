// Tests for src/match: canonical addresses, the candidate index, and the matching rules of
// shared/DESIGN.md. Each "Rule*" test fails when that rule's code is removed from rules.cpp.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "match/candidate_index.hpp"
#include "match/canonical.hpp"
#include "match/rules.hpp"

namespace hiresync::match {
namespace {

using model::Discovery;
using model::HeaderRole;
using model::Id;
using model::Reason;

std::string canon(std::string_view address) {
  auto r = canonical_address(address);
  return r.ok() ? r.value() : "<malformed>";
}

// ---- canonical_address ----------------------------------------------------------------------------

TEST(CandidateIndexSuppression, ErasedMessagesAreKnownByTheDigestOfTheirKey) {
  CandidateIndex index;
  EXPECT_FALSE(index.is_message_suppressed("a@x.org"));
  index.suppress_message_digest(crypto::digest_hex("a@x.org"));
  EXPECT_TRUE(index.is_message_suppressed("a@x.org"));
  EXPECT_FALSE(index.is_message_suppressed("b@x.org"));
  // Addresses and messages are separate: an erased message id is not an erased address.
  EXPECT_FALSE(index.is_suppressed("a@x.org"));
}

TEST(CanonicalAddress, TrimsAndLowercases) {
  EXPECT_EQ(canon("  <Bob.Smith@Example.COM>\t"), "bob.smith@example.com");
  EXPECT_EQ(canon("bob@example.com."), "bob@example.com");
}

TEST(CanonicalAddress, SplitsAtLastAt) { EXPECT_EQ(canon("\"a@b\"@Example.com"), "\"a@b\"@example.com"); }

TEST(CanonicalAddress, IdnDomainUnicodeAndPunycodeAgree) {
  EXPECT_EQ(canon("info@bücher.de"), "info@xn--bcher-kva.de");
  EXPECT_EQ(canon("info@BÜCHER.de"), "info@xn--bcher-kva.de");
  EXPECT_EQ(canon("info@XN--BCHER-KVA.DE"), "info@xn--bcher-kva.de");
  EXPECT_EQ(canon("x@faß.de"), "x@xn--fa-hia.de");  // non-transitional: ß is kept
  EXPECT_EQ(canon("x@😀.com"), "x@xn--e28h.com");    // only the transitional rules accept it
}

TEST(CanonicalAddress, NonAsciiLocalPartKeptAsUtf8) {
  EXPECT_EQ(canon("Jörg.M@Example.com"), "jörg.m@example.com");
  EXPECT_EQ(canon("ÄNNE@example.com"), "Änne@example.com");
}

TEST(CanonicalAddress, GmailIgnoresDotsAndTag) {
  EXPECT_EQ(canon("Bob.Smith+jobs@gmail.com"), "bobsmith@gmail.com");
  EXPECT_EQ(canon("b.o.b.smith@googlemail.com"), "bobsmith@gmail.com");
  EXPECT_EQ(canon("bobsmith+a+b@GoogleMail.com."), "bobsmith@gmail.com");
}

TEST(CanonicalAddress, TagKeptOutsideGmail) {
  EXPECT_EQ(canon("bob.smith+jobs@outlook.com"), "bob.smith+jobs@outlook.com");
  EXPECT_EQ(canon("bob+x@acme.com"), "bob+x@acme.com");
}

TEST(CanonicalAddress, MalformedInputs) {
  for (const char* bad : {"", "   ", "bob", "bob@", "@example.com", "<>", "bob@.", "bob@a..b", "bob@a b.com",
                          "bob@xn--zz.de.x\xff", "bob@-bücher.de", "+tag@gmail.com", "...@gmail.com"}) {
    auto r = canonical_address(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().code, model::ErrorCode::kMalformedInput);
  }
}

TEST(CanonicalAddress, IsIdempotent) {
  for (const char* a : {"Bob.Smith+x@GoogleMail.com", "info@bücher.de", "Jörg@Example.com."}) {
    EXPECT_EQ(canon(canon(a)), canon(a)) << a;
  }
}

TEST(CanonicalDomain, MatchesDomainOfCanonicalAddress) {
  EXPECT_EQ(canonical_domain(" Bücher.DE. ").value(), "xn--bcher-kva.de");
  EXPECT_EQ(canonical_domain("googlemail.com").value(), "gmail.com");
  EXPECT_EQ(domain_of(canon("a@googlemail.com")), canonical_domain("googlemail.com").value());
  EXPECT_FALSE(canonical_domain("").ok());
  EXPECT_EQ(domain_of("no-at-sign"), "");
}

TEST(PublicWebmail, KnownDomains) {
  for (const char* d : {"gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.com", "icloud.com", "proton.me",
                        "web.de", "fastmail.com", "aol.com", "ymail.com"}) {
    EXPECT_TRUE(is_public_webmail_domain(d)) << d;
  }
  for (const char* d : {"acme.com", "mail.acme.com", "gmail.co", ""})
    EXPECT_FALSE(is_public_webmail_domain(d)) << d;
}

// ---- CandidateIndex -------------------------------------------------------------------------------

model::Member member(Id id, std::vector<std::string> emails, Discovery discovery = Discovery::kAnyone) {
  model::Member m;
  m.id = id;
  m.name = "member " + std::to_string(id);
  m.emails = std::move(emails);
  m.email_discovery = discovery;
  return m;
}

TEST(CandidateIndex, UpsertCanonicalizesAndKeepsFirstEmailAsWritten) {
  CandidateIndex index;
  index.upsert_member(member(7, {"Bob.Smith+cv@GMail.com", "not an address", "bob@Acme.com"}));
  const IndexedMember* found = index.find("bobsmith@gmail.com");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->id, 7);
  EXPECT_EQ(found->first_email, "Bob.Smith+cv@GMail.com");
  EXPECT_EQ(index.find("bob@acme.com"), found);
  EXPECT_EQ(index.member_count(), 1u);
}

TEST(CandidateIndex, ReUpsertReplacesAddresses) {
  CandidateIndex index;
  index.upsert_member(member(1, {"old@acme.com", "kept@acme.com"}));
  index.upsert_member(member(1, {"kept@acme.com", "new@acme.com"}, Discovery::kNobody));
  EXPECT_EQ(index.find("old@acme.com"), nullptr);
  ASSERT_NE(index.find("new@acme.com"), nullptr);
  ASSERT_NE(index.find("kept@acme.com"), nullptr);
  EXPECT_EQ(index.find("kept@acme.com")->discovery, Discovery::kNobody);
}

TEST(CandidateIndex, SavedFlagIndependentOfOrder) {
  CandidateIndex index;
  index.set_saved(3, true);  // before the member is known
  index.upsert_member(member(3, {"c@x.org"}));
  EXPECT_TRUE(index.find("c@x.org")->saved);
  index.upsert_member(member(3, {"c@x.org"}));  // re-upsert keeps it
  EXPECT_TRUE(index.find("c@x.org")->saved);
  index.set_saved(3, false);
  EXPECT_FALSE(index.find("c@x.org")->saved);
}

TEST(CandidateIndex, RemoveForgetsAddresses) {
  CandidateIndex index;
  index.upsert_member(member(1, {"a@x.org"}));
  index.remove_member(1);
  index.remove_member(1);
  EXPECT_EQ(index.find("a@x.org"), nullptr);
  EXPECT_EQ(index.member_count(), 0u);
}

TEST(CandidateIndex, SharedAddressOwnedByLowestIdWhateverTheOrder) {
  CandidateIndex index;
  index.upsert_member(member(9, {"shared@x.org"}));
  index.upsert_member(member(4, {"shared@x.org"}));
  index.upsert_member(member(6, {"Shared@X.org"}));
  EXPECT_EQ(index.find("shared@x.org")->id, 4);
  index.remove_member(4);
  EXPECT_EQ(index.find("shared@x.org")->id, 6);
  index.upsert_member(member(6, {"other@x.org"}));
  EXPECT_EQ(index.find("shared@x.org")->id, 9);
  index.remove_member(9);
  EXPECT_EQ(index.find("shared@x.org"), nullptr);
}

TEST(CandidateIndex, SuppressionIsCanonical) {
  CandidateIndex index;
  index.suppress_address("B.ob+x@GoogleMail.com");
  index.suppress_address("bob@gmail.com");
  EXPECT_TRUE(index.is_suppressed("bob@gmail.com"));
  EXPECT_FALSE(index.is_suppressed("alice@gmail.com"));
}

// ---- match_message --------------------------------------------------------------------------------

model::Participant participant(HeaderRole role, std::string email) {
  return model::Participant{role, model::Address{"", std::move(email)}};
}

class MatchTest : public ::testing::Test {
 protected:
  MatchTest() {
    mailbox_.sync_enabled = true;
    mailbox_.owner_address = "Ann.Recruiter@Acme.com";
  }

  // A member who would match: discovery anyone, saved to a project.
  void add_candidate(Id id, std::vector<std::string> emails, Discovery discovery = Discovery::kAnyone,
                     bool saved = true) {
    index_.upsert_member(member(id, std::move(emails), discovery));
    index_.set_saved(id, saved);
  }

  MatchResult run(std::initializer_list<model::Participant> participants) {
    model::MessageHeaders headers;
    headers.participants = participants;
    return match_message(headers, mailbox_, index_);
  }

  // The reason of a message from the owner to `email`.
  Reason reason_for(const std::string& email) {
    MatchResult r =
        run({participant(HeaderRole::kFrom, mailbox_.owner_address), participant(HeaderRole::kTo, email)});
    EXPECT_EQ(r.participants.size(), 2u);
    return r.participants.size() == 2 ? r.participants[1].reason : Reason::kMalformed;
  }

  MailboxContext mailbox_;
  CandidateIndex index_;
};

TEST_F(MatchTest, MatchesCandidate) {
  add_candidate(1, {"bob@example.org"});
  MatchResult r = run({participant(HeaderRole::kFrom, "bob@example.org"),
                       participant(HeaderRole::kTo, "ann.recruiter@acme.com")});
  EXPECT_EQ(r.reason, Reason::kMatched);
  EXPECT_EQ(r.matched_members, std::vector<Id>{1});
  ASSERT_EQ(r.participants.size(), 2u);
  EXPECT_EQ(r.participants[0].reason, Reason::kMatched);
  EXPECT_EQ(r.participants[0].canonical, "bob@example.org");
  EXPECT_EQ(r.participants[0].member_id, 1);
  EXPECT_EQ(r.participants[1].reason, Reason::kOwnAddress);
}

// Rule 1.
TEST_F(MatchTest, RuleSyncDisabled) {
  add_candidate(1, {"bob@example.org"});
  mailbox_.sync_enabled = false;
  MatchResult r =
      run({participant(HeaderRole::kFrom, "ann.recruiter@acme.com"),
           participant(HeaderRole::kTo, "bob@example.org"), participant(HeaderRole::kCc, "x@y.z")});
  EXPECT_EQ(r.reason, Reason::kSyncDisabled);
  EXPECT_TRUE(r.matched_members.empty());
  for (const ParticipantVerdict& v : r.participants) EXPECT_EQ(v.reason, Reason::kSyncDisabled);
  EXPECT_EQ(r.participants[1].member_id, 1);  // explain still names the member
  EXPECT_EQ(run({}).reason, Reason::kSyncDisabled);
}

// Rule 2: the owner also has a member profile; on a webmail domain nothing else excludes it.
TEST_F(MatchTest, RuleOwnAddress) {
  mailbox_.owner_address = "ann@gmail.com";
  add_candidate(1, {"Ann@GMail.com"});
  add_candidate(2, {"bob@gmail.com"});
  MatchResult r = run({participant(HeaderRole::kFrom, "a.n.n+x@googlemail.com"),
                       participant(HeaderRole::kTo, "bob@gmail.com")});
  EXPECT_EQ(r.participants[0].reason, Reason::kOwnAddress);
  EXPECT_EQ(r.participants[0].member_id, 1);
  EXPECT_EQ(r.participants[1].reason, Reason::kMatched);  // the documented deviation of rule 3
  EXPECT_EQ(r.matched_members, std::vector<Id>{2});
}

// Rule 3: a colleague on the mailbox's domain, even one with a saved, discoverable profile.
TEST_F(MatchTest, RuleInternalDomainOwnDomain) {
  add_candidate(1, {"carl@ACME.com"});
  EXPECT_EQ(reason_for("carl@acme.com"), Reason::kInternalDomain);
}

// Rule 3: the contract's internal_domains, canonicalized (IDN included).
TEST_F(MatchTest, RuleInternalDomainContractList) {
  add_candidate(1, {"dora@acme-group.org"});
  add_candidate(2, {"eva@bücher.de"});
  add_candidate(3, {"fred@example.org"});
  mailbox_.internal_domains = {" ACME-Group.org. ", "xn--bcher-kva.de", "not a domain@"};
  EXPECT_EQ(reason_for("dora@acme-group.org"), Reason::kInternalDomain);
  EXPECT_EQ(reason_for("eva@xn--bcher-kva.de"), Reason::kInternalDomain);
  EXPECT_EQ(reason_for("fred@example.org"), Reason::kMatched);
  mailbox_.internal_domains = {"Bücher.de"};
  EXPECT_EQ(reason_for("eva@xn--bcher-kva.de"), Reason::kInternalDomain);
}

// Rule 4: checked before the profile lookup, so it also holds when nobody owns the address.
TEST_F(MatchTest, RuleErased) {
  add_candidate(1, {"bob@example.org"});
  index_.suppress_address("bob@example.org");
  EXPECT_EQ(reason_for("Bob@Example.org"), Reason::kErased);
  index_.remove_member(1);
  EXPECT_EQ(reason_for("bob@example.org"), Reason::kErased);
}

// Rule 5.
TEST_F(MatchTest, RuleNoProfile) {
  add_candidate(1, {"bob@example.org"});
  EXPECT_EQ(reason_for("stranger@example.org"), Reason::kNoProfile);
}

// Rule 6: and changing discovery back and forth is seen by the next match.
TEST_F(MatchTest, RuleDiscoveryRestricted) {
  add_candidate(1, {"bob@example.org"}, Discovery::kConnections);
  EXPECT_EQ(reason_for("bob@example.org"), Reason::kDiscoveryRestricted);
  index_.upsert_member(member(1, {"bob@example.org"}, Discovery::kNobody));
  EXPECT_EQ(reason_for("bob@example.org"), Reason::kDiscoveryRestricted);
  index_.upsert_member(member(1, {"bob@example.org"}, Discovery::kAnyone));
  EXPECT_EQ(reason_for("bob@example.org"), Reason::kMatched);
}

// Rule 7: a candidate removed from every project.
TEST_F(MatchTest, RuleNotInProject) {
  add_candidate(1, {"bob@example.org"});
  EXPECT_EQ(reason_for("bob@example.org"), Reason::kMatched);
  index_.set_saved(1, false);
  EXPECT_EQ(reason_for("bob@example.org"), Reason::kNotInProject);
}

// The first failing rule wins.
TEST_F(MatchTest, RuleOrder) {
  add_candidate(1, {"colleague@acme.com"}, Discovery::kNobody, false);
  index_.suppress_address("colleague@acme.com");
  EXPECT_EQ(reason_for("colleague@acme.com"), Reason::kInternalDomain);  // before erased
  add_candidate(2, {"gone@example.org"}, Discovery::kNobody, false);
  index_.suppress_address("gone@example.org");
  EXPECT_EQ(reason_for("gone@example.org"), Reason::kErased);  // before the profile rules
  add_candidate(3, {"shy@example.org"}, Discovery::kNobody, false);
  EXPECT_EQ(reason_for("shy@example.org"), Reason::kDiscoveryRestricted);  // before not_in_project
  add_candidate(4, {"ann.recruiter@acme.com"});
  EXPECT_EQ(reason_for("ann.recruiter@acme.com"), Reason::kOwnAddress);  // before internal_domain
}

TEST_F(MatchTest, CaseInsensitiveAndIdnSpellings) {
  add_candidate(1, {"Bob@Bücher.DE"});
  EXPECT_EQ(reason_for("BOB@xn--bcher-kva.de"), Reason::kMatched);
  EXPECT_EQ(reason_for("bob@bücher.de"), Reason::kMatched);
}

TEST_F(MatchTest, GmailSpellings) {
  add_candidate(1, {"bob.smith@gmail.com"});
  EXPECT_EQ(reason_for("Bob.Smith+jobs@gmail.com"), Reason::kMatched);
  EXPECT_EQ(reason_for("bobsmith@googlemail.com"), Reason::kMatched);
  add_candidate(2, {"carl@example.org"});
  EXPECT_EQ(reason_for("carl+jobs@example.org"), Reason::kNoProfile);  // +tag is gmail-only
}

TEST_F(MatchTest, BccOnSentMessage) {
  add_candidate(1, {"bob@example.org"});
  MatchResult r = run({participant(HeaderRole::kFrom, "ann.recruiter@acme.com"),
                       participant(HeaderRole::kBcc, "bob@example.org")});
  EXPECT_EQ(r.reason, Reason::kMatched);
  EXPECT_EQ(r.matched_members, std::vector<Id>{1});
}

TEST_F(MatchTest, ReplyToAndSenderCountAsFrom) {
  add_candidate(1, {"bob@example.org"});
  add_candidate(2, {"carl@example.org"});
  MatchResult r = run({participant(HeaderRole::kFrom, "no-reply@jobs.example.net"),
                       participant(HeaderRole::kReplyTo, "bob@example.org"),
                       participant(HeaderRole::kTo, "ann.recruiter@acme.com")});
  EXPECT_EQ(r.matched_members, std::vector<Id>{1});
  r = run({participant(HeaderRole::kFrom, "no-reply@jobs.example.net"),
           participant(HeaderRole::kSender, "carl@example.org")});
  EXPECT_EQ(r.matched_members, std::vector<Id>{2});
}

TEST_F(MatchTest, SeveralCandidatesInOrderOfFirstAppearance) {
  add_candidate(1, {"bob@example.org"});
  add_candidate(2, {"carl@example.org"});
  MatchResult r = run({participant(HeaderRole::kFrom, "ann.recruiter@acme.com"),
                       participant(HeaderRole::kTo, "carl@example.org"),
                       participant(HeaderRole::kCc, "bob@example.org")});
  EXPECT_EQ(r.matched_members, (std::vector<Id>{2, 1}));
}

TEST_F(MatchTest, MemberMatchedOnceForTwoAddressesOrTwoHeaders) {
  add_candidate(1, {"bob@example.org", "bob@home.example"});
  MatchResult r =
      run({participant(HeaderRole::kTo, "bob@example.org"), participant(HeaderRole::kCc, "BOB@example.org"),
           participant(HeaderRole::kCc, "bob@home.example")});
  ASSERT_EQ(r.participants.size(), 3u);
  for (const ParticipantVerdict& v : r.participants) EXPECT_EQ(v.reason, Reason::kMatched);
  EXPECT_EQ(r.participants[1].role, HeaderRole::kCc);
  EXPECT_EQ(r.matched_members, std::vector<Id>{1});
}

TEST_F(MatchTest, UpsertReplacingAddresses) {
  add_candidate(1, {"old@example.org"});
  index_.upsert_member(member(1, {"new@example.org"}));
  EXPECT_EQ(reason_for("old@example.org"), Reason::kNoProfile);
  EXPECT_EQ(reason_for("new@example.org"), Reason::kMatched);
}

TEST_F(MatchTest, MalformedAddressIsNoProfile) {
  add_candidate(1, {"bob@example.org"});
  MatchResult r = run({participant(HeaderRole::kFrom, "undisclosed-recipients:;"),
                       participant(HeaderRole::kTo, "@"), participant(HeaderRole::kCc, "")});
  EXPECT_EQ(r.reason, Reason::kNoProfile);
  for (const ParticipantVerdict& v : r.participants) {
    EXPECT_EQ(v.reason, Reason::kNoProfile);
    EXPECT_TRUE(v.canonical.empty());
    EXPECT_EQ(v.member_id, 0);
  }
}

TEST_F(MatchTest, MalformedOwnerExcludesNothing) {
  mailbox_.owner_address = "";
  add_candidate(1, {"bob@example.org"});
  EXPECT_EQ(reason_for("bob@example.org"), Reason::kMatched);
}

TEST_F(MatchTest, MessageReasonRanking) {
  add_candidate(1, {"unsaved@example.org"}, Discovery::kAnyone, false);
  add_candidate(2, {"shy@example.org"}, Discovery::kConnections);
  const auto owner = participant(HeaderRole::kFrom, "ann.recruiter@acme.com");
  const auto to = [](const char* email) { return participant(HeaderRole::kTo, email); };

  EXPECT_EQ(run({}).reason, Reason::kNoProfile);
  EXPECT_EQ(run({owner}).reason, Reason::kOwnAddress);
  EXPECT_EQ(run({owner, to("stranger@example.org")}).reason, Reason::kNoProfile);
  EXPECT_EQ(run({owner, to("stranger@example.org"), to("carl@acme.com")}).reason, Reason::kInternalDomain);
  EXPECT_EQ(run({owner, to("carl@acme.com"), to("shy@example.org")}).reason, Reason::kDiscoveryRestricted);
  EXPECT_EQ(run({owner, to("unsaved@example.org"), to("shy@example.org")}).reason, Reason::kNotInProject);
  index_.suppress_address("gone@example.org");
  EXPECT_EQ(run({to("gone@example.org"), to("unsaved@example.org"), owner}).reason, Reason::kErased);
}

}  // namespace
}  // namespace hiresync::match
