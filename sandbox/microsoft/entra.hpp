// Microsoft Entra ID's OAuth 2.0 side (shared/PROTOCOLS.md B.7-B.9, C) at
// /{tenant}/oauth2/v2.0/authorize and /{tenant}/oauth2/v2.0/token for any tenant segment
// (organizations, common, a GUID or a domain).
//
// Authorize: built-in client google::kClientId, any http(s) redirect_uri (the token request must
// repeat it), response_type=code, PKCE S256 required, `state` echoed. Without auto consent a page
// with Allow/Deny posts to /{tenant}/oauth2/v2.0/authorize/decision. The account's consent setting
// decides: admin_required -> error=consent_required with AADSTS90094; admin_consent_required_65001 ->
// consent_required with AADSTS65001; not_assigned -> access_denied with AADSTS50105; Deny ->
// access_denied AADSTS65004. Redirect errors carry the Entra description with its trace lines.
//
// Token: client secret in the form or HTTP Basic (bad secret 401 invalid_client AADSTS7000215,
// unknown client 400 unauthorized_client AADSTS700016). Codes live 10 minutes and are single use
// (reuse: AADSTS54005; expired: AADSTS70008; verifier mismatch: AADSTS501481). A refresh_token is
// issued only when the scope includes offline_access. Refresh tokens ROTATE: every refresh returns a
// new one; a superseded token keeps working for `refresh_grace_s` after it was superseded, then
// answers invalid_grant AADSTS70008. Control: revoke -> AADSTS50173, expire_refresh -> AADSTS700082,
// a consent setting changed away from granted -> AADSTS65001 / 50105 on refresh.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "net/http.hpp"
#include "sandbox/clock.hpp"
#include "sandbox/microsoft/account.hpp"

namespace hiresync::sandbox::microsoft {

struct EntraOptions {
  bool auto_consent = false;
  std::int64_t token_ttl_s = 3599;
  std::int64_t refresh_grace_s = 60;
};

struct TokenGrant {
  std::string account;
  std::string scope;
};

class EntraServer {
 public:
  using AccountLookup = std::function<std::optional<AccountSettings>(const std::string& address)>;
  using Counter = std::function<void(const std::string& account, const char* endpoint)>;

  // `lookup` and `count` are called without this object's lock; `clock` must outlive the server.
  EntraServer(EntraOptions options, const Clock& clock, AccountLookup lookup, Counter count);

  // `tenant` is the first path segment; it appears in the consent form's action.
  net::Response authorize(const net::Request& req, const std::string& tenant);
  net::Response decision(const net::Request& req);
  net::Response token(const net::Request& req);

  // The grant behind an access token; nullopt when unknown, expired or revoked. `why` receives
  // Graph's 401 message.
  std::optional<TokenGrant> authenticate(const std::string& access_token, std::string& why);
  // The account a token was issued to, even when expired ("" when unknown). For accounting.
  std::string token_owner(const std::string& access_token);

  void expire_tokens(const std::string& account);   // access tokens -> 401
  void revoke_account(const std::string& account);  // refresh -> AADSTS50173, access -> 401
  void expire_refresh(const std::string& account);  // refresh -> AADSTS700082

 private:
  struct Pending {
    std::string redirect_uri, scope, state, challenge, login_hint;
    std::int64_t expires_ms = 0;
  };
  struct Code {
    Pending request;
    std::string account;
    std::int64_t expires_ms = 0;
  };
  struct Grant {
    std::string account, scope;
    bool revoked = false, inactive = false;
  };
  struct RefreshToken {
    std::uint64_t grant = 0;
    std::int64_t superseded_ms = 0;  // 0 while it is the grant's current token
  };
  struct AccessToken {
    std::uint64_t grant = 0;
    std::int64_t expires_ms = 0;
    bool expired = false;
  };

  net::Response decide(const Pending& p, const std::string& account, bool allow);
  net::Response consent_page(const std::string& request_id, const std::string& tenant, const Pending& p);
  // Entra's own page for a consent the tenant refuses (AADSTS90094 "Need admin approval", 90095
  // "Approval required", 50105 not assigned): the title, the AADSTS text with its trace lines, no
  // way back to the client. Everything is escaped.
  net::Response interrupt_page(int status, const std::string& title, int aadsts, const std::string& text,
                               const std::string& account) const;
  net::Response exchange_code(const net::Fields& form);
  net::Response refresh(const net::Fields& form);
  net::Response token_response(std::uint64_t grant_id);  // caller holds mu_
  net::Response redirect_error(const Pending& p, const std::string& error, int aadsts,
                               const std::string& text);

  const EntraOptions options_;
  const Clock& clock_;
  AccountLookup lookup_;
  Counter count_;

  std::mutex mu_;
  std::map<std::string, Pending> pending_;
  std::map<std::string, Code> codes_;
  std::map<std::string, std::int64_t> redeemed_;  // code -> expiry, to answer AADSTS54005
  std::map<std::uint64_t, Grant> grants_;
  std::map<std::string, RefreshToken> refresh_tokens_;
  std::map<std::string, AccessToken> access_tokens_;
  std::uint64_t next_grant_ = 1;
};

}  // namespace hiresync::sandbox::microsoft
