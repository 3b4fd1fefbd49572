#include "sync/tokens.hpp"

#include <nlohmann/json.hpp>

#include "net/http.hpp"

namespace hiresync::sync {

namespace {
std::string associated(model::Id user_id, const std::string& provider) {
  return "tokens:user:" + std::to_string(user_id) + ":" + provider;
}
}  // namespace

std::string TokenVault::seal(const providers::Tokens& t, model::Id user_id,
                             const std::string& provider) const {
  const nlohmann::json j{{"access_token", t.access_token},
                         {"refresh_token", t.refresh_token},
                         {"expires_at", t.expires_at},
                         {"scope", t.scope}};
  return net::base64url_encode(box_.seal(j.dump(), associated(user_id, provider)));
}

model::Result<providers::Tokens> TokenVault::open(const std::string& stored, model::Id user_id,
                                                  const std::string& provider) const {
  if (stored.empty()) return model::make_error(model::ErrorCode::kNotFound, "no tokens stored");
  auto bytes = net::base64url_decode(stored);
  if (!bytes) return model::make_error(model::ErrorCode::kMalformedInput, "stored tokens are not base64url");
  auto plain = box_.open(*bytes, associated(user_id, provider));
  if (!plain) return plain.error();
  try {
    const auto j = nlohmann::json::parse(*plain);
    providers::Tokens t;
    t.access_token = j.value("access_token", "");
    t.refresh_token = j.value("refresh_token", "");
    t.expires_at = j.value("expires_at", std::int64_t{0});
    t.scope = j.value("scope", "");
    return t;
  } catch (const nlohmann::json::exception&) {
    return model::make_error(model::ErrorCode::kMalformedInput, "stored tokens are not JSON");
  }
}

std::string TokenVault::seal_secret(const std::string& secret, const std::string& purpose) const {
  return net::base64url_encode(box_.seal(secret, purpose));
}

model::Result<std::string> TokenVault::open_secret(const std::string& stored,
                                                   const std::string& purpose) const {
  auto bytes = net::base64url_decode(stored);
  if (!bytes) return model::make_error(model::ErrorCode::kMalformedInput, "sealed secret is not base64url");
  return box_.open(*bytes, purpose);
}

}  // namespace hiresync::sync
