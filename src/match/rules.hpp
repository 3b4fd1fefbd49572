// The matching rules of shared/DESIGN.md, applied to one message's header participants.
//
// For every participant the rules run in this order; the first that fails is its reason:
//   1. sync_disabled         the contract has syncing off, or another provider than the mailbox,
//                            or the mailbox is not active (applies to every participant).
//   2. own_address           the address is the mailbox owner's own (canonically equal).
//   3. internal_domain       the address's domain is the mailbox's domain, or one of the contract's
//                            internal_domains. When the mailbox's domain is a public webmail domain,
//                            that domain is NOT excluded (only the owner's own address is): the
//                            documented deviation, or every webmail candidate would vanish.
//   4. erased                the address is suppressed by a GDPR erasure (checked before the profile
//                            lookup: an erased person stays erased even if their profile is gone).
//   5. no_profile            no member lists this address.
//   6. discovery_restricted  the member's email_discovery is not `anyone`.
//   7. not_in_project        the member is not saved to any project of the contract.
//   otherwise                matched.
// Sender and Reply-To count as From; To, Cc and Bcc count alike.
//
// A message syncs when at least one participant matched; it is attached to every matched member
// (each once, in order of first appearance). When none matched, the message's reason is the most
// specific participant reason, ranked (least to most specific):
//   own_address < no_profile < internal_domain < discovery_restricted < not_in_project < erased,
// with sync_disabled above all. A message with no participants at all is no_profile.
#pragma once

#include <string>
#include <vector>

#include "match/candidate_index.hpp"
#include "model/domain.hpp"
#include "model/message.hpp"

namespace hiresync::match {

// What the rules need to know about the mailbox the message sits in.
struct MailboxContext {
  bool sync_enabled = false;                  // rule 1 already evaluated by the caller
  std::string owner_address;                  // the mailbox address, as written
  std::vector<std::string> internal_domains;  // the contract's extra internal domains, as entered
};

// The verdict on headers.participants[i] is MatchResult::participants[i] (the address itself is
// not copied: matching runs on every message of a mailbox, and most are dropped at once).
struct ParticipantVerdict {
  model::HeaderRole role = model::HeaderRole::kFrom;
  std::string canonical;  // empty when the address does not canonicalize
  model::Reason reason = model::Reason::kNoProfile;
  model::Id member_id = 0;  // set when a member owns the address (even if not matched)
};

struct MatchResult {
  std::vector<ParticipantVerdict> participants;      // one per header participant, in header order
  std::vector<model::Id> matched_members;            // unique, in order of first appearance
  model::Reason reason = model::Reason::kNoProfile;  // kMatched when matched_members is not empty
};

// Applies the rules. Pure; never fails: an address that does not canonicalize is `no_profile`.
MatchResult match_message(const model::MessageHeaders& headers, const MailboxContext& mailbox,
                          const CandidateIndex& index);

}  // namespace hiresync::match
