#include "crypto/secret_box.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

namespace hiresync::crypto {

using model::ErrorCode;
using model::make_error;

namespace {

constexpr std::size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no entropy source: nothing secure can run
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// 64 hex characters, or base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
std::optional<std::string> decode_key_text(std::string_view text) {
  text = trim(text);
  std::array<unsigned char, kKeyBytes> bin{};
  std::size_t len = 0;
  if (text.size() == kKeyBytes * 2 &&
      sodium_hex2bin(bin.data(), bin.size(), text.data(), text.size(), nullptr, &len, nullptr) == 0 &&
      len == kKeyBytes) {
    return std::string(reinterpret_cast<const char*>(bin.data()), len);
  }
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    if (sodium_base642bin(bin.data(), bin.size(), text.data(), text.size(), nullptr, &len, nullptr,
                          variant) == 0 &&
        len == kKeyBytes) {
      return std::string(reinterpret_cast<const char*>(bin.data()), len);
    }
  }
  sodium_memzero(bin.data(), bin.size());
  return std::nullopt;
}

model::Error io_error(const std::string& what, const std::string& path) {
  return make_error(ErrorCode::kInternal, what + " " + path + ": " + std::strerror(errno));
}

// Reads a key file that exists: refuses one readable or writable by group or others.
model::Result<std::string> read_key_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open key file", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return io_error("cannot stat key file", path);
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument,
                      "key file " + path + " is accessible by group or others; run chmod 600 on it");
  }
  std::array<char, 256> buf{};
  std::size_t used = 0;
  while (used < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + used, buf.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return io_error("cannot read key file", path);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  std::string content(buf.data(), used);
  sodium_memzero(buf.data(), buf.size());
  if (content.size() == kKeyBytes) return content;  // the raw bytes this program writes
  auto decoded = decode_key_text(content);          // or a key an operator wrote as text
  sodium_memzero(content.data(), content.size());
  if (!decoded) {
    return make_error(ErrorCode::kInvalidArgument,
                      "key file " + path + " holds neither 32 bytes nor a hex or base64 key");
  }
  return std::move(*decoded);
}

// Creates the key file with 32 random bytes. The key is written to a private temporary file
// (O_EXCL, 0600) and linked into place, so a concurrent starter either wins or reads a whole key.
// Returns nullopt when another process created the file first.
model::Result<std::optional<std::string>> create_key_file(const std::string& path) {
  std::string key(kKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return io_error("cannot create key file", tmp);
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;  // whatever the umask
  std::size_t written = 0;
  while (ok && written < key.size()) {
    const ssize_t n = ::write(fd, key.data() + written, key.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    errno = saved_errno;
    return io_error("cannot write key file", tmp);
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    sodium_memzero(key.data(), key.size());
    if (link_errno == EEXIST) return std::optional<std::string>();
    errno = link_errno;
    return io_error("cannot create key file", path);
  }
  return std::optional<std::string>(std::move(key));
}

}  // namespace

model::Result<SecretBox> SecretBox::load(std::string_view env_key, const std::string& key_file) {
  init_once();
  if (!trim(env_key).empty()) {
    auto key = decode_key_text(env_key);
    if (!key) {
      return make_error(ErrorCode::kInvalidArgument,
                        "HIRESYNC_SECRET_KEY must be 64 hex characters or base64 of 32 bytes");
    }
    return from_key(*key);
  }
  if (key_file.empty()) return make_error(ErrorCode::kInvalidArgument, "no secret key and no key file");
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    if (errno != ENOENT) return io_error("cannot stat key file", key_file);
    auto created = create_key_file(key_file);
    if (!created) return created.error();
    if (*created) return from_key(**created);
    // Another process created it first: use theirs.
  }
  auto key = read_key_file(key_file);
  if (!key) return key.error();
  return from_key(*key);
}

model::Result<SecretBox> SecretBox::from_key(std::string_view key_bytes) {
  init_once();
  if (key_bytes.size() != kKeyBytes) {
    return make_error(ErrorCode::kInvalidArgument, "a secret key is exactly 32 bytes");
  }
  SecretBox box;
  box.key_ = std::string(key_bytes);
  return box;
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long cipher_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonceBytes, &cipher_len, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr,
      nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  out.resize(kNonceBytes + cipher_len);
  return out;
}

model::Result<std::string> SecretBox::open(std::string_view sealed, std::string_view associated) const {
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return make_error(ErrorCode::kMalformedInput, "sealed value too short");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(sealed.size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, nonce + kNonceBytes,
          sealed.size() - kNonceBytes, reinterpret_cast<const unsigned char*>(associated.data()),
          associated.size(), nonce, reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return make_error(ErrorCode::kMalformedInput, "sealed value does not open with this key and row");
  }
  out.resize(len);
  return out;
}

std::string SecretBox::mac(std::string_view message) const {
  std::array<unsigned char, crypto_auth_KEYBYTES> subkey{};
  crypto_kdf_derive_from_key(subkey.data(), subkey.size(), 1, "hs-mac01",
                             reinterpret_cast<const unsigned char*>(key_.data()));
  std::array<unsigned char, crypto_auth_BYTES> out{};
  crypto_auth(out.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(),
              subkey.data());
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

}  // namespace hiresync::crypto
