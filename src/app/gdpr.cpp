// `hiresync gdpr-erase --email E`: removes every message, thread and link of that person in every
// contract and records suppression entries (digests of each address and of each erased message's
// key), so that later imports and syncs skip them with `erased`.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/context.hpp"
#include "crypto/crypto.hpp"
#include "match/canonical.hpp"

namespace hiresync::app {

int run_gdpr_erase(const CommonOptions& common, const EraseOptions& options, std::ostream& out,
                   std::ostream& err) {
  auto canonical = match::canonical_address(options.email);
  if (!canonical) {
    err << "hiresync gdpr-erase: not an email address: " << options.email << "\n";
    return 2;
  }
  auto store = open_store(common.db);
  if (!store) {
    err << "hiresync gdpr-erase: cannot open the database " << common.db << ": " << store.error().detail
        << "\n";
    return 1;
  }
  // The person is every address of their profile when they have one; else just this address.
  std::vector<std::string> canonicals{*canonical};
  model::Id member_id = 0;
  if (auto member = (*store)->find_member_by_canonical(*canonical); member) {
    member_id = member->id;
    canonicals.clear();
    for (const auto& e : member->emails) {
      if (auto c = match::canonical_address(e)) canonicals.push_back(*c);
    }
  }

  auto tx = (*store)->begin("gdpr_erase");
  if (!tx) {
    err << "hiresync gdpr-erase: " << tx.error().detail << "\n";
    return 1;
  }
  auto keys = (*store)->erase_messages_of(canonicals, member_id);
  if (!keys) {
    err << "hiresync gdpr-erase: " << keys.error().detail << "\n";
    return 1;
  }
  for (const auto& key : *keys) {
    if (auto st = (*store)->add_suppression("message", crypto::digest_hex(key)); !st) {
      err << "hiresync gdpr-erase: " << st.error().detail << "\n";
      return 1;
    }
  }
  for (const auto& c : canonicals) {
    if (auto st = (*store)->add_suppression("address", crypto::digest_hex(c)); !st) {
      err << "hiresync gdpr-erase: " << st.error().detail << "\n";
      return 1;
    }
  }
  // The audit entry names no address: the erased person must not reappear in our records.
  if (auto st = (*store)->audit("cli", "gdpr_erase", member_id ? "member " + std::to_string(member_id) : "",
                                std::to_string(keys->size()) + " messages, " +
                                    std::to_string(canonicals.size()) + " addresses suppressed");
      !st) {
    err << "hiresync gdpr-erase: " << st.error().detail << "\n";
    return 1;
  }
  if (auto st = (*tx)->commit(); !st) {
    err << "hiresync gdpr-erase: " << st.error().detail << "\n";
    return 1;
  }
  if (options.json) {
    out << nlohmann::json{{"erased_messages", keys->size()}, {"suppressed_addresses", canonicals.size()}}
               .dump()
        << "\n";
  } else {
    out << "erased " << keys->size() << " message(s); " << canonicals.size()
        << " address(es) suppressed from future sync\n";
  }
  return 0;
}

}  // namespace hiresync::app
