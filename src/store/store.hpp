// The Store: everything HireSync persists, behind one interface so that the SQLite backend (default)
// and a PostgreSQL backend (scale-out) serve the same callers unchanged.
//
// Contract for every method:
//  - Never throws. Failures come back as an Error: kNotFound / kConflict / kInvalidArgument for what
//    the caller asked, kTransient for a busy or locked database (retry), kInternal otherwise. The
//    detail is log-only.
//  - User data travels only as bound parameters.
//  - Not thread-safe: one Store object per thread (open one per worker; SQLite WAL lets them share
//    the file).
//  - Every write runs in a transaction: the caller's, when one is open (begin()), or its own. A
//    failing method inside the caller's transaction may leave part of its writes there: the caller
//    rolls back (destroys its Transaction) rather than commit.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/domain.hpp"
#include "model/message.hpp"
#include "model/result.hpp"

namespace hiresync::store {

using model::Id;
using model::Result;
using model::Status;

// An open transaction (a SAVEPOINT, so transactions nest). Destroying it without commit() rolls
// back everything done since begin(). Must not outlive its Store.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual Status commit() = 0;
};

struct Mailbox {
  Id id = 0;
  Id user_id = 0;
  Id contract_id = 0;
  std::string provider;  // "google", "microsoft", "imap", or "import" (offline files)
  std::string address;
  std::string state;  // connecting | backfilling | live | throttled | needs_reauth | disabled | ...
  std::int64_t seen_count = 0;
  std::int64_t synced_count = 0;
};

// A message ready to store: what ingest parsed, and who owns it.
struct NewMessage {
  Id mailbox_id = 0;
  Id owner_user_id = 0;
  Id contract_id = 0;
  std::string provider_message_id;  // unique per mailbox; the idempotency key
  std::string provider_thread_id;   // may be empty
  model::ParsedMessage content;
  std::vector<std::string> participant_canonicals;  // parallel to content.headers.participants
  model::Direction direction = model::Direction::kInbound;
  model::Visibility visibility = model::Visibility::kPrivate;
  std::string kind = "email";  // "email" or "inmail"
  std::string snippet;         // first characters of the text, for lists
};

struct StoredMessageRef {
  Id message_id = 0;
  std::vector<Id> member_ids;  // candidates the message is linked to
};

struct ThreadSummary {
  Id id = 0;
  Id owner_user_id = 0;
  Id member_id = 0;
  std::string subject;
  std::int64_t last_message_at = 0;
  std::int64_t message_count = 0;
};

// What counts a mailbox has seen, by outcome. Applied additively.
struct MailboxCounts {
  std::int64_t seen = 0;
  std::int64_t synced = 0;
  std::map<std::string, std::int64_t> skipped;  // reason code -> count (includes "duplicate")
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens a (nested) transaction named for logs. See Transaction.
  virtual Result<std::unique_ptr<Transaction>> begin(std::string_view name) = 0;
  // True while a transaction opened by begin() is open.
  virtual bool in_transaction() const = 0;

  // --- contracts and users -------------------------------------------------------------------
  // Creates the contract named `name` or updates its settings. Idempotent. Returns its id.
  virtual Result<Id> upsert_contract(const std::string& name, const model::ContractSettings& settings) = 0;
  // kNotFound when absent.
  virtual Result<model::Contract> get_contract(Id contract_id) = 0;
  // Creates or updates the user with this email (case-insensitive) in `user.contract_id`.
  // `password_hash` is an argon2id string (crypto::hash_password); empty keeps the stored hash.
  // kConflict when the email already belongs to a user of another contract.
  virtual Result<Id> upsert_user(const model::User& user, const std::string& password_hash) = 0;
  // kNotFound when no user has this email (case-insensitive).
  virtual Result<model::User> find_user_by_email(std::string_view email) = 0;
  virtual Result<std::string> password_hash_of(Id user_id) = 0;

  // --- members -------------------------------------------------------------------------------
  // Creates or updates a member. An existing member is found by any of `canonicals` (the canonical
  // forms of member.emails, same order). Its email list becomes exactly member.emails.
  // kConflict when the addresses belong to two different members.
  virtual Result<Id> upsert_member(const model::Member& member,
                                   const std::vector<std::string>& canonicals) = 0;
  // kNotFound when no member lists this canonical address.
  virtual Result<model::Member> find_member_by_canonical(std::string_view canonical) = 0;
  virtual Result<model::Member> get_member(Id member_id) = 0;
  virtual Result<std::vector<model::Member>> list_members() = 0;

