// `hiresync gdpr-erase --email E`: removes every message, thread and link of that person in every
// contract and records suppression entries (digests of each address and of each erased message's
// key), so that later imports and syncs skip them with `erased`. The erasure itself is
// ingest::erase_person, shared with POST /api/ops/gdpr/erase.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/context.hpp"
#include "ingest/erase.hpp"
#include "match/canonical.hpp"

namespace hiresync::app {

int run_gdpr_erase(const CommonOptions& common, const EraseOptions& options, std::ostream& out,
                   std::ostream& err) {
  if (!match::canonical_address(options.email)) {
    err << "hiresync gdpr-erase: not an email address: " << options.email << "\n";
    return 2;
  }
  auto store = open_store(common.db);
  if (!store) {
    err << "hiresync gdpr-erase: cannot open the database " << common.db << ": " << store.error().detail
        << "\n";
    return 1;
  }
  auto erased = ingest::erase_person(**store, 0, options.email, "cli");
  if (!erased) {
    err << "hiresync gdpr-erase: " << erased.error().detail << "\n";
    return 1;
  }
  if (options.json) {
    out << nlohmann::json{{"erased_messages", erased->erased_messages},
                          {"suppressed_addresses", erased->canonicals.size()}}
               .dump()
        << "\n";
  } else {
    out << "erased " << erased->erased_messages << " message(s); " << erased->canonicals.size()
        << " address(es) suppressed from future sync\n";
  }
  return 0;
}

}  // namespace hiresync::app
