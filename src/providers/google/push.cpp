// Pub/Sub push authentication (OIDC JWT, RS256 against Google's JWKS) and the Gmail notification
// inside the push envelope (PROTOCOLS.md A.6).
//
// Order of the checks: the Authorization header shape, the JWT shape (three base64url parts, JSON
// header with alg RS256 and a kid), the key (cached JWKS, refetched on an unknown kid at most once a
// minute), the signature, and only then the claims (iss, aud, exp, email, email_verified), so no
// unsigned claim is ever trusted. The envelope is read last.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cctype>
#include <map>
#include <mutex>

#include "providers/google/google.hpp"
#include "providers/google/google_internal.hpp"

namespace hiresync::providers::google {
namespace {

using model::ErrorCode;
using nlohmann::json;

constexpr std::int64_t kRefetchInterval = 60;  // seconds between JWKS fetches
constexpr std::chrono::milliseconds kTimeout{30000};

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::shared_ptr<EVP_PKEY>;

model::Error unauthorized(const std::string& why) {
  return model::make_error(ErrorCode::kAuthExpired, "google push: " + why);
}
model::Error malformed(const std::string& why) {
  return model::make_error(ErrorCode::kMalformedInput, "google push: " + why);
}

using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

// A big-endian unsigned integer in base64url as a BIGNUM, or null.
Bignum bignum(std::string_view b64) {
  const std::optional<std::string> bytes = net::base64url_decode(b64);
  if (!bytes || bytes->empty()) return {nullptr, BN_free};
  const std::string& b = *bytes;
  return {BN_bin2bn(reinterpret_cast<const unsigned char*>(b.data()), static_cast<int>(b.size()), nullptr),
          BN_free};
}

// An RSA public key from a JWK's base64url modulus and exponent, or null.
Pkey rsa_key(std::string_view n_b64, std::string_view e_b64) {
  Bignum n = bignum(n_b64);
  Bignum e = bignum(e_b64);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(OSSL_PARAM_BLD_new(),
                                                                          OSSL_PARAM_BLD_free);
  if (!n || !e || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(builder.get()),
                                                                 OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return Pkey(key, PkeyFree{});
}

bool verify_rs256(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                          signed_part.size()) == 1;
}

std::optional<json> decode_json_part(std::string_view part) {
  auto bytes = net::base64url_decode(part);
  if (!bytes) return std::nullopt;
  auto parsed = parse_json(*bytes);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return parsed;
}

bool audience_matches(const json& claims, const std::string& expected) {
  auto aud = claims.find("aud");
  if (aud == claims.end() || expected.empty()) return false;
  if (aud->is_string()) return aud->get<std::string>() == expected;
  if (aud->is_array()) {
    for (const auto& a : *aud) {
      if (a.is_string() && a.get<std::string>() == expected) return true;
    }
  }
  return false;
}

std::optional<std::int64_t> numeric_date(const json& claims, const char* key) {
  auto it = claims.find(key);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_float()) return static_cast<std::int64_t>(it->get<double>());
  return std::nullopt;
}

bool is_true(const json& claims, const char* key) {
  auto it = claims.find(key);
  if (it == claims.end()) return false;
  return (it->is_boolean() && it->get<bool>()) || (it->is_string() && it->get<std::string>() == "true");
}

// Pub/Sub carries `data` as base64; the Gmail docs show base64url. Accept both.
std::optional<std::string> decode_data(std::string data) {
  for (char& c : data) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return net::base64url_decode(data);
}

}  // namespace

struct PushVerifier::Impl {
  Impl(GoogleConfig c, net::HttpClient& h, std::function<std::int64_t()> clock)
      : config(std::move(c)), http(h), clock_s(std::move(clock)) {
    if (!clock_s) clock_s = system_now_s;
  }

  GoogleConfig config;
  net::HttpClient& http;
  std::function<std::int64_t()> clock_s;

  std::mutex mu;
  std::map<std::string, Pkey, std::less<>> keys;  // guarded by mu
  bool fetched = false;                           // guarded by mu: a fetch was attempted
  std::int64_t last_fetch_s = 0;                  // guarded by mu

