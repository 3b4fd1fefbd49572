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
  // "google", "microsoft", "imap", "import" (offline files) or "inmail" (the user's sent InMails:
  // never synced)
  std::string provider;
  std::string address;
  std::string state;  // connecting | backfilling | live | throttled | needs_reauth | disabled | ...
  std::int64_t seen_count = 0;
  std::int64_t synced_count = 0;
  // Sync state (read by get_mailbox / mailbox_of_user; ensure_mailbox leaves them default).
  std::string canonical_address;
  std::string state_cause;  // a problem code or engine cause of the current state; "" when fine
  std::string cursor;       // the engine's typed cursor, serialized (sync/cursor.hpp)
  std::int64_t last_synced_at = 0;
  std::int64_t last_good_sync_at = 0;
  std::int64_t backfill_done = 0;
  std::int64_t backfill_total = 0;
  std::int64_t retry_at = 0;
  std::string token_ciphertext;  // sealed by crypto::SecretBox; empty when none
  std::int64_t failed_fetches = 0;
};

// A started OAuth authorization, found by the digest of its state.
struct OAuthState {
  Id user_id = 0;
  std::string session_key;
  std::string provider;
  std::string verifier_ciphertext;
  std::int64_t expires_at = 0;
};

// An authorization a user started that has not come back yet (one per user, the latest start).
struct PendingAuthorization {
  Id user_id = 0;
  std::string provider;
  std::int64_t started_at = 0;  // unix seconds
};

// Push that cannot be set up for a mailbox (its watch or subscription failed), and when to retry.
struct PushProblem {
  Id mailbox_id = 0;
  Id contract_id = 0;         // of the mailbox (read only)
  std::string provider;       // of the mailbox (read only)
  std::string cause;          // a model/problems.hpp code
  std::string detail;         // log-only text of the last failure
  std::int64_t since = 0;     // unix seconds of the first failure in a row
  std::int64_t failures = 0;  // failures in a row
  std::int64_t retry_at = 0;  // unix seconds
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

// --- sessions and the API's reads (types) ---
// A visible message as the API lists it: participants by header, never the body.
struct ListedAddress {
  std::string name;
  std::string email;
};
struct ListedMessage {
  Id id = 0;
  Id owner_user_id = 0;
  std::string kind;       // email | inmail
  std::string direction;  // inbound | outbound
  std::optional<ListedAddress> from;
  std::vector<ListedAddress> to;
  std::vector<ListedAddress> cc;
  std::string subject;
  std::int64_t sent_at = 0;
  std::string snippet;
  std::string visibility;  // private | contract
};
// A thread as one viewer sees it: only the messages visible to them, oldest first.
struct VisibleThread {
  Id id = 0;
  Id owner_user_id = 0;
  std::string owner_name;
  std::string owner_email;
  std::string subject;
  std::int64_t last_message_at = 0;  // of the visible messages
  std::vector<ListedMessage> messages;
};
struct ProjectInfo {
  Id id = 0;
  Id contract_id = 0;
  std::string name;
  std::vector<Id> member_ids;  // candidates, ascending
};

// One participant of a stored message with its header role (from, sender, reply_to, to, cc, bcc).
struct ListedParticipant {
  std::string role;
  std::string name;
  std::string email;
};
// A message in full, as GET /api/messages/{id} and the GDPR export show it.
struct MessageDetail {
  ListedMessage message;  // the listed form (From, To and Cc only)
  Id thread_id = 0;       // the lowest thread the message is linked in; 0 when it is in none
  Id contract_id = 0;
  std::string rfc_message_id;  // "" when absent
  std::string text;
  std::string html;
  std::vector<model::Attachment> attachments;
  std::vector<ListedParticipant> participants;  // every role, in header order (export only)
};
// Who owns a thread (the visibility checks of PATCH /api/threads/{id}).
struct ThreadRef {
  Id id = 0;
  Id owner_user_id = 0;
  Id member_id = 0;
};
// A candidate of a project with the latest message about them that a viewer may see.
struct PipelineEntry {
  Id member_id = 0;
  std::string name;
  struct Activity {
    Id message_id = 0;
    Id thread_id = 0;
    Id owner_user_id = 0;
    std::string kind;
    std::string direction;
    std::string subject;
    std::int64_t sent_at = 0;
  };
  std::optional<Activity> last_activity;  // none when no message about them is visible
};
// A project a member is saved to, with its contract (the GDPR export).
struct MemberProject {
  Id contract_id = 0;
  std::string contract_name;
  Id project_id = 0;
  std::string project_name;
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

