// Google's OAuth 2.0 side (shared/PROTOCOLS.md C, A.10, A.11): the authorize endpoint with its
// consent page, the token endpoint (authorization_code with PKCE S256, refresh_token without
// rotation), revocation, and the access-token check the Gmail API uses.
//
// Built-in client: kClientId / kClientSecret; any http:// redirect_uri, which must be the same on
// the authorize and the token request. Codes are single use (consumed by the first exchange
// attempt, even a failing one) and live 10 minutes. A refresh token is issued with
// access_type=offline on the account's first grant, or again when prompt includes "consent"
// (Google's rule). Revoking any token of an account revokes all its grants (Google revokes every
// grant of the project for that user).
//
// Thread-safe: every method may be called from several server threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "net/http.hpp"
#include "sandbox/clock.hpp"
#include "sandbox/google/account.hpp"
#include "sandbox/google/jwt.hpp"

namespace hiresync::sandbox::google {

inline constexpr const char* kClientId = "hiresync-sandbox-client";
inline constexpr const char* kClientSecret = "hiresync-sandbox-secret";

struct OAuthOptions {
  bool auto_consent = false;
  std::int64_t token_ttl_s = 3599;
};

// Whom an access token speaks for.
struct TokenGrant {
  std::string account;
  std::string scope;  // space separated
};

class OAuthServer {
 public:
  using AccountLookup = std::function<std::optional<AccountSettings>(const std::string& address)>;
  using Counter = std::function<void(const std::string& account, const char* endpoint)>;

  // `lookup` finds an account's settings; `count` records token/revoke requests for stats. Both are
  // called without this object's lock held. `clock` and `signer` must outlive the server.
  OAuthServer(OAuthOptions options, const Clock& clock, const RsaSigner& signer, AccountLookup lookup,
              Counter count);

  // GET /o/oauth2/v2/auth: consent page, or (auto consent) the redirect with the decision.
  net::Response authorize(const net::Request& req);
  // POST /o/oauth2/v2/auth/decision (form: request_id, account, decision=allow|deny).
  net::Response decision(const net::Request& req);
  // POST /token (form body).
  net::Response token(const net::Request& req);
  // POST /revoke?token= or form token=.
  net::Response revoke(const net::Request& req);

  // The grant behind a Bearer access token, or nullopt when it is unknown, expired or revoked.
  std::optional<TokenGrant> authenticate(const std::string& access_token);

  // The account an access token was issued for, even when it is expired or revoked ("" when the
  // token is unknown). For request accounting only.
  std::string token_owner(const std::string& access_token);

  // Control: every current access token of `account` stops working (refresh still works).
  void expire_tokens(const std::string& account);
  // Control: every grant of `account` is revoked (refresh answers invalid_grant).
  void revoke_account(const std::string& account);

 private:
  struct Pending {  // an authorization request waiting on the consent page
    std::string redirect_uri, scope, state, challenge, login_hint;
    bool offline = false;
    bool force_consent = false;
    std::int64_t expires_ms = 0;
  };
  struct Code {
    Pending request;
    std::string account;
    std::int64_t expires_ms = 0;
  };
  struct Grant {
    std::string account, scope, refresh_token;
    bool revoked = false;
  };
  struct AccessToken {
    std::uint64_t grant = 0;
    std::int64_t expires_ms = 0;
    bool expired = false;
  };

  net::Response decide(const Pending& p, const std::string& account, bool allow);
  net::Response consent_page(const std::string& request_id, const Pending& p);
  // Google's own "Access blocked" page for a consent the account's organization refuses
  // ("Error <status>: <error>"); it never goes back to the client. Everything is escaped.
  static net::Response blocked_page(int status, const std::string& error, const std::string& account,
                                    const std::string& text);
  net::Response exchange_code(const net::Fields& form);
  net::Response refresh(const net::Fields& form);
  // Issues an access token for grant `grant_id` and builds the token response. Caller holds mu_.
  net::Response token_response(std::uint64_t grant_id, bool with_refresh);
  void revoke_account_locked(const std::string& account);

  const OAuthOptions options_;
  const Clock& clock_;
  const RsaSigner& signer_;
  AccountLookup lookup_;
  Counter count_;

  std::mutex mu_;
  std::map<std::string, Pending> pending_;
  std::map<std::string, Code> codes_;
  std::map<std::uint64_t, Grant> grants_;
  std::map<std::string, std::uint64_t> refresh_tokens_;  // refresh token -> grant
  std::map<std::string, AccessToken> access_tokens_;
  std::uint64_t next_grant_ = 1;
};

}  // namespace hiresync::sandbox::google
