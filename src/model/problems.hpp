// The problems a recruiter can act on, each with what happened and what to do (the seed's
// troubleshooting list). Providers set model::Error::problem to one of these codes; the API shows
// the code, message and remedy (GET /api/me/mailbox, error bodies). The codes are persisted with
// the mailbox state and are part of the API: DO NOT rename.
#pragma once

#include <span>
#include <string_view>

namespace hiresync::model {

struct Problem {
  std::string_view code;
  std::string_view message;  // what happened, in words a recruiter reads
  std::string_view remedy;   // what to do about it
};

// The problem with this code, or nullptr.
const Problem* find_problem(std::string_view code);
// Every problem, in table order (GET /api/problems lists them for the UI).
std::span<const Problem> all_problems();

}  // namespace hiresync::model
