#include "ingest/erase.hpp"

#include "crypto/crypto.hpp"
#include "match/canonical.hpp"

namespace hiresync::ingest {

using model::ErrorCode;

namespace {

std::vector<std::string> canonicals_of(const model::Member& member) {
  std::vector<std::string> out;
  for (const auto& e : member.emails) {
    if (auto c = match::canonical_address(e)) out.push_back(*c);
  }
  return out;
}

}  // namespace

model::Result<EraseOutcome> erase_person(store::Store& store, model::Id member_id, std::string_view email,
                                         const std::string& actor) {
  EraseOutcome outcome;
  if (member_id != 0) {
    auto member = store.get_member(member_id);
    if (!member) return member.error();
    outcome.member_id = member->id;
    outcome.canonicals = canonicals_of(*member);
  } else {
    auto canonical = match::canonical_address(std::string(email));
    if (!canonical) return model::make_error(ErrorCode::kMalformedInput, "not an email address");
    outcome.canonicals = {*canonical};
    if (auto member = store.find_member_by_canonical(*canonical); member) {
      outcome.member_id = member->id;
      outcome.canonicals = canonicals_of(*member);
    } else if (member.error().code != ErrorCode::kNotFound) {
      return member.error();
    }
  }

  auto tx = store.begin("gdpr_erase");
  if (!tx) return tx.error();
  auto keys = store.erase_messages_of(outcome.canonicals, outcome.member_id);
  if (!keys) return keys.error();
  for (const auto& key : *keys) {
    if (auto st = store.add_suppression("message", crypto::digest_hex(key)); !st) return st.error();
  }
  for (const auto& c : outcome.canonicals) {
    if (auto st = store.add_suppression("address", crypto::digest_hex(c)); !st) return st.error();
  }
  // The audit entry names no address: the erased person must not reappear in our records.
  if (auto st = store.audit(actor, "gdpr_erase",
                            outcome.member_id != 0 ? "member " + std::to_string(outcome.member_id) : "",
                            std::to_string(keys->size()) + " messages, " +
                                std::to_string(outcome.canonicals.size()) + " addresses suppressed");
      !st) {
    return st.error();
  }
  if (auto st = (*tx)->commit(); !st) return st.error();
  outcome.erased_messages = keys->size();
  return outcome;
}

}  // namespace hiresync::ingest