  // --- projects ------------------------------------------------------------------------------
  virtual Result<Id> upsert_project(Id contract_id, const std::string& name) = 0;
  // Makes the project's candidates exactly `member_ids`. Idempotent.
  virtual Status set_project_candidates(Id project_id, const std::vector<Id>& member_ids) = 0;
  // Saves one member to a project (idempotent) / removes it (idempotent).
  virtual Status add_candidate(Id project_id, Id member_id) = 0;
  virtual Status remove_candidate(Id project_id, Id member_id) = 0;
  // Members saved to at least one project of the contract.
  virtual Result<std::vector<Id>> saved_member_ids(Id contract_id) = 0;

  // --- mailboxes -----------------------------------------------------------------------------
  // The user's mailbox for `provider`, created (state "live") when missing. kConflict when another
  // user of the same contract holds this address (the error detail names them).
  virtual Result<Mailbox> ensure_mailbox(Id user_id, const std::string& provider, const std::string& address,
                                         const std::string& canonical_address) = 0;
  virtual Status add_mailbox_counts(Id mailbox_id, const MailboxCounts& counts) = 0;
  virtual Result<MailboxCounts> mailbox_counts(Id mailbox_id) = 0;

  // --- messages and threads ------------------------------------------------------------------
  // The stored message with this provider id in this mailbox, or std::nullopt.
  virtual Result<std::optional<StoredMessageRef>> find_message(Id mailbox_id,
                                                               std::string_view provider_message_id) = 0;
  // Inserts the message with its participants and attachment metadata. kConflict when
  // (mailbox, provider_message_id) exists. Does not link candidates (link_candidate does).
  virtual Result<Id> insert_message(const NewMessage& message) = 0;
  // Links a stored message to a candidate within a thread: the candidate's pipeline activity
  // (the pipeline_activity view reads links with their messages). Idempotent per (message, member).
  virtual Status link_candidate(Id message_id, Id member_id, Id thread_id) = 0;

  // Threads of (owner, member) that already carry any of `keys`, ascending ids.
  virtual Result<std::vector<Id>> threads_with_keys(Id owner_user_id, Id member_id,
                                                    const std::vector<std::string>& keys) = 0;
  // A new thread whose last message is from `last_message_at`.
  virtual Result<Id> create_thread(Id owner_user_id, Id member_id, Id contract_id, const std::string& subject,
                                   std::int64_t last_message_at) = 0;
  // Moves every message link and key of `from` into `into` and deletes `from`.
  virtual Status merge_thread(Id into, Id from) = 0;
  // Adds keys to the thread (existing ones are ignored) and refreshes its last_message_at.
  virtual Status add_thread_keys(Id thread_id, Id owner_user_id, Id member_id,
                                 const std::vector<std::string>& keys) = 0;
  virtual Status touch_thread(Id thread_id, std::int64_t message_time) = 0;
  // Threads of a candidate owned by `owner_user_id`, newest first.
  virtual Result<std::vector<ThreadSummary>> threads_of(Id owner_user_id, Id member_id) = 0;
  // Messages of a thread, oldest first (message ids).
  virtual Result<std::vector<Id>> thread_message_ids(Id thread_id) = 0;
  virtual Result<std::int64_t> count_messages(Id mailbox_id) = 0;

  // --- privacy -------------------------------------------------------------------------------
  // Suppression entries hold a digest (crypto::digest_hex), never the address or message id itself.
  virtual Status add_suppression(const std::string& kind,
                                 const std::string& digest) = 0;  // kind: address|message
  virtual Result<bool> is_suppressed(const std::string& kind, const std::string& digest) = 0;
  virtual Result<std::vector<std::string>> suppressed_digests(const std::string& kind) = 0;
  // Deletes every message with a participant among `canonicals` or linked to `member_id` (0: none),
  // with their links and now-empty threads, in every contract. Returns, per deleted
  // message, the message-level key to suppress (RFC Message-ID, else provider id).
  virtual Result<std::vector<std::string>> erase_messages_of(const std::vector<std::string>& canonicals,
                                                             Id member_id) = 0;
  virtual Status audit(const std::string& actor, const std::string& action, const std::string& subject,
                       const std::string& detail) = 0;
};

}  // namespace hiresync::store
