// The few cryptographic primitives HireSync needs, all from libsodium. Pure computation, thread-safe
// after the first call (sodium_init runs once).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "model/result.hpp"

namespace hiresync::crypto {

// Lower-case hex SHA-256 of `data`. Used for GDPR suppression entries, so an erased person's
// address is never stored in clear again.
std::string digest_hex(std::string_view data);

// SHA-256 of `data`, the 32 raw bytes (PKCE's S256 challenge is its base64url).
std::string sha256(std::string_view data);

// `n` bytes from the system's CSPRNG (OAuth state, PKCE verifier, session tokens).
std::string random_bytes(std::size_t n);

// Compares in time independent of where the inputs differ (secrets, MACs). Different lengths are
// unequal (the length is not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

// An argon2id hash string (libsodium crypto_pwhash_str, "interactive" limits) of `password`.
// kInvalidArgument for an empty password; kInternal when memory for the hash cannot be had.
model::Result<std::string> hash_password(std::string_view password);

// True when `password` matches `hash` (constant time in the password).
bool verify_password(std::string_view password, const std::string& hash);

}  // namespace hiresync::crypto