  // --- sessions and the API's reads ---------------------------------------------------------
  // Sessions are keyed by a digest of their token (crypto::digest_hex); the token itself is never
  // stored. create_session also drops every session expired at `now`. kConflict for a digest in use.
  virtual Status create_session(const std::string& token_digest, Id user_id, std::int64_t now,
                                std::int64_t expires_at) = 0;
  // The user of an unexpired session (expires_at > now). kNotFound when unknown or expired.
  virtual Result<model::User> session_user(const std::string& token_digest, std::int64_t now) = 0;
  // Deletes the session. Idempotent.
  virtual Status delete_session(const std::string& token_digest) = 0;
  // A trivial query: success when the database answers (health checks).
  virtual Status ping() = 0;

  // A new contract. kConflict when the name is taken (upsert_contract would overwrite its settings).
  virtual Result<Id> create_contract(const std::string& name, const model::ContractSettings& settings) = 0;
  // Replaces the contract's settings. kNotFound when absent.
  virtual Status update_contract_settings(Id contract_id, const model::ContractSettings& settings) = 0;
  // kNotFound when absent.
  virtual Result<model::User> get_user(Id user_id) = 0;
  // Replaces name, discovery and email list of member `member.id` (canonicals parallel to emails).
  // kNotFound when absent, kConflict when an address belongs to another member.
  virtual Status update_member(const model::Member& member, const std::vector<std::string>& canonicals) = 0;
  // Contracts having the member saved to at least one of their projects, ascending.
  virtual Result<std::vector<Id>> contracts_of_candidate(Id member_id) = 0;
  // True when the member is saved to at least one project of the contract.
  virtual Result<bool> is_candidate(Id contract_id, Id member_id) = 0;

  // kNotFound when absent.
  virtual Result<ProjectInfo> get_project(Id project_id) = 0;
  // The contract's projects by name, with their candidates.
  virtual Result<std::vector<ProjectInfo>> list_projects(Id contract_id) = 0;

  // The threads of candidate `member_id` that `viewer_user_id` may see within `contract_id`,
  // newest first: the viewer's own threads with all their messages, and other owners' threads with
  // only their `contract`-visible messages; threads with no visible message are left out. A message
  // the viewer also holds a copy of (same RFC Message-ID) is listed once, as the viewer's copy.
  virtual Result<std::vector<VisibleThread>> visible_threads(Id viewer_user_id, Id contract_id,
                                                             Id member_id) = 0;

  // --- messages as the API reads and changes them (sqlite_store_messages.cpp) ---------------
  // The users of a contract by name.
  virtual Result<std::vector<model::User>> list_users(Id contract_id) = 0;
  // Message `message_id` as `viewer_user_id` sees it within `contract_id`. kNotFound when absent,
  // of another contract, or private to another user: what a viewer may not see does not exist.
  virtual Result<MessageDetail> visible_message(Id viewer_user_id, Id contract_id, Id message_id) = 0;
  // Sets one message's visibility. kNotFound when absent. Idempotent. The caller checks ownership.
  virtual Status set_message_visibility(Id message_id, model::Visibility visibility) = 0;
  // Thread `thread_id` when `viewer_user_id` may see it within `contract_id`: it is theirs, or it
  // holds a `contract`-visible message. kNotFound otherwise.
  virtual Result<ThreadRef> visible_thread(Id viewer_user_id, Id contract_id, Id thread_id) = 0;
  // Sets the visibility of every message of the thread's owner in the thread; returns how many
  // messages it linked (changed or not). Idempotent. The caller checks ownership.
  virtual Result<std::int64_t> set_thread_visibility(Id thread_id, model::Visibility visibility) = 0;
  // The candidates of project `project_id` with their latest message visible to `viewer_user_id`
  // within `contract_id` (same visibility rule as visible_threads; of two copies of one message at
  // the same time, the viewer's own), newest activity first, then by name. One query for the whole
  // project. The caller checks that the project is of the contract.
  virtual Result<std::vector<PipelineEntry>> pipeline(Id viewer_user_id, Id contract_id, Id project_id) = 0;
  // The user of the contract other than `except_user_id` whose mailbox (any real provider, not
  // disconnected) holds `canonical_address`, or std::nullopt.
  virtual Result<std::optional<model::User>> mailbox_holder(Id contract_id,
                                                            const std::string& canonical_address,
                                                            Id except_user_id) = 0;
  // GDPR export: the projects a member is saved to in every contract, and every stored message
  // linked to the member or with a participant among `canonicals`, in full (ascending ids).
  virtual Result<std::vector<MemberProject>> projects_of_member(Id member_id) = 0;
  virtual Result<std::vector<MessageDetail>> messages_of_person(const std::vector<std::string>& canonicals,
                                                                Id member_id) = 0;

