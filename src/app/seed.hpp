// `hiresync seed FILE.json`: loads members and contracts with their users, projects and candidates
// (format in README.md and shared/API.md). Declarative and idempotent: running a seed twice leaves
// the same state; a member's email list, a project's candidate list and a contract's settings
// become exactly what the file says. All or nothing: one transaction.
#pragma once

#include <string>

#include "model/result.hpp"
#include "store/store.hpp"

namespace hiresync::app {

struct SeedSummary {
  int members = 0;
  int contracts = 0;
  int users = 0;
  int projects = 0;
  int candidates = 0;
};

// Applies the seed JSON text. Errors: kMalformedInput for bad JSON or a missing/invalid field
// (detail names the JSON path, e.g. "contracts[0].users[1].role: must be admin or user"),
// kNotFound for a candidate address no member lists, kConflict for an address of two members or a
// user of another contract. Nothing is written on error.
model::Result<SeedSummary> apply_seed(store::Store& store, const std::string& json_text);

}  // namespace hiresync::app
