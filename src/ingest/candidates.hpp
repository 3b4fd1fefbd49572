// Loading a contract's candidate index (match/candidate_index.hpp) from the store: the one place
// both the command line and the sync engine build it.
#pragma once

#include "match/candidate_index.hpp"
#include "model/result.hpp"
#include "store/store.hpp"

namespace hiresync::ingest {

// Every member's addresses and discovery, who is saved to the contract's projects, and the
// suppressed (erased) addresses and messages. Store errors are returned unchanged.
model::Result<match::CandidateIndex> load_index(store::Store& store, model::Id contract_id);

}  // namespace hiresync::ingest
