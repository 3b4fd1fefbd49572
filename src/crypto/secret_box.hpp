// Encryption at rest for provider tokens (shared/DESIGN.md "Security model"): libsodium's
// XChaCha20-Poly1305 AEAD with a random nonce per seal. The key comes from HIRESYNC_SECRET_KEY
// (64 hex characters or base64 of 32 bytes) or from a key file created with mode 0600 on first
// start. Plaintexts and keys are never logged.
#pragma once

#include <string>
#include <string_view>

#include "model/result.hpp"

namespace hiresync::crypto {

class SecretBox {
 public:
  // The key from `env_key` when not empty, else from `key_file` (created with 32 random bytes and
  // mode 0600 when missing; refused when readable by group or others). kInvalidArgument for a
  // malformed key or an unsafe key file, kInternal for I/O failures (detail names the path).
  static model::Result<SecretBox> load(std::string_view env_key, const std::string& key_file);
  // A box with this exact 32-byte key (tests).
  static model::Result<SecretBox> from_key(std::string_view key_bytes);

  // nonce || ciphertext || tag. `associated` binds the ciphertext to its row (for example
  // "mailbox:42"), so a ciphertext copied to another row does not open.
  std::string seal(std::string_view plaintext, std::string_view associated) const;
  // kMalformedInput when the ciphertext is damaged, was sealed with another key or another
  // `associated` value.
  model::Result<std::string> open(std::string_view sealed, std::string_view associated) const;
  // A MAC of `message` (HMAC-SHA-512-256 under a subkey derived from the key for this purpose):
  // secrets we hand out and must recognize later without storing them (Graph's clientState).
  std::string mac(std::string_view message) const;

 private:
  std::string key_;
};

}  // namespace hiresync::crypto
