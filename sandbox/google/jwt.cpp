#include "sandbox/google/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <vector>

#include "net/http.hpp"

namespace hiresync::sandbox::google {

struct RsaSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

std::string bignum_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return {};
  std::vector<unsigned char> bytes(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, bytes.data());
  BN_free(bn);
  return net::base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

RsaSigner::RsaSigner(std::unique_ptr<Key> key) : key_(std::move(key)) {
  n_b64_ = bignum_param(key_->pkey, OSSL_PKEY_PARAM_RSA_N);
  e_b64_ = bignum_param(key_->pkey, OSSL_PKEY_PARAM_RSA_E);
  unsigned char id[8];
  RAND_bytes(id, sizeof id);
  static constexpr char kHex[] = "0123456789abcdef";
  for (const unsigned char b : id) {
    kid_.push_back(kHex[b >> 4U]);
    kid_.push_back(kHex[b & 15U]);
  }
}

RsaSigner::~RsaSigner() = default;

model::Result<std::unique_ptr<RsaSigner>> RsaSigner::generate() {
  auto key = std::make_unique<Key>();
  key->pkey = EVP_RSA_gen(2048);
  if (key->pkey == nullptr)
    return model::make_error(model::ErrorCode::kInternal, "RSA key generation failed");
  return std::unique_ptr<RsaSigner>(new RsaSigner(std::move(key)));
}

nlohmann::json RsaSigner::jwks() const {
  return {{"keys", nlohmann::json::array({{{"kty", "RSA"},
                                           {"alg", "RS256"},
                                           {"use", "sig"},
                                           {"kid", kid_},
                                           {"n", n_b64_},
                                           {"e", e_b64_}}})}};
}

std::string RsaSigner::sign(const nlohmann::json& claims) const {
  const nlohmann::json header = {{"alg", "RS256"}, {"kid", kid_}, {"typ", "JWT"}};
  const std::string input = net::base64url_encode(header.dump()) + "." + net::base64url_encode(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return {};
  std::string signature;
  std::size_t length = 0;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
      EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1) {
    signature.resize(length);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1) {
      signature.resize(length);
    } else {
      signature.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  if (signature.empty()) return {};
  return input + "." + net::base64url_encode(signature);
}

}  // namespace hiresync::sandbox::google
