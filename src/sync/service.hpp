// What the HTTP API asks of the sync engine: the caller's mailbox (authorize, status, sync now,
// deauthorize), push intake, and the events that change what must be synced. The API's handlers
// are thin: they authenticate the caller, call one of these, and render the result.
//
// Thread-safety: every method may be called concurrently from the server's threads. None syncs
// inline: they record what is needed and wake the engine's workers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/domain.hpp"
#include "model/result.hpp"

namespace hiresync::sync {

struct MailboxStatus {
  std::string status;    // connecting | backfilling | live | throttled | needs_reauth | disabled |
                         // disconnected | error
  std::string provider;  // google | microsoft
  std::string address;
  std::int64_t last_synced_at = 0;  // unix seconds; 0 = never
  std::int64_t backfill_done = 0;
  std::int64_t backfill_total = 0;
  std::string problem;                          // model/problems.hpp code of the current error, or ""
  std::int64_t failed_fetches = 0;              // messages whose fetch failed and are being retried
  std::map<std::string, std::int64_t> skipped;  // reason -> messages assessed and not stored
};

// Why one message would or would not sync in the caller's mailbox (POST /api/me/mailbox/explain).
struct ParticipantExplanation {
  std::string role;  // from | sender | reply_to | to | cc | bcc
  std::string name;
  std::string email;
  std::string result;       // "matched" or the reason code of the rule that stopped it
  std::string explanation;  // the sentence a recruiter reads (model::describe)
};
struct Explanation {
  std::string subject;
  std::string message_id;
  std::string status;  // would_sync | skipped | malformed
  std::string reason;  // matched, or the message's reason code
  std::string detail;  // for malformed: what the parser said
  std::vector<ParticipantExplanation> participants;
};

// One of the latest messages of the caller's mailbox, for Troubleshooting to pick from: headers
// read on demand from the provider, shown to the mailbox's owner only, never stored.
struct RecentMessage {
  std::string provider_message_id;
  std::string from;  // the From header as a person reads it ("Ann Lee <ann@example.org>")
  std::string subject;
  std::int64_t received_at = 0;  // unix seconds (the provider's receive time, else the Date header)
  bool synced = false;           // stored as a candidate message of this mailbox
};

// The outcome of the OAuth redirect back to /oauth/callback.
struct AuthorizeOutcome {
  model::Id user_id = 0;
  bool connected = false;
  std::string problem;  // when not connected: why (model/problems.hpp)
  // For problem "mailbox_in_use": the colleague holding the address, as "Name (email)"; "" when
  // unknown.
  std::string holder;
};

// An authorization the user started that has not come back within the configured time
// (GET /api/me/mailbox "authorization"): Google and Entra show an organization's refusal on
// their own page and never redirect, so silence is all HireSync sees.
struct UnfinishedAuthorization {
  std::string provider;
  std::int64_t started_at = 0;  // unix seconds
  // model/problems.hpp codes, the likeliest first: what the provider would have said had it come
  // back (admin policy / admin consent, not assigned, wrong account).
  std::vector<std::string> likely_causes;
};

// A problem the operator or a contract's admin should act on (GET /api/ops/problems,
// GET /api/contract/problems): push that cannot be set up for a mailbox, or Gmail pushes whose
// JWT keeps failing (a deployment-level problem: a failing JWT names no mailbox safely).
struct OpsProblem {
  std::string cause;          // model/problems.hpp code: subscription_failed, watch_failed, push_jwt_rejected
  std::string reason;         // a finer key within the cause ("wrong_audience"), or ""
  std::string scope;          // "deployment" | "mailbox"
  model::Id mailbox_id = 0;   // scope mailbox
  model::Id contract_id = 0;  // scope mailbox
  std::string provider;       // google | microsoft
  std::int64_t since = 0;     // unix seconds of the first failure in a row
  std::int64_t count = 0;     // failures in a row
  std::string detail;         // log-only text of the last failure (no tokens, no addresses)
};

// One node of the deployment as GET /api/ops/cluster lists it.
struct ClusterNodeStatus {
  std::string id;
  std::string address;
  std::int64_t last_heartbeat_at = 0;  // unix seconds
  std::int64_t mailboxes = 0;          // mailboxes it syncs (leases held and not expired)
  std::int64_t queue_depth = 0;        // sync jobs due on it, waiting for a worker
};

class SyncService {
 public:
  virtual ~SyncService() = default;

  // Starts an authorization for `user` with the contract's provider: returns the provider URL to
  // send the browser to. The state it embeds is single use, valid 10 minutes and bound to
  // `session_key` (an opaque digest of the caller's session). `requested_provider` ("" = the
  // contract's) is what the caller asked for. Errors (problem set), all kInvalidArgument:
  // "sync_not_enabled" when the contract has no provider, "wrong_provider" when the request names
  // another provider than the contract's, "provider_not_available" when no connector for the
  // contract's provider is configured. kTransient when the store is busy.
  virtual model::Result<std::string> begin_authorize(const model::User& user, std::string_view session_key,
                                                     std::string_view requested_provider) = 0;

