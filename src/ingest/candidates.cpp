#include "ingest/candidates.hpp"

namespace hiresync::ingest {

model::Result<match::CandidateIndex> load_index(store::Store& store, model::Id contract_id) {
  match::CandidateIndex index;
  auto members = store.list_members();
  if (!members) return members.error();
  for (const auto& m : *members) index.upsert_member(m);
  auto saved = store.saved_member_ids(contract_id);
  if (!saved) return saved.error();
  for (model::Id id : *saved) index.set_saved(id, true);
  auto erased = store.suppressed_digests("address");
  if (!erased) return erased.error();
  for (auto& digest : *erased) index.suppress_digest(std::move(digest));
  auto erased_messages = store.suppressed_digests("message");
  if (!erased_messages) return erased_messages.error();
  for (auto& digest : *erased_messages) index.suppress_message_digest(std::move(digest));
  return index;
}

}  // namespace hiresync::ingest
