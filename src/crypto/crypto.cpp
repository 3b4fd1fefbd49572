#include "crypto/crypto.hpp"

#include <sodium.h>

#include <array>
#include <mutex>

namespace hiresync::crypto {
namespace {

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no entropy source: nothing secure can run
  });
}

}  // namespace

std::string digest_hex(std::string_view data) {
  init_once();
  std::array<unsigned char, crypto_hash_sha256_BYTES> out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  return std::string(hex.data(), crypto_hash_sha256_BYTES * 2);
}

std::string sha256(std::string_view data) {
  init_once();
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

std::string random_bytes(std::size_t n) {
  init_once();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  init_once();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

model::Result<std::string> hash_password(std::string_view password) {
  init_once();
  if (password.empty()) return model::make_error(model::ErrorCode::kInvalidArgument, "empty password");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return model::make_error(model::ErrorCode::kInternal, "argon2id: out of memory");
  }
  return std::string(out.data());
}

bool verify_password(std::string_view password, const std::string& hash) {
  init_once();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace hiresync::crypto
