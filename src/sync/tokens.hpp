// Provider tokens at rest: sealed with crypto::SecretBox (bound to the user and provider) and
// stored base64url in the mailbox row. Never logged, never returned by the API.
#pragma once

#include <string>

#include "crypto/secret_box.hpp"
#include "model/domain.hpp"
#include "model/result.hpp"
#include "providers/provider.hpp"

namespace hiresync::sync {

class TokenVault {
 public:
  explicit TokenVault(const crypto::SecretBox& box) : box_(box) {}
  // The stored form of `tokens` for this user's `provider` mailbox.
  std::string seal(const providers::Tokens& tokens, model::Id user_id, const std::string& provider) const;
  // kNotFound for an empty stored value (no tokens: deauthorized), kMalformedInput when it does
  // not open (another key, another row).
  model::Result<providers::Tokens> open(const std::string& stored, model::Id user_id,
                                        const std::string& provider) const;

  // A sealed value that is not a token but keeps a secret for one flow (the PKCE verifier).
  std::string seal_secret(const std::string& secret, const std::string& purpose) const;
  model::Result<std::string> open_secret(const std::string& stored, const std::string& purpose) const;

 private:
  const crypto::SecretBox& box_;
};

}  // namespace hiresync::sync