  // --- sync engine ---------------------------------------------------------------------------
  // kNotFound when absent.
  virtual Result<Mailbox> get_mailbox(Id mailbox_id) = 0;
  // The user's provider mailbox (any provider but "import" and "inmail"), or kNotFound.
  virtual Result<Mailbox> mailbox_of_user(Id user_id) = 0;
  // Mailboxes of real providers (not "import" nor "inmail") whose state is not `disconnected`, for the engine
  // to schedule; with contract_id != 0 only that contract's.
  virtual Result<std::vector<Mailbox>> syncable_mailboxes(Id contract_id) = 0;
  // Mailboxes of `provider` with this canonical address (push intake), any state.
  virtual Result<std::vector<Mailbox>> mailboxes_by_address(const std::string& provider,
                                                            const std::string& canonical_address) = 0;
  // Connects (or reconnects) the user's mailbox for `provider` and `address`: creates it, or
  // updates the user's existing provider mailbox (address, tokens, state `connecting`; cursor,
  // messages and counts kept). kConflict when another user of the contract holds the address
  // (detail names them). Returns the mailbox.
  virtual Result<Mailbox> connect_mailbox(Id user_id, const std::string& provider, const std::string& address,
                                          const std::string& canonical_address,
                                          const std::string& token_ciphertext) = 0;
  // Records a state change with its cause (appends to the mailbox's event history). `retry_at`
  // (unix s) is when a throttled or failing mailbox may run again; 0 for none.
  virtual Status set_mailbox_state(Id mailbox_id, const std::string& state, const std::string& cause,
                                   const std::string& detail, std::int64_t retry_at) = 0;
  virtual Status save_tokens(Id mailbox_id, const std::string& token_ciphertext) = 0;
  virtual Status save_cursor(Id mailbox_id, const std::string& cursor) = 0;
  // The mailbox's provider budget window (sync/budget.hpp's text), "" when none was saved.
  virtual Status save_quota_window(Id mailbox_id, const std::string& window) = 0;
  virtual Result<std::string> quota_window(Id mailbox_id) = 0;
  virtual Status set_backfill_progress(Id mailbox_id, std::int64_t done, std::int64_t total) = 0;
  // A run finished: last_synced_at = now; with `complete`, also last_good_sync_at.
  virtual Status mark_synced(Id mailbox_id, std::int64_t now, bool complete) = 0;
  // The recorded state changes of a mailbox, oldest first: (state, cause).
  virtual Result<std::vector<std::pair<std::string, std::string>>> mailbox_events(Id mailbox_id) = 0;

  // Provider ids already assessed in a mailbox (opaque ids, never content).
  virtual Result<bool> was_seen(Id mailbox_id, std::string_view provider_message_id) = 0;
  virtual Status mark_seen(Id mailbox_id, std::string_view provider_message_id) = 0;
  // Fetch failures being retried: recorded (attempts counted) and cleared once fetched.
  virtual Status record_fetch_failure(Id mailbox_id, std::string_view provider_message_id,
                                      const std::string& error) = 0;
  virtual Status clear_fetch_failure(Id mailbox_id, std::string_view provider_message_id) = 0;

  // OAuth states: created once, taken once (take deletes; kNotFound when absent or expired).
  virtual Status create_oauth_state(const std::string& state_digest, const OAuthState& state) = 0;
  virtual Result<OAuthState> take_oauth_state(const std::string& state_digest, std::int64_t now) = 0;

  // Authorizations started and not come back: set (replacing the user's earlier one) when the
  // browser is sent to the provider, cleared when any answer for the user returns. Idempotent.
  virtual Status set_pending_authorization(const PendingAuthorization& pending) = 0;
  virtual Status clear_pending_authorization(Id user_id) = 0;
  // The user's pending authorization, or std::nullopt.
  virtual Result<std::optional<PendingAuthorization>> pending_authorization(Id user_id) = 0;

  // Push problems per mailbox. record_push_problem keeps `since` of a problem already recorded
  // (whatever its cause) and counts the failure; clear is idempotent.
  virtual Status record_push_problem(Id mailbox_id, const std::string& cause, const std::string& detail,
                                     std::int64_t now, std::int64_t retry_at) = 0;
  virtual Status clear_push_problem(Id mailbox_id) = 0;
  virtual Result<std::optional<PushProblem>> push_problem(Id mailbox_id) = 0;
  // Every push problem of a contract's mailboxes (0: of every contract), oldest first.
  virtual Result<std::vector<PushProblem>> push_problems(Id contract_id) = 0;

  // Targeted backfills pending per mailbox (member ids), added idempotently, removed when done.
  virtual Status add_targeted_backfill(Id mailbox_id, Id member_id) = 0;
  virtual Result<std::vector<Id>> targeted_backfills(Id mailbox_id) = 0;
  virtual Status remove_targeted_backfill(Id mailbox_id, Id member_id) = 0;

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
