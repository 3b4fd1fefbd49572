#include "sandbox/microsoft/entra.hpp"

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "sandbox/google/mime_tree.hpp"
#include "sandbox/google/oauth.hpp"
#include "sandbox/google/random.hpp"
#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

constexpr std::int64_t kCodeLifetimeMs = 10LL * 60 * 1000;
constexpr std::int64_t kPendingLifetimeMs = 60LL * 60 * 1000;
constexpr const char* kExpiredText =
    "The provided authorization code or refresh token has expired due to inactivity. Send a new "
    "interactive authorization request for this user and resource.";

std::string field(const net::Fields& fields, std::string_view name) {
  for (const auto& [n, v] : fields) {
    if (n == name) return v;
  }
  return {};
}

std::string sha256_base64url(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return net::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

bool has_word(const std::string& list, std::string_view word) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t end = std::min(list.find(' ', pos), list.size());
    if (lower(list.substr(pos, end - pos)) == word) return true;
    pos = end + 1;
  }
  return false;
}

// The granted scope as Entra reports it: the requested scopes without offline_access.
std::string reported_scope(const std::string& scope) {
  std::string out;
  std::size_t pos = 0;
  while (pos < scope.size()) {
    const std::size_t end = std::min(scope.find(' ', pos), scope.size());
    const std::string word = scope.substr(pos, end - pos);
    if (!word.empty() && lower(word) != "offline_access") out += (out.empty() ? "" : " ") + word;
    pos = end + 1;
  }
  return out;
}

std::string with_query(const std::string& uri, const net::Fields& fields) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + net::encode_query(fields);
}

net::Response error_page(int status, const std::string& text) {
  return net::Response::html(status,
                             "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in to your "
                             "account</title></head><body><h1>Sorry, but we're having trouble signing you "
                             "in.</h1><p>" +
                                 net::html_escape(text) + "</p></body></html>");
}

// An unsigned JWT-shaped token: clients must treat it as opaque.
std::string jwt_like(const nlohmann::json& claims) {
  return net::base64url_encode(R"({"typ":"JWT","alg":"none"})") + "." + net::base64url_encode(claims.dump()) +
         "." + google::random_token(32);
}

}  // namespace

EntraServer::EntraServer(EntraOptions options, const Clock& clock, AccountLookup lookup, Counter count)
    : options_(options), clock_(clock), lookup_(std::move(lookup)), count_(std::move(count)) {}

net::Response EntraServer::redirect_error(const Pending& p, const std::string& error, int aadsts,
                                          const std::string& text) {
  net::Fields f = {{"error", error}, {"error_description", entra_description(aadsts, text, clock_.now_ms())}};
  if (!p.state.empty()) f.emplace_back("state", p.state);
  return net::Response::redirect(with_query(p.redirect_uri, f));
}

net::Response EntraServer::authorize(const net::Request& req, const std::string& tenant) {
  const auto param = [&](std::string_view n) { return req.param(n).value_or(""); };
  const std::string client_id = param("client_id");
  if (client_id != google::kClientId) {
    return error_page(400, entra_description(700016,
                                             "Application with identifier '" + client_id +
                                                 "' was not found in the directory '" + tenant + "'.",
                                             clock_.now_ms()));
  }
  Pending p;
  p.redirect_uri = param("redirect_uri");
  if (p.redirect_uri.rfind("http://", 0) != 0 && p.redirect_uri.rfind("https://", 0) != 0) {
    return error_page(400, entra_description(50011,
                                             "The redirect URI '" + p.redirect_uri +
                                                 "' specified in the request does not match the redirect "
                                                 "URIs configured for the application.",
                                             clock_.now_ms()));
  }
  p.scope = param("scope");
  p.state = param("state");
  p.challenge = param("code_challenge");
  p.login_hint = lower(param("login_hint"));
  p.expires_ms = clock_.now_ms() + kPendingLifetimeMs;
  if (param("response_type") != "code") {
    return redirect_error(p, "unsupported_response_type", 900144,
                          "The provided value for the input parameter 'response_type' is not allowed for "
                          "this request. Expected value: 'code'.");
  }
  if (p.scope.empty()) {
    return redirect_error(p, "invalid_request", 900144,
                          "The request body must contain the following parameter: 'scope'.");
  }
  if (p.challenge.empty() || param("code_challenge_method") != "S256") {
    return redirect_error(p, "invalid_request", 9002325,
                          "Proof Key for Code Exchange is required (code_challenge with "
                          "code_challenge_method=S256).");
  }
  if (options_.auto_consent) return decide(p, p.login_hint, true);
  const std::string id = google::random_token(18);
  {
    const std::lock_guard lock(mu_);
    const std::int64_t now = clock_.now_ms();
    std::erase_if(pending_, [now](const auto& kv) { return kv.second.expires_ms < now; });
    pending_[id] = p;
  }
  return consent_page(id, tenant, p);
}

