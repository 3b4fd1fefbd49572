// Entra ID OAuth 2.0 authorization code flow with PKCE on the v2.0 endpoints (PROTOCOLS.md B.7,
// B.8, C).
#include <utility>

#include "providers/common/common.hpp"
#include "providers/microsoft/microsoft.hpp"

namespace hiresync::providers::microsoft {
namespace {

class EntraOAuthClient final : public OAuthClient {
 public:
  EntraOAuthClient(MicrosoftConfig config, net::HttpClient& http, std::function<std::int64_t()> clock_s)
      : config_(std::move(config)),
        http_(http),
        clock_s_(std::move(clock_s)),
        endpoint_(config_.authority + "/" + net::url_encode(config_.tenant) + "/oauth2/v2.0/") {
    if (!clock_s_) clock_s_ = system_now_s;
  }

  std::string authorize_url(const AuthorizeRequest& request) const override {
    net::Fields fields{
        {"client_id", config_.client_id},       {"response_type", "code"},
        {"redirect_uri", config_.redirect_uri}, {"response_mode", "query"},
        {"scope", join_scopes(config_.scopes)}, {"state", request.state},
    };
    if (!request.login_hint.empty()) fields.emplace_back("login_hint", request.login_hint);
    fields.emplace_back("code_challenge", request.code_challenge);
    fields.emplace_back("code_challenge_method", "S256");
    return endpoint_ + "authorize?" + net::encode_query(fields);
  }

  model::Result<Tokens> exchange_code(const std::string& code, const std::string& code_verifier) override {
    return token_request(
        {
            {"client_id", config_.client_id},
            {"scope", join_scopes(config_.scopes)},
            {"code", code},
            {"redirect_uri", config_.redirect_uri},
            {"grant_type", "authorization_code"},
            {"code_verifier", code_verifier},
            {"client_secret", config_.client_secret},
        },
        "token");
  }

  model::Result<Tokens> refresh(const std::string& refresh_token) override {
    return token_request(
        {
            {"client_id", config_.client_id},
            {"scope", join_scopes(config_.scopes)},
            {"refresh_token", refresh_token},
            {"grant_type", "refresh_token"},
            {"client_secret", config_.client_secret},
        },
        "refresh");
  }

  // Entra has no revocation endpoint for a delegated authorization-code grant (a user removes the
  // app in My Apps, an admin revokes sessions or the enterprise app). The engine forgets the
  // tokens and deletes the subscriptions with MailClient::stop(); nothing to call here.
  model::Status revoke(const std::string& /*token*/) override { return {}; }

  model::Error authorize_error(const std::string& error, const std::string& description) const override {
    return microsoft::authorize_error(error, description);
  }

 private:
  model::Result<Tokens> token_request(const net::Fields& form, std::string_view context) {
    return request_tokens(http_, endpoint_ + "token", form, map_error, "microsoft", context, clock_s_());
  }

  MicrosoftConfig config_;
  net::HttpClient& http_;
  std::function<std::int64_t()> clock_s_;
  std::string endpoint_;  // {authority}/{tenant}/oauth2/v2.0/
};

}  // namespace

std::unique_ptr<OAuthClient> make_oauth_client(MicrosoftConfig config, net::HttpClient& http,
                                               std::function<std::int64_t()> clock_s) {
  return std::make_unique<EntraOAuthClient>(std::move(config), http, std::move(clock_s));
}

}  // namespace hiresync::providers::microsoft
