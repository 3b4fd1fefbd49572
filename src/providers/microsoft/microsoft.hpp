// Microsoft 365: Entra ID OAuth 2.0 (login.microsoftonline.com, v2.0 endpoints) and Microsoft Graph
// v1.0 mail, on the real wire format (shared/PROTOCOLS.md B and C), against configurable base URLs.
// Pointed at Microsoft they work; pointed at hiresync-sandbox they are tested. No second code path.
//
// Ids and cursors:
//  - Message ids are immutable ids: every Graph request sends `Prefer: IdType="ImmutableId"`, so an
//    id survives a move between folders (B.2). MessageRef::thread_id is Graph's conversationId.
//  - The sync cursor is composite: JSON {"v":2,"since","untracked","folders":{id:deltaLink}}, a delta
//    link per tracked mail folder (B.3; every folder but Junk Email, Deleted Items, Drafts, Outbox and
//    their child folders), each replayed verbatim (microsoft_internal.hpp, docs/sync.md). The first
//    format, {"inbox":"<deltaLink>","sentitems":"<deltaLink>"}, is still read and upgraded.
//  - The watch state is JSON {"messages":"<subscription id>"}: one subscription on me/messages (B.4).
// Links that Graph hands back (deltaLink, nextLink) are followed only when they point at
// config.graph_base: the bearer token is never sent anywhere else.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "net/client.hpp"
#include "providers/provider.hpp"

