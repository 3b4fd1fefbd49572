#include "sandbox/google/random.hpp"

#include <openssl/rand.h>

#include "net/http.hpp"

namespace hiresync::sandbox::google {

namespace {
std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}
}  // namespace

std::string random_hex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : random_bytes(bytes)) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4U]);
    out.push_back(kHex[b & 15U]);
  }
  return out;
}

std::string random_token(std::size_t bytes) { return net::base64url_encode(random_bytes(bytes)); }

std::uint64_t random_below(std::uint64_t bound) {
  std::uint64_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v % bound;
}

}  // namespace hiresync::sandbox::google
