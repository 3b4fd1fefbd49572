// What the sync engine needs from an email provider, independent of which one (shared/DESIGN.md
// "Sync engine"). Google implements it in google/, Microsoft in microsoft/.
//
// Every call that talks to the provider returns its failures already classified (model::ErrorCode):
//  kTransient      network failure, timeout, 5xx: retry with backoff
//  kRateLimited    403/429 rate limits: retry after error.retry_after_s (or backoff when -1)
//  kAuthExpired    the access token was refused (401): refresh once, then retry
//  kConsentRequired the grant is gone or never was (revoked refresh token, admin policy, no
//                  mailbox): a person must act; error.problem names what (model/problems.hpp)
//  kCursorInvalid  the stored cursor expired (Gmail history 404): resync the window
//  kNotFound       the message vanished between listing and fetching: skip it
//  kMalformedInput the provider answered something we cannot read
// The detail is log-only and never holds a token.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/result.hpp"

namespace hiresync::providers {

// --- OAuth ---------------------------------------------------------------------------------------

struct Tokens {
  std::string access_token;
  std::string refresh_token;    // empty when the provider did not send one (keep the stored one)
  std::int64_t expires_at = 0;  // unix seconds when the access token expires
  std::string scope;            // as granted (space separated)
};

struct AuthorizeRequest {
  std::string state;           // opaque, single use, bound to the user's session by the caller
  std::string code_challenge;  // PKCE S256 challenge of the caller's verifier
  std::string login_hint;      // the user's address; may be empty
};

class OAuthClient {
 public:
  virtual ~OAuthClient() = default;
  // The URL to send the browser to (offline access, consent prompt, PKCE S256, the scopes the
  // engine needs). Pure: no I/O.
  virtual std::string authorize_url(const AuthorizeRequest& request) const = 0;
  // Exchanges an authorization code. kConsentRequired (problem set) for invalid_grant and friends.
  virtual model::Result<Tokens> exchange_code(const std::string& code, const std::string& code_verifier) = 0;
  // Refreshes. kConsentRequired with problem "access_revoked" when the refresh token is dead.
  // A provider that rotates refresh tokens returns the new one in Tokens::refresh_token; the caller
  // must persist it before using the access token.
  virtual model::Result<Tokens> refresh(const std::string& refresh_token) = 0;
  // Revokes the grant. Idempotent: revoking a dead token is success.
  virtual model::Status revoke(const std::string& token) = 0;
  // Maps an `error=` value received on the redirect back from the authorize page (access_denied,
  // admin_policy_enforced, org_internal, ...) into an Error with the fitting problem code.
  virtual model::Error authorize_error(const std::string& error, const std::string& description) const = 0;
};

// --- Mail ----------------------------------------------------------------------------------------

// One message as listed: ids only.
struct MessageRef {
  std::string id;
  std::string thread_id;
};

struct ListPage {
  std::vector<MessageRef> messages;
  std::string next_page_token;  // empty on the last page
  std::int64_t size_estimate = 0;
  std::string incomplete;  // what a provider's result cap may have left out ("" when nothing)
};

// Changes since a cursor. `cursor` is what to store once every message of every page is handled.
struct ChangePage {
  std::vector<MessageRef> added;  // messages added (each at most once per page, in order)
  std::string next_page_token;    // empty on the last page
  std::string cursor;             // the provider's cursor after this page (Gmail: historyId)
};

// The header block of a message, as the provider returned it (metadata fetch).
struct MessageMetadata {
  MessageRef ref;
  std::string raw_headers;            // "Name: value\r\n..." rebuilt from the provider's header list
  std::int64_t internal_date_ms = 0;  // when the provider accepted the message; 0 when unknown
  std::vector<std::string> labels;
};

struct MailboxProfile {
  std::string address;
  std::string cursor;  // the mailbox's current cursor (Gmail: historyId)
  std::int64_t messages_total = 0;
};

// A search the engine asks of the provider: messages with any of `addresses` in From, To, Cc or
// Bcc, received after `after_s`. Each provider writes it in its own syntax (Gmail `q`, Graph
// `$search`).
struct SearchQuery {
  std::vector<std::string> addresses;
  std::int64_t after_s = 0;  // unix seconds; 0 = no lower bound
};

// Push notifications: what to watch and where to send them.
struct WatchRequest {
  std::string topic;             // Gmail: the Pub/Sub topic
  std::string notification_url;  // Graph: our webhook
  std::string client_state;      // Graph: the secret notifications must echo
  std::string state;             // what the previous watch() returned ("" for none)
};

struct WatchResult {
  std::string cursor;              // Gmail: the historyId at watch time; may be empty
  std::int64_t expires_at_ms = 0;  // when the watch must have been renewed
  std::string state;               // opaque, kept by the engine and passed back (Graph: subscription ids)
};

// The calls of one provider's mail API, each authorized by an access token.
class MailClient {
 public:
  virtual ~MailClient() = default;

