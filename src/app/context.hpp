// What every command needs: the store at --db, and for commands that act "as the mailbox of user
// EMAIL", that user's contract, candidate index and mailbox scope.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "ingest/ingest.hpp"
#include "match/candidate_index.hpp"
#include "model/result.hpp"
#include "store/store.hpp"

namespace hiresync::app {

// The database path: --db when given, else $HIRESYNC_DB, else ./hiresync-data/hiresync.db.
std::string resolve_db_path(const std::string& flag_value);

// Opens (creating the parent folder and the file, applying migrations) the SQLite store.
model::Result<std::unique_ptr<store::Store>> open_store(const std::string& path);

// Builds the candidate index of a contract from the store: every member's addresses and discovery,
// who is saved to the contract's projects, and the suppressed (erased) addresses.
model::Result<match::CandidateIndex> load_index(store::Store& store, model::Id contract_id);

struct OwnerContext {
  model::User user;
  model::Contract contract;
  store::Mailbox mailbox;
  ingest::MailboxScope scope;
};

// The user with this email, its contract, and its offline-import mailbox (provider "import",
// created on first use). kNotFound (detail is a sentence for the user) when no such user exists.
model::Result<OwnerContext> load_owner(store::Store& store, const std::string& owner_email);

// Everything a command acting as a user's mailbox needs, in the order it must be destroyed.
struct OwnerSession {
  std::unique_ptr<store::Store> store;
  OwnerContext owner;
  match::CandidateIndex index;
};

// Opens the store at `db` and loads the owner and the candidate index of their contract. On
// failure, writes "<command>: <what went wrong>" to `err` and returns the exit code to use:
// 2 for an unknown owner, 1 for a database that cannot be opened or read.
struct SessionOrExit {
  std::unique_ptr<OwnerSession> session;  // null on failure
  int exit_code = 0;
};
SessionOrExit open_owner_session(const std::string& db, const std::string& owner_email, const char* command,
                                 std::ostream& err);

}  // namespace hiresync::app