  // Fetches the JWKS and replaces the cache. Called with mu held.
  model::Status fetch_keys() {
    net::ClientRequest request;
    request.url = config.jwks_url;
    request.headers = {{"Accept", "application/json"}};
    request.timeout = kTimeout;
    auto response = providers::send(http, request, map_error, "jwks");
    if (!response) return response.error();
    auto body = parse_json(response->body);
    if (!body || !body->is_object() || !body->contains("keys") || !(*body)["keys"].is_array()) {
      return model::make_error(ErrorCode::kTransient, "google push: JWKS response is not a key set");
    }
    std::map<std::string, Pkey, std::less<>> fresh;
    for (const auto& jwk : (*body)["keys"]) {
      if (json_string(jwk, "kty") != "RSA") continue;
      auto kid = json_string(jwk, "kid");
      auto key = rsa_key(json_string(jwk, "n"), json_string(jwk, "e"));
      if (!kid.empty() && key) fresh.emplace(std::move(kid), std::move(key));
    }
    keys = std::move(fresh);
    return {};
  }

  // The key for `kid`: from the cache, or after a refetch when the last one is a minute old.
  model::Result<Pkey> key_for(const std::string& kid) {
    std::lock_guard lock(mu);
    if (auto it = keys.find(kid); it != keys.end()) return it->second;
    const std::int64_t now = clock_s();
    if (fetched && now - last_fetch_s < kRefetchInterval) return unauthorized("unknown key id");
    fetched = true;
    last_fetch_s = now;
    if (auto status = fetch_keys(); !status) return status.error();
    if (auto it = keys.find(kid); it != keys.end()) return it->second;
    return unauthorized("unknown key id");
  }
};

PushVerifier::PushVerifier(GoogleConfig config, net::HttpClient& http, std::function<std::int64_t()> clock_s)
    : impl_(std::make_unique<Impl>(std::move(config), http, std::move(clock_s))) {}

PushVerifier::~PushVerifier() = default;

model::Result<PushNotice> PushVerifier::verify(std::string_view authorization_header, std::string_view body) {
  // "Bearer <jwt>" (the scheme is case-insensitive).
  std::string_view header = authorization_header;
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return unauthorized("no bearer token");
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i])
      return unauthorized("no bearer token");
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\r' || token.back() == '\n')) {
    token.remove_suffix(1);
  }

  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return unauthorized("token is not a JWS compact serialization");
  }
  auto jose = decode_json_part(token.substr(0, dot1));
  auto claims = decode_json_part(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = net::base64url_decode(token.substr(dot2 + 1));
  if (!jose || !claims || !signature) return unauthorized("token parts do not decode");
  if (json_string(*jose, "alg") != "RS256") return unauthorized("token alg is not RS256");
  const std::string kid = json_string(*jose, "kid");
  if (kid.empty()) return unauthorized("token without kid");

  auto key = impl_->key_for(kid);
  if (!key) return key.error();
  if (!verify_rs256(key->get(), token.substr(0, dot2), *signature)) return unauthorized("bad signature");

  const auto iss = json_string(*claims, "iss");
  if (iss != "accounts.google.com" && iss != "https://accounts.google.com")
    return unauthorized("wrong issuer");
  if (!audience_matches(*claims, impl_->config.push_audience)) return unauthorized("wrong audience");
  auto exp = numeric_date(*claims, "exp");
  if (!exp || *exp <= impl_->clock_s()) return unauthorized("token expired");
  if (!is_true(*claims, "email_verified")) return unauthorized("email not verified");
  if (!impl_->config.push_service_account.empty() &&
      json_string(*claims, "email") != impl_->config.push_service_account) {
    return unauthorized("token from another service account");
  }

  auto envelope = parse_json(body);
  if (!envelope || !envelope->is_object()) return malformed("body is not JSON");
  auto message = envelope->find("message");
  if (message == envelope->end() || !message->is_object()) return malformed("envelope without message");
  auto data = decode_data(json_string(*message, "data"));
  if (!data) return malformed("message.data is not base64");
  auto notice_json = parse_json(*data);
  if (!notice_json || !notice_json->is_object()) return malformed("message.data is not JSON");
  PushNotice notice;
  notice.email_address = json_string(*notice_json, "emailAddress");
  notice.history_id = json_string(*notice_json, "historyId");
  notice.message_id = json_string(*message, "messageId");
  if (notice.message_id.empty()) notice.message_id = json_string(*message, "message_id");
  if (notice.email_address.empty() || notice.history_id.empty()) {
    return malformed("notification without emailAddress or historyId");
  }
  return notice;
}

}  // namespace hiresync::providers::google
