#include "sandbox/google/oauth.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "sandbox/google/errors.hpp"
#include "sandbox/google/mime_tree.hpp"
#include "sandbox/google/random.hpp"

namespace hiresync::sandbox::google {

namespace {

constexpr std::int64_t kCodeLifetimeMs = 10LL * 60 * 1000;
constexpr std::int64_t kPendingLifetimeMs = 60LL * 60 * 1000;

std::string field(const net::Fields& fields, std::string_view name) {
  for (const auto& [n, v] : fields) {
    if (n == name) return v;
  }
  return {};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string sha256_base64url(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return net::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// A stable numeric subject for an account, like Google's 21-digit user ids.
std::string subject_of(const std::string& account) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(account.data()), account.size(), digest);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8U) | digest[i];
  char out[32];
  std::snprintf(out, sizeof out, "1%020llu", static_cast<unsigned long long>(v % 10000000000000000000ULL));
  return out;  // 21 digits, like Google's account ids
}

bool contains_word(const std::string& list, std::string_view word) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t end = std::min(list.find(' ', pos), list.size());
    if (std::string_view(list).substr(pos, end - pos) == word) return true;
    pos = end + 1;
  }
  return false;
}

std::string with_query(const std::string& uri, const net::Fields& fields) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + net::encode_query(fields);
}

net::Response error_redirect(const std::string& redirect_uri, const std::string& state,
                             const std::string& error, const std::string& description) {
  net::Fields f = {{"error", error}, {"error_description", description}};
  if (!state.empty()) f.emplace_back("state", state);
  return net::Response::redirect(with_query(redirect_uri, f));
}

net::Response error_page(int status, const std::string& title, const std::string& text) {
  return net::Response::html(status, "<!doctype html><html><head><meta charset=\"utf-8\"><title>" +
                                         net::html_escape(title) + "</title></head><body><h1>" +
                                         net::html_escape(title) + "</h1><p>" + net::html_escape(text) +
                                         "</p></body></html>");
}

// Client authentication: HTTP Basic or client_id/client_secret in the form. Returns "" when it
// passes, else the error description (invalid_client).
std::string check_client(const net::Request& req, const net::Fields& form, bool& used_basic) {
  std::string id = field(form, "client_id");
  std::string secret = field(form, "client_secret");
  const std::string auth = req.header("Authorization");
  used_basic = auth.size() > 6 && lower(auth.substr(0, 6)) == "basic ";
  if (used_basic) {
    const std::string decoded = decode_base64(auth.substr(6));
    const std::size_t colon = decoded.find(':');
    if (colon == std::string::npos) return "Unauthorized";
    id = net::url_decode(decoded.substr(0, colon), true);
    secret = net::url_decode(decoded.substr(colon + 1), true);
  }
  if (id != kClientId) return "The OAuth client was not found.";
  if (secret != kClientSecret) return "Unauthorized";
  return {};
}

}  // namespace

OAuthServer::OAuthServer(OAuthOptions options, const Clock& clock, const RsaSigner& signer,
                         AccountLookup lookup, Counter count)
    : options_(options),
      clock_(clock),
      signer_(signer),
      lookup_(std::move(lookup)),
      count_(std::move(count)) {}

net::Response OAuthServer::authorize(const net::Request& req) {
  const auto param = [&](std::string_view n) { return req.param(n).value_or(""); };
  const std::string client_id = param("client_id");
  const std::string redirect_uri = param("redirect_uri");
  if (client_id != kClientId) {
    return error_page(401, "Error 401: invalid_client", "The OAuth client was not found.");
  }
  if (redirect_uri.rfind("http://", 0) != 0) {
    return error_page(
        400, "Error 400: redirect_uri_mismatch",
        "The redirect URI in the request does not match the ones authorized for the OAuth client.");
  }
  Pending p;
  p.redirect_uri = redirect_uri;
  p.scope = param("scope");
  p.state = param("state");
  p.challenge = param("code_challenge");
  p.login_hint = lower(param("login_hint"));
  p.offline = param("access_type") == "offline";
  p.force_consent = contains_word(param("prompt"), "consent");
  p.expires_ms = clock_.now_ms() + kPendingLifetimeMs;
  if (param("response_type") != "code") {
    return error_redirect(redirect_uri, p.state, "unsupported_response_type",
                          "Only response_type=code is supported");
  }
  if (p.scope.empty())
    return error_redirect(redirect_uri, p.state, "invalid_request", "Missing required parameter: scope");
  if (p.challenge.empty() || param("code_challenge_method") != "S256") {
    return error_redirect(redirect_uri, p.state, "invalid_request",
                          "PKCE is required: code_challenge with code_challenge_method=S256");
  }
  if (options_.auto_consent) return decide(p, p.login_hint, true);
  const std::string id = random_token(18);
  {
    const std::lock_guard lock(mu_);
    const std::int64_t now = clock_.now_ms();
    std::erase_if(pending_, [now](const auto& kv) { return kv.second.expires_ms < now; });
    pending_[id] = p;
  }
  return consent_page(id, p);
}

