// GDPR erasure of one person: the one implementation behind `hiresync gdpr-erase` and
// POST /api/ops/gdpr/erase.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "store/store.hpp"

namespace hiresync::ingest {

struct EraseOutcome {
  model::Id member_id = 0;  // the member erased; 0 when the address had no profile
  std::size_t erased_messages = 0;
  std::vector<std::string> canonicals;  // addresses now suppressed (log-free: never audited)
};

// Erases a person named by `member_id` (when not 0) or else by `email`: every message, thread and
// link of theirs in every contract (Store::erase_messages_of), then suppression entries (digests of
// each of their addresses and of each erased message's key) so later imports and syncs skip them
// with `erased`, and an audit entry by `actor` that names no address. The person is all the
// addresses of their profile when they have one, else just `email`. Runs in one transaction.
// Errors: kNotFound for an unknown member id; kMalformedInput when `email` is not an address (and
// no member id is given); store errors unchanged. Idempotent: erasing again erases 0 messages.
// A running sync engine must reload its candidate index afterwards to see the new suppressions.
model::Result<EraseOutcome> erase_person(store::Store& store, model::Id member_id, std::string_view email,
                                         const std::string& actor);

}  // namespace hiresync::ingest
