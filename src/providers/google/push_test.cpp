// PushVerifier with RSA keys generated here: tokens signed like Google's Pub/Sub push tokens, a
// JWKS served by the scripted HTTP client, then the envelope.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>

#include "providers/common/fake_http.hpp"
#include "providers/google/google.hpp"

namespace hiresync::providers::google {
namespace {

using model::ErrorCode;
using nlohmann::json;
using test_support::FakeHttp;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kAudience = "https://hiresync.example/push/gmail";
constexpr const char* kServiceAccount = "push@my-proj.iam.gserviceaccount.com";
constexpr const char* kJwksUrl = "https://keys.example/oauth2/v3/certs";

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Key generate_key() { return Key(EVP_RSA_gen(2048), EVP_PKEY_free); }

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return net::base64url_encode(bytes);
}

json jwk(EVP_PKEY* key, const std::string& kid) {
  return {{"kty", "RSA"},
          {"alg", "RS256"},
          {"use", "sig"},
          {"kid", kid},
          {"n", bn_param(key, OSSL_PKEY_PARAM_RSA_N)},
          {"e", bn_param(key, OSSL_PKEY_PARAM_RSA_E)}};
}

std::string sign(EVP_PKEY* key, const std::string& data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  std::size_t size = 0;
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()),
            1);
  std::string sig(size, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()),
            1);
  sig.resize(size);
  return sig;
}

std::string jwt(EVP_PKEY* key, const json& header, const json& claims) {
  std::string signed_part = net::base64url_encode(header.dump()) + "." + net::base64url_encode(claims.dump());
  return signed_part + "." + net::base64url_encode(sign(key, signed_part));
}

json good_claims() {
  return {{"aud", kAudience},
          {"azp", "1234567890"},
          {"email", kServiceAccount},
          {"email_verified", true},
          {"exp", kNow + 3600},
          {"iat", kNow - 10},
          {"iss", "https://accounts.google.com"},
          {"sub", "1234567890"}};
}

json header(const std::string& kid) { return {{"alg", "RS256"}, {"kid", kid}, {"typ", "JWT"}}; }

std::string envelope(const std::string& data, const std::string& message_id = "2070443601311540") {
  return json{
      {"message", {{"data", data}, {"messageId", message_id}, {"publishTime", "2024-06-10T09:39:06.123Z"}}},
      {"subscription", "projects/my-proj/subscriptions/gmail-push-sub"}}
      .dump();
}

const std::string kNotice = R"({"emailAddress":"recruiter@acme.com","historyId":"9876600"})";

class PushTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new Key(generate_key());
    other_ = new Key(generate_key());
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_;
  }

  PushTest() {
    GoogleConfig c;
    c.jwks_url = kJwksUrl;
    c.push_audience = kAudience;
    c.push_service_account = kServiceAccount;
    verifier_ = std::make_unique<PushVerifier>(c, http_, [this] { return now_; });
  }

  void serve_keys(const json& keys) { http_.reply(200, json{{"keys", keys}}.dump()); }
  std::string bearer(const json& claims, const std::string& kid = "k1", EVP_PKEY* key = nullptr) {
    return "Bearer " + jwt(key != nullptr ? key : key_->get(), header(kid), claims);
  }
  model::Result<PushNotice> verify(const std::string& authorization) {
    return verifier_->verify(authorization, envelope(net::base64url_encode(kNotice)));
  }
  void expect_unauthorized(const model::Result<PushNotice>& r) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kAuthExpired) << r.error().detail;
  }

  static Key* key_;
  static Key* other_;
  FakeHttp http_;
  std::int64_t now_ = kNow;
  std::unique_ptr<PushVerifier> verifier_;
};

Key* PushTest::key_ = nullptr;
Key* PushTest::other_ = nullptr;

TEST_F(PushTest, GoodTokenIsAcceptedAndKeysAreCached) {
  serve_keys(json::array({jwk(other_->get(), "k0"), jwk(key_->get(), "k1")}));
  auto notice = verify(bearer(good_claims()));
  ASSERT_TRUE(notice.ok()) << notice.error().detail;
  EXPECT_EQ(notice->email_address, "recruiter@acme.com");
  EXPECT_EQ(notice->history_id, "9876600");
  EXPECT_EQ(notice->message_id, "2070443601311540");
  ASSERT_EQ(http_.requests.size(), 1U);
  EXPECT_EQ(http_.last().method, "GET");
  EXPECT_EQ(http_.last().url, kJwksUrl);

  auto plain_issuer = good_claims();
  plain_issuer["iss"] = "accounts.google.com";
  EXPECT_TRUE(verifier_
                  ->verify("bearer  " + jwt(key_->get(), header("k1"), plain_issuer),
                           envelope(net::base64url_encode(kNotice)))
                  .ok());
  EXPECT_EQ(http_.requests.size(), 1U);  // served from the cache
}

TEST_F(PushTest, StandardBase64DataIsAcceptedToo) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  auto notice = verifier_->verify(bearer(good_claims()), envelope(net::base64_encode(kNotice)));
  ASSERT_TRUE(notice.ok()) << notice.error().detail;
  EXPECT_EQ(notice->history_id, "9876600");
}

