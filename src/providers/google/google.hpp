// Google Workspace: OAuth 2.0 (accounts.google.com / oauth2.googleapis.com) and the Gmail REST API
// v1, on the real wire format (shared/PROTOCOLS.md A and C), against configurable base URLs.
// Pointed at Google they work; pointed at hiresync-sandbox they are tested. No second code path.
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

namespace hiresync::providers::google {

struct GoogleConfig {
  std::string auth_url = "https://accounts.google.com/o/oauth2/v2/auth";
  std::string token_url = "https://oauth2.googleapis.com/token";
  std::string revoke_url = "https://oauth2.googleapis.com/revoke";
  std::string api_base = "https://gmail.googleapis.com";  // + /gmail/v1/users/me/...
  std::string jwks_url = "https://www.googleapis.com/oauth2/v3/certs";
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;  // our /oauth/callback
  // gmail.readonly is the least scope that allows `q` search (targeted backfill) and format=raw.
  std::vector<std::string> scopes = {"https://www.googleapis.com/auth/gmail.readonly", "openid", "email"};
  // Pub/Sub topic for users.watch; empty disables push (the fallback poll still runs).
  std::string push_topic;
  // Expected `aud` of the push JWT (the push endpoint URL as configured on the subscription) and
  // the service account the subscription signs as; empty email accepts any verified email.
  std::string push_audience;
  std::string push_service_account;
  // Quota units per call (MailClient::cost; docs/sync.md "Budgets"). The default is the 2026 table;
  // the legacy table charges messages.get 5. A batch request costs the sum of its calls.
  struct QuotaUnits {
    int profile = 1;
    int history_list = 2;
    int messages_list = 5;
    int messages_get = 20;
    int watch = 100;
    int stop = 50;
  };
  QuotaUnits quota;
  // Metadata fetches sent together in one batch request (/batch/gmail/v1, at most 100); 1 or 0:
  // one request per message. docs/sync.md "Budgets" says why 10.
  int batch_size = 10;
};

// `http` must outlive the clients. Thread-safe when `http` is. `clock_s` (unix seconds) dates
// Tokens::expires_at; empty = the system clock.
std::unique_ptr<OAuthClient> make_oauth_client(GoogleConfig config, net::HttpClient& http,
                                               std::function<std::int64_t()> clock_s = {});
std::unique_ptr<MailClient> make_mail_client(GoogleConfig config, net::HttpClient& http);

// A SearchQuery in Gmail's `q` syntax: "(from:a OR to:a OR cc:a OR bcc:a OR from:b ...) after:T"
// ("" for no addresses and no bound). Addresses are quoted when they hold characters Gmail's
// search would split on.
std::string gmail_query(const SearchQuery& query);

// The one place Google's HTTP errors (PROTOCOLS.md A.9-A.11, OAuth token errors of C) become the
// project's error classes and user-facing problem codes (model/problems.hpp). `status` is the
// HTTP status, `body` the response body, `retry_after` the Retry-After header ("" when absent),
// `context` what was being done ("token" = code exchange, "refresh", "revoke", "history",
// "gmail"), used to tell an OAuth invalid_grant on refresh (access revoked) from one on code
// exchange, and a history 404 (cursor invalid) from a message 404 (not found). `status` 0 means no
// response at all (then `body` is the transport's detail): kTransient, problem
// "provider_unreachable". Pure apart from reading the system clock for a Retry-After date; never
// throws.
model::Error map_error(int status, std::string_view body, std::string_view retry_after,
                       std::string_view context);

// A Gmail push notification, after its OIDC JWT was verified.
struct PushNotice {
  std::string email_address;
  std::string history_id;
  std::string message_id;  // Pub/Sub's own message id (for de-duplication in logs)
};

// Verifies Pub/Sub push requests: RS256 JWT in "Authorization: Bearer", signed by a key of the JWKS
// at config.jwks_url (fetched on first use and again when an unknown `kid` appears, at most once a
// minute), `iss` accounts.google.com, `aud` == push_audience, not expired (now_s from `clock`).
// Thread-safe.
class PushVerifier {
 public:
  PushVerifier(GoogleConfig config, net::HttpClient& http, std::function<std::int64_t()> clock_s);
  ~PushVerifier();
  // kAuthExpired for a missing, malformed, badly signed or expired token (answer 401/403);
  // kMalformedInput for a body that is not a push envelope (answer 400).
  model::Result<PushNotice> verify(std::string_view authorization_header, std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hiresync::providers::google
