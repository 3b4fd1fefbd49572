#include "match/canonical.hpp"

#include <idn2.h>

#include <algorithm>
#include <array>
#include <string>

namespace hiresync::match {
namespace {

using model::ErrorCode;
using model::make_error;

constexpr std::string_view kGmail = "gmail.com";
constexpr std::string_view kGooglemail = "googlemail.com";

// Kept sorted: looked up with a binary search.
constexpr std::array<std::string_view, 23> kPublicWebmailDomains{
    "aol.com",       "fastmail.com", "gmail.com",  "gmx.com",     "gmx.de",    "googlemail.com",
    "hotmail.co.uk", "hotmail.com",  "hotmail.fr", "icloud.com",  "live.com",  "mac.com",
    "mail.com",      "me.com",       "msn.com",    "outlook.com", "proton.me", "protonmail.com",
    "web.de",        "yahoo.co.uk",  "yahoo.com",  "yandex.ru",   "ymail.com",
};
static_assert(std::is_sorted(kPublicWebmailDomains.begin(), kPublicWebmailDomains.end()));

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(ascii_lower(c));
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Surrounding whitespace and angle brackets ("  <Bob@Example.com> ").
std::string_view trim(std::string_view s, bool angle_brackets) {
  auto strip = [angle_brackets](char c) { return is_space(c) || (angle_brackets && (c == '<' || c == '>')); };
  while (!s.empty() && strip(s.front())) s.remove_prefix(1);
  while (!s.empty() && strip(s.back())) s.remove_suffix(1);
  return s;
}

// A canonical domain is non-empty, has no empty label, and no whitespace or control characters.
// libidn2 itself accepts "a..b" and "a b", so this runs on its output too.
bool is_well_formed_ascii_domain(std::string_view d) {
  if (d.empty() || d.front() == '.' || d.back() == '.') return false;
  if (d.find("..") != std::string_view::npos) return false;
  return std::none_of(d.begin(), d.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f;
  });
}

// Appends the canonical form of `domain` (already trimmed) to `out`. Pure-ASCII domains are only
// lower-cased, which is what IDNA does to them; anything else goes through libidn2 (UTS #46
// non-transitional, then transitional for the few names only the old rules accept).
bool append_canonical_domain(std::string& out, std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);  // the root label
  if (domain.empty()) return false;

  const std::size_t start = out.size();
  if (is_ascii(domain)) {
    append_lower(out, domain);
  } else {
    std::string input;
    append_lower(input, domain);
    char* ascii = nullptr;
    int rc = idn2_to_ascii_8z(input.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
      idn2_free(ascii);
      ascii = nullptr;
      rc = idn2_to_ascii_8z(input.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
    }
    if (rc != IDN2_OK || ascii == nullptr) {
      idn2_free(ascii);
      return false;
    }
    append_lower(out, ascii);
    idn2_free(ascii);
  }

  if (!is_well_formed_ascii_domain(std::string_view(out).substr(start))) {
    out.resize(start);
    return false;
  }
  if (std::string_view(out).substr(start) == kGooglemail) {
    out.resize(start);
    out.append(kGmail);
  }
  return true;
}

// Gmail ignores dots in the local part and everything from the first '+'. Rewrites the local part
// of `out` ("local@gmail.com") in place; false when nothing is left of it.
bool normalize_gmail_local(std::string& out, std::size_t at) {
  std::size_t w = 0;
  for (std::size_t r = 0; r < at; ++r) {
    const char c = out[r];
    if (c == '+') break;
    if (c != '.') out[w++] = c;
  }
  if (w == 0) return false;
  if (w != at) out.erase(w, at - w);
  return true;
}

model::Error malformed(const char* why) { return make_error(ErrorCode::kMalformedInput, why); }

}  // namespace

model::Result<std::string> canonical_address(std::string_view address) {
  const std::string_view a = trim(address, /*angle_brackets=*/true);
  const std::size_t at = a.rfind('@');
  if (at == std::string_view::npos) return malformed("address has no '@'");
  const std::string_view local = a.substr(0, at);
  const std::string_view domain = trim(a.substr(at + 1), /*angle_brackets=*/false);
  if (local.empty()) return malformed("address has an empty local part");

  std::string out;
  out.reserve(a.size());
  append_lower(out, local);  // RFC 6532 local parts stay UTF-8; only ASCII is folded
  out.push_back('@');
  if (!append_canonical_domain(out, domain)) return malformed("address has an empty or invalid domain");

  if (domain_of(out) == kGmail && !normalize_gmail_local(out, local.size())) {
    return malformed("gmail address has an empty local part");
  }
  return out;
}

model::Result<std::string> canonical_domain(std::string_view domain) {
  std::string out;
  out.reserve(domain.size());
  if (!append_canonical_domain(out, trim(domain, /*angle_brackets=*/false))) {
    return malformed("empty or invalid domain");
  }
  return out;
}

std::string_view domain_of(std::string_view canonical) {
  const std::size_t at = canonical.rfind('@');
  return at == std::string_view::npos ? std::string_view() : canonical.substr(at + 1);
}

bool is_public_webmail_domain(std::string_view canonical_domain) {
  return std::binary_search(kPublicWebmailDomains.begin(), kPublicWebmailDomains.end(), canonical_domain);
}

}  // namespace hiresync::match
