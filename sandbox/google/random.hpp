// Unpredictable ids and secrets from OpenSSL's CSPRNG. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace hiresync::sandbox::google {

// `bytes` random bytes as lower-case hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);
// `bytes` random bytes as base64url without padding.
std::string random_token(std::size_t bytes);
// A uniformly random integer in [0, bound) (bound > 0).
std::uint64_t random_below(std::uint64_t bound);

}  // namespace hiresync::sandbox::google
