// The sandbox's signing key: an RSA-2048 key made at start (OpenSSL), published as a JWKS and used
// to sign RS256 JWTs (Pub/Sub push OIDC tokens and id_tokens), as Google's accounts service does.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "model/result.hpp"

namespace hiresync::sandbox::google {

class RsaSigner {
 public:
  // Generates a fresh key. kInternal when OpenSSL fails.
  static model::Result<std::unique_ptr<RsaSigner>> generate();
  ~RsaSigner();
  RsaSigner(const RsaSigner&) = delete;
  RsaSigner& operator=(const RsaSigner&) = delete;

  const std::string& kid() const { return kid_; }
  // {"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid","n","e"}]} with n and e in base64url.
  nlohmann::json jwks() const;
  // header.claims.signature with header {"alg":"RS256","kid","typ":"JWT"}. Thread-safe. Returns ""
  // only if OpenSSL fails (never seen in practice).
  std::string sign(const nlohmann::json& claims) const;

 private:
  struct Key;
  explicit RsaSigner(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
  std::string kid_;
  std::string n_b64_;
  std::string e_b64_;
};

}  // namespace hiresync::sandbox::google
