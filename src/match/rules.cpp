#include "match/rules.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "match/canonical.hpp"

namespace hiresync::match {
namespace {

using model::Reason;

// What every participant is compared with, canonicalized once per message.
struct Mailbox {
  std::string owner;                  // canonical owner address; empty when it does not canonicalize
  std::string_view own_domain;        // into `owner`; empty when public webmail (rule 3's deviation)
  std::vector<std::string> internal;  // the contract's internal_domains that canonicalize

  explicit Mailbox(const MailboxContext& context) {
    if (auto canonical = canonical_address(context.owner_address); canonical.ok()) {
      owner = std::move(canonical).value();
      own_domain = domain_of(owner);
      if (is_public_webmail_domain(own_domain)) own_domain = {};
    }
    internal.reserve(context.internal_domains.size());
    for (const std::string& domain : context.internal_domains) {
      if (auto canonical = canonical_domain(domain); canonical.ok()) {
        internal.push_back(std::move(canonical).value());
      }
    }
  }
  Mailbox(const Mailbox&) = delete;  // own_domain points into owner
  Mailbox& operator=(const Mailbox&) = delete;

  bool is_internal(std::string_view domain) const {
    if (!own_domain.empty() && domain == own_domain) return true;
    return std::find(internal.begin(), internal.end(), domain) != internal.end();
  }
};

// Rules 2-7 of rules.hpp for one canonical address; rule 1 is decided by the caller.
Reason judge(std::string_view canonical, const IndexedMember* member, const Mailbox& mailbox,
             const CandidateIndex& index) {
  if (canonical.empty()) return Reason::kNoProfile;
  if (!mailbox.owner.empty() && canonical == mailbox.owner) return Reason::kOwnAddress;
  if (mailbox.is_internal(domain_of(canonical))) return Reason::kInternalDomain;
  if (index.is_suppressed(canonical)) return Reason::kErased;
  if (member == nullptr) return Reason::kNoProfile;
  if (member->discovery != model::Discovery::kAnyone) return Reason::kDiscoveryRestricted;
  if (!member->saved) return Reason::kNotInProject;
  return Reason::kMatched;
}

// Higher is more specific; the message's reason is the participant reason ranked highest.
int specificity(Reason reason) {
  switch (reason) {
    case Reason::kOwnAddress:
      return 1;
    case Reason::kNoProfile:
      return 2;
    case Reason::kInternalDomain:
      return 3;
    case Reason::kDiscoveryRestricted:
      return 4;
    case Reason::kNotInProject:
      return 5;
    case Reason::kErased:
      return 6;
    case Reason::kSyncDisabled:
      return 7;
    case Reason::kMatched:
    case Reason::kMalformed:
      return 0;  // never a participant reason
  }
  return 0;
}

}  // namespace

MatchResult match_message(const model::MessageHeaders& headers, const MailboxContext& mailbox,
                          const CandidateIndex& index) {
  MatchResult result;
  result.participants.reserve(headers.participants.size());
  const Mailbox context(mailbox);

  for (const model::Participant& participant : headers.participants) {
    ParticipantVerdict& verdict = result.participants.emplace_back();
    verdict.role = participant.role;
    if (auto canonical = canonical_address(participant.address.email); canonical.ok()) {
      verdict.canonical = std::move(canonical).value();
    }
    const IndexedMember* member = verdict.canonical.empty() ? nullptr : index.find(verdict.canonical);
    if (member != nullptr) verdict.member_id = member->id;

    verdict.reason =
        mailbox.sync_enabled ? judge(verdict.canonical, member, context, index) : Reason::kSyncDisabled;
    if (verdict.reason == Reason::kMatched &&
        std::find(result.matched_members.begin(), result.matched_members.end(), member->id) ==
            result.matched_members.end()) {
      result.matched_members.push_back(member->id);
    }
  }

  if (!result.matched_members.empty()) {
    result.reason = Reason::kMatched;
  } else if (!mailbox.sync_enabled) {
    result.reason = Reason::kSyncDisabled;  // even with no participants: the actionable cause
  } else if (!result.participants.empty()) {
    result.reason = result.participants.front().reason;
    for (const ParticipantVerdict& verdict : result.participants) {
      if (specificity(verdict.reason) > specificity(result.reason)) result.reason = verdict.reason;
    }
  } else {
    result.reason = Reason::kNoProfile;  // nobody to match
  }
  return result;
}

}  // namespace hiresync::match