net::Response EntraServer::decision(const net::Request& req) {
  const net::Fields form = net::parse_query(req.body);
  Pending p;
  {
    const std::lock_guard lock(mu_);
    const auto it = pending_.find(field(form, "request_id"));
    if (it == pending_.end() || it->second.expires_ms < clock_.now_ms()) {
      return error_page(400, "This sign-in request is unknown or has expired.");
    }
    p = it->second;
    pending_.erase(it);
  }
  return decide(p, lower(field(form, "account")), field(form, "decision") == "allow");
}

net::Response EntraServer::decide(const Pending& p, const std::string& account, bool allow) {
  if (!allow) return redirect_error(p, "access_denied", 65004, "User declined to consent to access the app.");
  const std::optional<AccountSettings> settings = lookup_(account);
  if (!settings) {
    return redirect_error(p, "access_denied", 50034,
                          "The user account " + account + " does not exist in the directory.");
  }
  switch (settings->consent) {
    case Consent::kGranted:
      break;
    // Entra shows these on its own page and does not redirect (sandbox/README.md, "Consent
    // outcomes"): the client never hears of them.
    case Consent::kAdminRequired:
      return interrupt_page(403, "Need admin approval", 90094,
                            "HireSync (sandbox) needs permission to access resources in your organization "
                            "that only an admin can grant. Ask an admin to grant permission to this app "
                            "before you can use it.",
                            account);
    case Consent::kAdminApproval90095:
      return interrupt_page(403, "Approval required", 90095,
                            "HireSync (sandbox) needs permission to access resources in your organization "
                            "that only an admin can grant. Request approval from your admin: enter a "
                            "justification and they will be notified.",
                            account);
    case Consent::kAdminConsent65001:
      return redirect_error(p, "consent_required", 65001,
                            std::string("The user or administrator has not consented to use the application "
                                        "with ID '") +
                                google::kClientId +
                                "' named 'HireSync (sandbox)'. Send an interactive authorization request "
                                "for this user and resource.");
    case Consent::kNotAssigned:
      return interrupt_page(400, "Sorry, but we're having trouble signing you in.", 50105,
                            "Your administrator has configured the application HireSync (sandbox) ('" +
                                std::string(google::kClientId) +
                                "') to block users unless they are specifically granted ('assigned') access "
                                "to the application. The signed in user '" +
                                account +
                                "' is blocked because they are not a direct member of a group "
                                "with access, nor had access directly assigned by an administrator.",
                            account);
  }
  const std::string code = "0.A" + google::random_token(48);
  {
    const std::lock_guard lock(mu_);
    const std::int64_t now = clock_.now_ms();
    std::erase_if(codes_, [now](const auto& kv) { return kv.second.expires_ms < now; });
    codes_[code] = Code{p, account, now + kCodeLifetimeMs};
  }
  net::Fields f = {{"code", code}};
  if (!p.state.empty()) f.emplace_back("state", p.state);
  f.emplace_back("session_state", stable_guid(account));
  return net::Response::redirect(with_query(p.redirect_uri, f));
}