net::Response OAuthServer::decision(const net::Request& req) {
  const net::Fields form = net::parse_query(req.body);
  Pending p;
  {
    const std::lock_guard lock(mu_);
    const auto it = pending_.find(field(form, "request_id"));
    if (it == pending_.end() || it->second.expires_ms < clock_.now_ms()) {
      return error_page(400, "Error 400: invalid_request",
                        "This authorization request is unknown or has expired.");
    }
    p = it->second;
    pending_.erase(it);
  }
  return decide(p, lower(field(form, "account")), field(form, "decision") == "allow");
}

net::Response OAuthServer::decide(const Pending& p, const std::string& account, bool allow) {
  if (!allow) return error_redirect(p.redirect_uri, p.state, "access_denied", "The user denied access.");
  const std::optional<AccountSettings> settings = lookup_(account);
  if (!settings) return error_redirect(p.redirect_uri, p.state, "access_denied", "Unknown account.");
  switch (settings->consent) {
    case Consent::kGranted:
      break;
    // Google shows these on its own page and never redirects (sandbox/README.md, "Consent
    // outcomes"): the client learns nothing; only a Deny comes back as access_denied.
    case Consent::kAdminPolicyEnforced:
      return blocked_page(400, "admin_policy_enforced", account,
                          "The administrator of your organization does not allow you to use HireSync "
                          "(sandbox client), or to share some of your organization's data with it. "
                          "Contact your Google Workspace administrator if you believe you should have "
                          "access.");
    case Consent::kOrgInternal:
      return blocked_page(403, "org_internal", account,
                          "HireSync (sandbox client) can only be used within its organization. Sign in "
                          "with an account of that organization.");
    case Consent::kAccessDenied:
      return error_redirect(p.redirect_uri, p.state, "access_denied", "The user denied access.");
  }
  const std::string code = "4/0" + random_token(32);
  {
    const std::lock_guard lock(mu_);
    const std::int64_t now = clock_.now_ms();
    std::erase_if(codes_, [now](const auto& kv) { return kv.second.expires_ms < now; });
    codes_[code] = Code{p, account, now + kCodeLifetimeMs};
  }
  net::Fields f = {{"code", code}, {"scope", p.scope}};
  if (!p.state.empty()) f.emplace_back("state", p.state);
  return net::Response::redirect(with_query(p.redirect_uri, f));
}

net::Response OAuthServer::token(const net::Request& req) {
  const net::Fields form = net::parse_query(req.body);
  bool used_basic = false;
  if (const std::string bad = check_client(req, form, used_basic); !bad.empty()) {
    net::Response r = oauth_error(401, "invalid_client", bad);
    if (used_basic) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"oauth\"");
    return r;
  }
  const std::string grant_type = field(form, "grant_type");
  if (grant_type.empty())
    return oauth_error(400, "invalid_request", "Missing required parameter: grant_type");
  if (grant_type == "authorization_code") return exchange_code(form);
  if (grant_type == "refresh_token") return refresh(form);
  return oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant_type);
}

net::Response OAuthServer::exchange_code(const net::Fields& form) {
  Code code;
  {
    const std::lock_guard lock(mu_);
    const auto it = codes_.find(field(form, "code"));
    if (it == codes_.end()) return oauth_error(400, "invalid_grant", "Bad Request");
    code = it->second;
    codes_.erase(it);  // single use, whatever happens next
  }
  count_(code.account, "token");
  if (code.expires_ms < clock_.now_ms()) return oauth_error(400, "invalid_grant", "Bad Request");
  if (field(form, "redirect_uri") != code.request.redirect_uri)
    return oauth_error(400, "invalid_grant", "Bad Request");
  const std::string verifier = field(form, "code_verifier");
  if (verifier.empty()) return oauth_error(400, "invalid_grant", "Missing code verifier.");
  if (sha256_base64url(verifier) != code.request.challenge) {
    return oauth_error(400, "invalid_grant", "Invalid code verifier.");
  }
  const std::lock_guard lock(mu_);
  bool has_live_grant = false;
  for (const auto& [id, g] : grants_) has_live_grant |= g.account == code.account && !g.revoked;
  const bool with_refresh = code.request.offline && (!has_live_grant || code.request.force_consent);
  const std::uint64_t grant_id = next_grant_++;
  Grant& g = grants_[grant_id];
  g.account = code.account;
  g.scope = code.request.scope;
  if (with_refresh) {
    g.refresh_token = "1//0" + random_token(48);
    refresh_tokens_[g.refresh_token] = grant_id;
  }
  return token_response(grant_id, with_refresh);
}