namespace hiresync::providers::microsoft {

struct MicrosoftConfig {
  std::string authority = "https://login.microsoftonline.com";  // + /{tenant}/oauth2/v2.0/...
  // "organizations" (work and school accounts of any tenant), "common", "consumers", or a tenant
  // GUID or domain.
  std::string tenant = "organizations";
  std::string graph_base = "https://graph.microsoft.com";  // + /v1.0/...
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;  // our /oauth/callback
  // offline_access is what makes Entra return a refresh token; Mail.Read is the least scope that
  // allows $search (targeted backfill) and $value (MIME).
  std::vector<std::string> scopes = {"offline_access", "https://graph.microsoft.com/Mail.Read",
                                     "https://graph.microsoft.com/User.Read", "openid", "email"};
  // Requested subscription lifetime. PROTOCOLS.md B.4 gives two maxima for Outlook messages: 4,230
  // minutes (the stored docs) and 10,080 (2025-26 sources); 4,230 is valid under both.
  int subscription_minutes = 4230;
  // `Prefer: odata.maxpagesize` of delta pages and `$top` of searches.
  int page_size = 100;
};

// Graph's Outlook limits per app per mailbox (B.5): 10,000 requests in 10 minutes, at most 4 at
// once. MailClient::cost() counts the requests a call makes, so `units` are requests. For the engine's
// ProviderClients::budget_units / budget_window_ms and its per-mailbox concurrency.
struct RequestBudget {
  std::int64_t units;
  std::int64_t window_ms;
  int concurrency;
};
inline constexpr RequestBudget kMailboxBudget{10000, 600000, 4};

// `http` must outlive the clients. Thread-safe when `http` is. `clock_s` (unix seconds) dates
// Tokens::expires_at, the "now" of profile()'s cursor and subscription expiry; empty = the system
// clock.
//
// OAuth (B.7): authorize_url() adds response_mode=query and PKCE S256; refresh() returns the
// rotated refresh token (Entra rotates on every use: the caller persists it before using the
// access token). revoke() makes no call and succeeds: Entra has no token revocation endpoint for
// this flow (a user or admin revokes in My Apps / the admin center; the engine forgets the tokens
// and stop() deletes the subscriptions).
std::unique_ptr<OAuthClient> make_oauth_client(MicrosoftConfig config, net::HttpClient& http,
                                               std::function<std::int64_t()> clock_s = {});

// The Graph mail client (B.2-B.5). cost() counts requests (see kMailboxBudget).
//  - profile(): GET /v1.0/me (address = mail, else userPrincipalName), then the ids of the untracked
//    well-known folders (GET mailFolders/{name}; 404 MailboxNotEnabledForRESTAPI surfaces here), and
//    a cursor "from now": no folder links yet, `since` = now.
//  - changes(): a round's first call lists the mail folders (GET mailFolders and childFolders, paged,
//    skipping the untracked subtrees) and returns no messages; each later call reads one delta page
//    of one folder, in that order: from its stored deltaLink, or, for a folder new to the cursor,
//    a first round filtered to receivedDateTime >= since. A first-format cursor is re-keyed by folder
//    id on the way. `page_token` is ours (JSON: the folders, their stored links, the one being read,
//    its next URL, the cursor reached so far). `added` holds the items without "@removed" (new,
//    moved in, or updated: an update of a known message comes back too), de-duplicated within the
//    page; immutable ids make a message moved between folders the same id. Pages before the last
//    carry the old cursor; the last page carries the new cursor (folders that are gone dropped;
//    a folder whose delta answers 404, deleted since the listing, too).
//    kCursorInvalid for a 410 (or syncStateNotFound / resyncRequired), an unreadable cursor or a
//    link off graph_base.
//  - metadata(): the participant, subject, date and id fields, rebuilt as RFC 5322 header lines
//    (From, Sender, Reply-To, To, Cc, Bcc with names quoted as needed, Subject, Date, Message-ID,
//    In-Reply-To, References; absent fields give no line); internal_date_ms = receivedDateTime.
//  - raw(): GET .../messages/{id}/$value, the MIME bytes.
//  - list(): Graph $search (KQL: graph_search below, AND received>= the window's first day) when
//    there are addresses, dropping results received before after_s client-side ($search cannot be
//    combined with $filter), continued past Graph's 1,000-result cap by a plan kept in
//    next_page_token (search_plan.hpp; a plain Graph link, the older token, is still followed;
//    an unreadable plan is kMalformedInput); otherwise $filter=receivedDateTime ge <after> and
//    next_page_token is Graph's @odata.nextLink. Links off graph_base are kInvalidArgument.
//  - watch(): one "created" subscription on me/messages (mail in any folder wakes the mailbox; one
//    subscription of the 1,000 a mailbox allows across apps) to request.notification_url (lifecycle
//    notifications to the same URL), clientState = request.client_state. The id in request.state
//    is renewed by PATCH; a renewal answered 404 is created anew. A create or renewal refused (400,
//    subscription_failed: e.g. ExtensionError for an expiry past Graph's maximum) is retried once
//    at the documented 4,230 minutes when more was asked. Subscriptions of the first
//    format's state (one per folder) are deleted, best effort. State = JSON of the id; expires_at_ms
//    = its expiry.
//  - stop(): DELETE each subscription id of `state` (either format); 404 counts as deleted. Idempotent.
std::unique_ptr<MailClient> make_mail_client(MicrosoftConfig config, net::HttpClient& http,
                                             std::function<std::int64_t()> clock_s = {});

// A SearchQuery as Graph's KQL, without the surrounding quotes:
// "from:a OR to:a OR cc:a OR bcc:a OR from:b ...". Addresses with characters that cannot appear
// in a KQL term inside the quoted $search value (double quote, backslash, whitespace, control
// characters) are left out. "" when no address remains. after_s is not part of it (see list()).
std::string graph_search(const SearchQuery& query);

// The one place Entra's and Graph's HTTP errors (PROTOCOLS.md B.6, B.8, B.9; OAuth errors of C)
// become the project's error classes and user-facing problem codes (model/problems.hpp). `status`
// is the HTTP status, `body` the response body, `retry_after` the Retry-After header ("" when
// absent), `context` what was being done: "token" (code exchange), "refresh" (token endpoint), or
// a Graph call ("profile", "delta", "message", "search", "subscription"). Status 0 means no
// response at all (then `body` is the transport's detail): kTransient, problem
// "provider_unreachable". kRateLimited and kTransient carry Retry-After in retry_after_s when
// given. The detail names the context, status, codes and the provider's message (first line,
// clipped); never a token. Pure apart from reading the system clock for a Retry-After date; never
// throws.
model::Error map_error(int status, std::string_view body, std::string_view retry_after,
                       std::string_view context);

// The Error for an `error` / `error_description` pair received on the redirect back from the
// authorize page (what OAuthClient::authorize_error returns): always kConsentRequired, problem by
// the AADSTS code inside the description first (90094, 90095, 65001: admin_consent_required;
// 50105: not_assigned; 65004: access_denied), then by `error` (access_denied), else
// authorization_failed. Pure.
model::Error authorize_error(std::string_view error, std::string_view description);

// --- Change notifications (B.4) --------------------------------------------------------------------

struct Notification {
  std::string subscription_id;
  std::string client_state;     // compare with client_state_matches()
  std::string change_type;      // "created", ... ("" for a lifecycle notification)
  std::string resource_id;      // the message id (resourceData.id, else the resource path's tail)
  std::string lifecycle_event;  // "" for a change notification; "reauthorizationRequired",
                                // "subscriptionRemoved", "missed" (or a newer event, as sent)
};

// The items of a notification POST body (a changeNotificationCollection, either kind). Returns
// kMalformedInput when the body is not a JSON object with a "value" array, or an item is not an
// object or has no subscriptionId. An empty "value" gives an empty list. Pure.
model::Result<std::vector<Notification>> parse_notifications(std::string_view body);

// Whether a notification's clientState equals ours, in time independent of where they differ. An
// empty `expected` never matches. Thread-safe.
bool client_state_matches(std::string_view expected, std::string_view got);

}  // namespace hiresync::providers::microsoft