net::Response EntraServer::token(const net::Request& req) {
  const std::int64_t now = clock_.now_ms();
  const net::Fields form = net::parse_query(req.body);
  std::string id = field(form, "client_id");
  std::string secret = field(form, "client_secret");
  const std::string auth = req.header("Authorization");
  if (auth.size() > 6 && lower(auth.substr(0, 6)) == "basic ") {
    const std::string decoded = google::decode_base64(auth.substr(6));
    const std::size_t colon = decoded.find(':');
    id = net::url_decode(decoded.substr(0, colon), true);
    secret = colon == std::string::npos ? "" : net::url_decode(decoded.substr(colon + 1), true);
  }
  if (id != google::kClientId) {
    return entra_error(400, "unauthorized_client", 700016,
                       "Application with identifier '" + id + "' was not found in the directory.", now);
  }
  if (secret != google::kClientSecret) {
    return entra_error(401, "invalid_client", 7000215,
                       "Invalid client secret provided. Ensure the secret being sent in the request is the "
                       "client secret value, not the client secret ID, for a secret added to app '" +
                           id + "'.",
                       now);
  }
  const std::string grant_type = field(form, "grant_type");
  if (grant_type == "authorization_code") return exchange_code(form);
  if (grant_type == "refresh_token") return refresh(form);
  if (grant_type.empty()) {
    return entra_error(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: 'grant_type'.", now);
  }
  return entra_error(400, "unsupported_grant_type", 70003,
                     "The app requested an unsupported grant type '" + grant_type + "'.", now);
}

net::Response EntraServer::exchange_code(const net::Fields& form) {
  const std::int64_t now = clock_.now_ms();
  const std::string value = field(form, "code");
  Code code;
  {
    const std::lock_guard lock(mu_);
    const auto it = codes_.find(value);
    if (it == codes_.end()) {
      if (redeemed_.count(value) != 0) {
        return entra_error(400, "invalid_grant", 54005,
                           "OAuth2 Authorization code was already redeemed, please retry with a new valid "
                           "code or use an existing refresh token.",
                           now);
      }
      return entra_error(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.",
                         now);
    }
    code = it->second;
    codes_.erase(it);  // single use, whatever happens next
    std::erase_if(redeemed_, [now](const auto& kv) { return kv.second < now; });
    redeemed_[value] = now + kCodeLifetimeMs;
  }
  count_(code.account, "token");
  if (code.expires_ms < now) return entra_error(400, "invalid_grant", 70008, kExpiredText, now);
  if (field(form, "redirect_uri") != code.request.redirect_uri) {
    return entra_error(400, "invalid_grant", 50011,
                       "The redirect URI '" + field(form, "redirect_uri") +
                           "' specified in the request does not match the redirect URI of the authorization "
                           "request.",
                       now);
  }
  const std::string verifier = field(form, "code_verifier");
  if (verifier.empty()) {
    return entra_error(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: 'code_verifier'.", now);
  }
  if (sha256_base64url(verifier) != code.request.challenge) {
    return entra_error(400, "invalid_grant", 501481,
                       "The Code_Verifier does not match the code_challenge supplied in the authorization "
                       "request.",
                       now);
  }
  const std::lock_guard lock(mu_);
  const std::uint64_t grant_id = next_grant_++;
  grants_[grant_id] = Grant{code.account, code.request.scope, false, false};
  return token_response(grant_id);
}

net::Response EntraServer::refresh(const net::Fields& form) {
  const std::int64_t now = clock_.now_ms();
  const std::string token = field(form, "refresh_token");
  if (token.empty()) {
    return entra_error(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: 'refresh_token'.", now);
  }
  std::string account;
  {
    const std::lock_guard lock(mu_);
    if (const auto it = refresh_tokens_.find(token); it != refresh_tokens_.end())
      account = grants_[it->second.grant].account;
  }
  if (account.empty()) {
    return entra_error(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.",
                       now);
  }
  count_(account, "token");
  const std::optional<AccountSettings> settings = lookup_(account);
  const std::lock_guard lock(mu_);
  RefreshToken& rt = refresh_tokens_[token];
  const Grant& g = grants_[rt.grant];
  if (g.revoked) {
    return entra_error(400, "invalid_grant", 50173,
                       "The provided grant has expired due to it being revoked, a fresh auth token is "
                       "needed. The user might have changed or reset their password.",
                       now);
  }
  if (g.inactive) {
    return entra_error(400, "invalid_grant", 700082,
                       "The refresh token has expired due to inactivity. The token was issued on " +
                           entra_timestamp(now - 91LL * 24 * 3600 * 1000) +
                           " and was inactive for 90.00:00:00.",
                       now);
  }
  if (rt.superseded_ms != 0 && now > rt.superseded_ms + options_.refresh_grace_s * 1000) {
    return entra_error(400, "invalid_grant", 70008, kExpiredText, now);
  }
  if (settings && settings->consent == Consent::kNotAssigned) {
    return entra_error(400, "invalid_grant", 50105,
                       "The signed in user '" + account + "' is not assigned to a role for the application.",
                       now);
  }
  if (settings && settings->consent != Consent::kGranted) {
    return entra_error(400, "invalid_grant", 65001,
                       "The user or administrator has not consented to use the application. Send an "
                       "interactive authorization request for this user and resource.",
                       now);
  }
  if (rt.superseded_ms == 0) rt.superseded_ms = now;
  return token_response(rt.grant);
}

net::Response EntraServer::token_response(std::uint64_t grant_id) {
  const Grant& g = grants_[grant_id];
  const std::int64_t now = clock_.now_ms();
  const nlohmann::json claims = {{"aud", "https://graph.microsoft.com"},
                                 {"iss", "https://sts.windows.net/" + stable_guid(g.account) + "/"},
                                 {"upn", g.account},
                                 {"oid", stable_guid("user:" + g.account)},
                                 {"scp", reported_scope(g.scope)},
                                 {"iat", now / 1000},
                                 {"exp", now / 1000 + options_.token_ttl_s},
                                 {"uti", google::random_token(12)}};
  const std::string access = jwt_like(claims);
  access_tokens_[access] = AccessToken{grant_id, now + options_.token_ttl_s * 1000, false};
  nlohmann::json body = {{"token_type", "Bearer"},
                         {"scope", reported_scope(g.scope)},
                         {"expires_in", options_.token_ttl_s},
                         {"ext_expires_in", options_.token_ttl_s},
                         {"access_token", access}};
  if (has_word(g.scope, "offline_access")) {
    const std::string refresh = "1.AQ" + google::random_token(96);
    refresh_tokens_[refresh] = RefreshToken{grant_id, 0};
    body["refresh_token"] = refresh;
  }
  if (has_word(g.scope, "openid")) {
    body["id_token"] =
        jwt_like({{"aud", google::kClientId},
                  {"iss", "https://login.microsoftonline.com/" + stable_guid(g.account) + "/v2.0"},
                  {"preferred_username", g.account},
                  {"email", g.account},
                  {"oid", stable_guid("user:" + g.account)},
                  {"iat", now / 1000},
                  {"exp", now / 1000 + 3600}});
  }
  return no_store_json(200, body.dump());
}

std::optional<TokenGrant> EntraServer::authenticate(const std::string& access_token, std::string& why) {
  const std::lock_guard lock(mu_);
  const auto it = access_tokens_.find(access_token);
  if (it == access_tokens_.end()) {
    why = access_token.empty() ? "Access token is empty." : "IDX14100: JWT is not well formed.";
    return std::nullopt;
  }
  const Grant& g = grants_[it->second.grant];
  if (it->second.expired || it->second.expires_ms <= clock_.now_ms() || g.revoked) {
    why = "Lifetime validation failed, the token is expired.";
    return std::nullopt;
  }
  return TokenGrant{g.account, g.scope};
}

std::string EntraServer::token_owner(const std::string& access_token) {
  const std::lock_guard lock(mu_);
  const auto it = access_tokens_.find(access_token);
  return it == access_tokens_.end() ? std::string() : grants_[it->second.grant].account;
}

void EntraServer::expire_tokens(const std::string& account) {
  const std::lock_guard lock(mu_);
  for (auto& [token, t] : access_tokens_) {
    if (grants_[t.grant].account == account) t.expired = true;
  }
}

void EntraServer::revoke_account(const std::string& account) {
  const std::lock_guard lock(mu_);
  for (auto& [id, g] : grants_) {
    if (g.account == account) g.revoked = true;
  }
}

void EntraServer::expire_refresh(const std::string& account) {
  const std::lock_guard lock(mu_);
  for (auto& [id, g] : grants_) {
    if (g.account == account) g.inactive = true;
  }
}

}  // namespace hiresync::sandbox::microsoft
