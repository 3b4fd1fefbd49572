// Google OAuth 2.0 authorization code flow with PKCE (PROTOCOLS.md A.11, C).
#include <utility>

#include "providers/google/google.hpp"
#include "providers/google/google_internal.hpp"

namespace hiresync::providers::google {
namespace {

class GoogleOAuthClient final : public OAuthClient {
 public:
  GoogleOAuthClient(GoogleConfig config, net::HttpClient& http, std::function<std::int64_t()> clock_s)
      : config_(std::move(config)), http_(http), clock_s_(std::move(clock_s)) {
    if (!clock_s_) clock_s_ = system_now_s;
  }

  std::string authorize_url(const AuthorizeRequest& request) const override {
    net::Fields fields{
        {"client_id", config_.client_id},
        {"redirect_uri", config_.redirect_uri},
        {"response_type", "code"},
        {"scope", join_scopes(config_.scopes)},
        {"state", request.state},
        {"access_type", "offline"},
        {"prompt", "consent"},
        {"include_granted_scopes", "true"},
    };
    if (!request.login_hint.empty()) fields.emplace_back("login_hint", request.login_hint);
    fields.emplace_back("code_challenge", request.code_challenge);
    fields.emplace_back("code_challenge_method", "S256");
    const char sep = config_.auth_url.find('?') == std::string::npos ? '?' : '&';
    return config_.auth_url + sep + net::encode_query(fields);
  }

  model::Result<Tokens> exchange_code(const std::string& code, const std::string& code_verifier) override {
    return token_request(
        {
            {"grant_type", "authorization_code"},
            {"code", code},
            {"redirect_uri", config_.redirect_uri},
            {"client_id", config_.client_id},
            {"client_secret", config_.client_secret},
            {"code_verifier", code_verifier},
        },
        "token");
  }

  model::Result<Tokens> refresh(const std::string& refresh_token) override {
    return token_request(
        {
            {"grant_type", "refresh_token"},
            {"refresh_token", refresh_token},
            {"client_id", config_.client_id},
            {"client_secret", config_.client_secret},
        },
        "refresh");
  }

  model::Status revoke(const std::string& token) override {
    auto response = http_.send(form_post(config_.revoke_url, {{"token", token}}));
    if (!response) return map_error(0, response.error().detail, "", "revoke");
    if (response->status >= 200 && response->status < 300) return {};
    if (response->status == 400) {
      // Revoking a token that is already dead is success (idempotent).
      auto json = parse_json(response->body);
      if (json && json_string(*json, "error") == "invalid_token") return {};
    }
    return map_error(response->status, response->body, response->header("Retry-After"), "revoke");
  }

  model::Error authorize_error(const std::string& error, const std::string& description) const override {
    return internal::oauth_error(error, description, "authorize", 0);
  }

 private:
  model::Result<Tokens> token_request(const net::Fields& form, std::string_view context) {
    return request_tokens(http_, config_.token_url, form, map_error, "google", context, clock_s_());
  }

  GoogleConfig config_;
  net::HttpClient& http_;
  std::function<std::int64_t()> clock_s_;
};

}  // namespace

std::unique_ptr<OAuthClient> make_oauth_client(GoogleConfig config, net::HttpClient& http,
                                               std::function<std::int64_t()> clock_s) {
  return std::make_unique<GoogleOAuthClient>(std::move(config), http, std::move(clock_s));
}

}  // namespace hiresync::providers::google