  // Finishes the flow with the redirect's parameters. kNotFound for an unknown, used, expired or
  // foreign (other session) state. A provider error (`error` set, or a failed code exchange) is an
  // outcome with connected=false and its problem recorded on the mailbox, not an Error.
  virtual model::Result<AuthorizeOutcome> finish_authorize(std::string_view session_key,
                                                           std::string_view state, std::string_view code,
                                                           std::string_view error,
                                                           std::string_view error_description) = 0;

  // The user's mailbox status; kNotFound when the user never authorized one.
  virtual model::Result<MailboxStatus> status(model::Id user_id) = 0;
  // Queues an immediate sync run. kNotFound without a mailbox; kInvalidArgument (problem set) when
  // the mailbox cannot sync now (disconnected, needs_reauth, disabled).
  virtual model::Status sync_now(model::Id user_id) = 0;
  // Stops syncing, revokes the tokens at the provider (best effort), forgets them, state
  // `disconnected`; synced messages stay. kNotFound without a mailbox. Idempotent.
  virtual model::Status deauthorize(model::Id user_id) = 0;

  // Explains one message against the matching rules as the user's mailbox would see it: a raw
  // RFC 5322 text (`raw` not empty), or a message of the user's connected mailbox by its provider
  // id (its headers are fetched; never its body). kNotFound for an unknown provider id or no
  // mailbox (with a provider id); provider errors as classified by the connector.
  virtual model::Result<Explanation> explain(const model::User& user, std::string_view provider_message_id,
                                             std::string_view raw) = 0;

  // The latest messages of the user's connected mailbox (received in the last 30 days), newest
  // first, at most `limit` (1..50): one provider listing and one header fetch per message, spent
  // from the mailbox's provider budget. kNotFound without a mailbox; kConsentRequired
  // ("access_revoked") when its tokens are gone; kTransient ("access_renewing") while an expired
  // access token is renewed by the mailbox's run; provider errors as classified by the connector.
  virtual model::Result<std::vector<RecentMessage>> recent_messages(const model::User& user, int limit) = 0;

  // A Gmail Pub/Sub push: verifies the JWT and enqueues a sync of the named mailbox. kAuthExpired
  // for a bad JWT (answer 401), kMalformedInput for a bad envelope (answer 400). An unknown address
  // is success (acknowledged, nothing to do), so Pub/Sub stops redelivering.
  virtual model::Status google_push(std::string_view authorization_header, std::string_view body) = 0;

  // Microsoft Graph change and lifecycle notifications: the body of POST /webhooks/microsoft after
  // the validation handshake (which the API answers itself). Each notification's clientState is
  // checked in constant time against its mailbox's; a matching change enqueues a sync, a lifecycle
  // event renews or recreates the subscriptions (reauthorizationRequired, subscriptionRemoved) or
  // catches up (missed). Notifications that do not check out are dropped and counted; the batch is
  // still acknowledged. kMalformedInput for a body that is not a notification batch (answer 400).
  virtual model::Status microsoft_notifications(std::string_view body) = 0;

  // The user's authorization that started at least the configured time ago and has not come
  // back (nullopt when none: never started, came back, or still recent). Read only.
  virtual model::Result<std::optional<UnfinishedAuthorization>> unfinished_authorization(
      model::Id /*user_id*/) {
    return std::optional<UnfinishedAuthorization>();
  }
  // Current problems: of one contract's mailboxes (contract_id != 0), or of every mailbox plus the
  // deployment-level ones (contract_id 0, the operator's view). Oldest first. Read only.
  virtual model::Result<std::vector<OpsProblem>> problems(model::Id /*contract_id*/) {
    return std::vector<OpsProblem>();
  }

  // The contract's settings changed (provider switched or turned off): mailboxes move to
  // `disabled` or back. Idempotent.
  virtual void contract_settings_changed(model::Id contract_id) = 0;
  // Who is a candidate changed in a way that narrows what syncs (removed from a project, an
  // address dropped, discovery closed): the next runs use the new rules at once. contract_id 0:
  // every contract (a member's profile changed).
  virtual void candidates_changed(model::Id contract_id) = 0;
  // A member became a candidate of the contract (saved to a project, or an address added): queues
  // a targeted backfill for that member in every active mailbox of the contract.
  virtual void candidate_added(model::Id contract_id, model::Id member_id) = 0;

  // The nodes syncing mailboxes (GET /api/ops/cluster): one without a cluster.
  virtual model::Result<std::vector<ClusterNodeStatus>> cluster() { return std::vector<ClusterNodeStatus>{}; }
};

}  // namespace hiresync::sync