  // What each call costs in the provider's quota units (Gmail: units per user per minute), so the
  // engine can budget before calling.
  enum class Call { kProfile, kList, kHistory, kGetMetadata, kGetRaw, kWatch, kStop };
  virtual int cost(Call call) const = 0;
  // Whether the provider's thread id is only a hint: true when it groups by something looser than
  // the RFC references (Graph's conversationId); ingest/threading.hpp says when it is used. Gmail's
  // threadId follows the references: used as is (the default).
  virtual bool thread_id_is_fallback() const { return false; }
  // Whether push state that watch() returned in an earlier version of this client must be set up
  // again now rather than at the next renewal (Graph's first format subscribed per folder, which
  // misses mail in the other folders now synced). Pure; false by default.
  virtual bool watch_outdated(const std::string& /*state*/) const { return false; }

  virtual model::Result<MailboxProfile> profile(const std::string& access_token) = 0;
  // Lists messages matching `query`, newest first (an empty address list: every message).
  virtual model::Result<ListPage> list(const std::string& access_token, const SearchQuery& query,
                                       const std::string& page_token, int max_results) = 0;
  // Changes after `cursor`. kCursorInvalid when the cursor is too old.
  virtual model::Result<ChangePage> changes(const std::string& access_token, const std::string& cursor,
                                            const std::string& page_token) = 0;
  virtual model::Result<MessageMetadata> metadata(const std::string& access_token, const std::string& id) = 0;
  // How many ids metadata_batch() should be given at once; 1 (the default) means no batching.
  virtual int metadata_batch_size() const { return 1; }
  // The metadata of each of `ids`, in their order, each classified as metadata() would be (a
  // vanished message is kNotFound, a rate-limited call kRateLimited): calls fail one by one. The
  // outer error is for the whole request (network, 401, a refused batch): nothing was fetched.
  // Quota: one call of kGetMetadata per id. The default calls metadata() one after the other.
  virtual model::Result<std::vector<model::Result<MessageMetadata>>> metadata_batch(
      const std::string& access_token, const std::vector<std::string>& ids) {
    std::vector<model::Result<MessageMetadata>> out;
    out.reserve(ids.size());
    for (const std::string& id : ids) {
      out.push_back(metadata(access_token, id));
      if (!out.back() && out.back().error().code == model::ErrorCode::kAuthExpired) return out.back().error();
    }
    return out;
  }
  // The whole RFC 5322 message, decoded.
  virtual model::Result<std::string> raw(const std::string& access_token, const std::string& id) = 0;
  // Starts or renews push notifications (Gmail users.watch; Graph subscriptions, created or
  // renewed from request.state), and stops them (`state`: what watch() returned).
  virtual model::Result<WatchResult> watch(const std::string& access_token, const WatchRequest& request) = 0;
  virtual model::Status stop(const std::string& access_token, const std::string& state) = 0;
};

}  // namespace hiresync::providers