net::Response OAuthServer::refresh(const net::Fields& form) {
  const std::string token = field(form, "refresh_token");
  if (token.empty()) return oauth_error(400, "invalid_request", "Missing required parameter: refresh_token");
  std::string account;
  {
    const std::lock_guard lock(mu_);
    const auto it = refresh_tokens_.find(token);
    if (it != refresh_tokens_.end()) account = grants_[it->second].account;
  }
  if (!account.empty()) count_(account, "token");
  const std::lock_guard lock(mu_);
  const auto it = refresh_tokens_.find(token);
  if (it == refresh_tokens_.end() || grants_[it->second].revoked) {
    return oauth_error(400, "invalid_grant", "Token has been expired or revoked.");
  }
  return token_response(it->second, false);
}

net::Response OAuthServer::token_response(std::uint64_t grant_id, bool with_refresh) {
  const Grant& g = grants_[grant_id];
  const std::int64_t now = clock_.now_ms();
  const std::string access = "ya29.sandbox-" + random_token(48);
  access_tokens_[access] = AccessToken{grant_id, now + options_.token_ttl_s * 1000, false};
  nlohmann::json body = {{"access_token", access},
                         {"expires_in", options_.token_ttl_s},
                         {"token_type", "Bearer"},
                         {"scope", g.scope}};
  if (with_refresh) body["refresh_token"] = g.refresh_token;
  if (contains_word(g.scope, "openid")) {
    body["id_token"] = signer_.sign({{"iss", "https://accounts.google.com"},
                                     {"azp", kClientId},
                                     {"aud", kClientId},
                                     {"sub", subject_of(g.account)},
                                     {"email", g.account},
                                     {"email_verified", true},
                                     {"iat", now / 1000},
                                     {"exp", now / 1000 + 3600}});
  }
  return no_store_json(200, body.dump());
}

net::Response OAuthServer::revoke(const net::Request& req) {
  std::string token = req.param("token").value_or("");
  if (token.empty()) token = field(net::parse_query(req.body), "token");
  std::string account;
  {
    const std::lock_guard lock(mu_);
    if (const auto r = refresh_tokens_.find(token); r != refresh_tokens_.end()) {
      account = grants_[r->second].account;
    } else if (const auto a = access_tokens_.find(token); a != access_tokens_.end()) {
      account = grants_[a->second.grant].account;
    }
    if (!account.empty()) revoke_account_locked(account);
  }
  if (account.empty()) return oauth_error(400, "invalid_token", "Token expired or revoked");
  count_(account, "revoke");
  return net::Response::json(200, "{}");
}

std::optional<TokenGrant> OAuthServer::authenticate(const std::string& access_token) {
  const std::lock_guard lock(mu_);
  const auto it = access_tokens_.find(access_token);
  if (it == access_tokens_.end() || it->second.expired || it->second.expires_ms <= clock_.now_ms()) {
    return std::nullopt;
  }
  const Grant& g = grants_[it->second.grant];
  if (g.revoked) return std::nullopt;
  return TokenGrant{g.account, g.scope};
}

std::string OAuthServer::token_owner(const std::string& access_token) {
  const std::lock_guard lock(mu_);
  const auto it = access_tokens_.find(access_token);
  return it == access_tokens_.end() ? std::string() : grants_[it->second.grant].account;
}

void OAuthServer::expire_tokens(const std::string& account) {
  const std::lock_guard lock(mu_);
  for (auto& [token, t] : access_tokens_) {
    if (grants_[t.grant].account == account) t.expired = true;
  }
}

void OAuthServer::revoke_account(const std::string& account) {
  const std::lock_guard lock(mu_);
  revoke_account_locked(account);
}

void OAuthServer::revoke_account_locked(const std::string& account) {
  for (auto& [id, g] : grants_) {
    if (g.account == account) g.revoked = true;
  }
}

}  // namespace hiresync::sandbox::google