TEST_F(PushTest, WrongAudienceIsRejected) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  auto claims = good_claims();
  claims["aud"] = "https://evil.example/push";
  expect_unauthorized(verify(bearer(claims)));
}

TEST_F(PushTest, ExpiredTokenIsRejected) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  auto claims = good_claims();
  claims["exp"] = kNow;
  expect_unauthorized(verify(bearer(claims)));
  claims.erase("exp");
  expect_unauthorized(verify(bearer(claims)));
}

TEST_F(PushTest, BadSignatureIsRejected) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  expect_unauthorized(verify(bearer(good_claims(), "k1", other_->get())));
  // A valid token whose claims were swapped after signing.
  std::string token = jwt(key_->get(), header("k1"), good_claims());
  auto forged = good_claims();
  forged["email"] = "attacker@example.com";
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  token = token.substr(0, dot1 + 1) + net::base64url_encode(forged.dump()) + token.substr(dot2);
  expect_unauthorized(verify("Bearer " + token));
}

TEST_F(PushTest, UnknownKidRefetchesAtMostOnceAMinute) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  ASSERT_TRUE(verify(bearer(good_claims())).ok());
  expect_unauthorized(verify(bearer(good_claims(), "k2", other_->get())));
  EXPECT_EQ(http_.requests.size(), 1U);  // fetched this minute already
  now_ += 60;
  serve_keys(json::array({jwk(key_->get(), "k1")}));  // the refetch still lacks k2
  expect_unauthorized(verify(bearer(good_claims(), "k2", other_->get())));
  EXPECT_EQ(http_.requests.size(), 2U);
  now_ += 59;
  expect_unauthorized(verify(bearer(good_claims(), "k2", other_->get())));
  EXPECT_EQ(http_.requests.size(), 2U);
  now_ += 1;
  serve_keys(json::array({jwk(key_->get(), "k1"), jwk(other_->get(), "k2")}));  // rotation
  EXPECT_TRUE(verify(bearer(good_claims(), "k2", other_->get())).ok());
  EXPECT_EQ(http_.requests.size(), 3U);
  EXPECT_TRUE(verify(bearer(good_claims(), "k1")).ok());  // the old key is still served
}

TEST_F(PushTest, WrongIssuerOrServiceAccountOrUnverifiedEmailIsRejected) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  auto claims = good_claims();
  claims["iss"] = "https://evil.example";
  expect_unauthorized(verify(bearer(claims)));
  claims = good_claims();
  claims["email"] = "someone@else.iam.gserviceaccount.com";
  expect_unauthorized(verify(bearer(claims)));
  claims = good_claims();
  claims["email_verified"] = false;
  expect_unauthorized(verify(bearer(claims)));
}

TEST_F(PushTest, OtherAlgorithmsAndMalformedHeadersAreRejected) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  json none = {{"alg", "none"}, {"kid", "k1"}};
  expect_unauthorized(verify("Bearer " + net::base64url_encode(none.dump()) + "." +
                             net::base64url_encode(good_claims().dump()) + "."));
  json hs = {{"alg", "HS256"}, {"kid", "k1"}};
  expect_unauthorized(verify("Bearer " + jwt(key_->get(), hs, good_claims())));
  expect_unauthorized(verify(""));
  expect_unauthorized(verify("Basic dXNlcjpwYXNz"));
  expect_unauthorized(verify("Bearer "));
  expect_unauthorized(verify("Bearer a.b"));
  expect_unauthorized(verify("Bearer a.b.c.d"));
  expect_unauthorized(verify("Bearer !!!.???.***"));
  expect_unauthorized(verify("Bearer " + jwt(key_->get(), json{{"alg", "RS256"}}, good_claims())));  // no kid
}

TEST_F(PushTest, MalformedEnvelopeIsRejected) {
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  const std::string auth = bearer(good_claims());
  const std::string bodies[] = {
      "not json",
      "[]",
      R"({"subscription":"x"})",
      R"({"message":"x"})",
      envelope("***not base64***"),
      envelope(net::base64url_encode("not json")),
      envelope(net::base64url_encode(R"({"emailAddress":"recruiter@acme.com"})")),
      envelope(""),
  };
  for (const auto& body : bodies) {
    auto r = verifier_->verify(auth, body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformedInput) << body;
  }
}

TEST_F(PushTest, UnreachableJwksIsTransient) {
  http_.fail("connection refused");
  auto r = verify(bearer(good_claims()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTransient);
}

TEST_F(PushTest, MissingAudienceConfigurationRejectsEverything) {
  GoogleConfig c;
  c.jwks_url = kJwksUrl;
  PushVerifier verifier(c, http_, [] { return kNow; });
  serve_keys(json::array({jwk(key_->get(), "k1")}));
  auto r = verifier.verify(bearer(good_claims()), envelope(net::base64url_encode(kNotice)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kAuthExpired);
}

}  // namespace
}  // namespace hiresync::providers::google
