// Helpers shared by the mime test files. Test-only; not part of hiresync_mime.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "model/message.hpp"

namespace hiresync::mime::testing {

// The bytes of tests/fixtures/mime/<name>, unchanged (CRLF, NUL and 8-bit bytes included).
inline std::string read_fixture(std::string_view name) {
  const std::string path = std::string(HIRESYNC_FIXTURES) + "/mime/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every fixture, malformed ones included.
inline const std::vector<std::string>& all_fixtures() {
  static const std::vector<std::string> kNames{
      "all_roles.eml",   "alternative.eml",       "attachments.eml",    "binary.eml",
      "broken_spam.eml", "comments_obsolete.eml", "empty.eml",          "encoded_words.eml",
      "folded_crlf.eml", "gmail_style.eml",       "groups.eml",         "html_only_newsletter.eml",
      "json.eml",        "json_pretty.eml",       "latin1_headers.eml", "lone_cr.eml",
      "mac_cr_only.eml", "mbox_from_line.eml",    "nested_groups.eml",  "no_final_newline.eml",
      "nul_bytes.eml",   "only_body.eml",         "outlook_style.eml",  "plain.eml",
      "threading.eml",   "utf8_headers.eml",
  };
  return kNames;
}

// Independent of src/mime/utf8.cpp on purpose: a bug there must not hide itself here.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    constexpr char32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// A readable, comparable rendering of parsed headers (gtest prints the diff on mismatch).
inline std::string describe(const model::MessageHeaders& h) {
  std::string out;
  for (const model::Participant& p : h.participants) {
    out += std::string(model::to_string(p.role)) + ": \"" + p.address.name + "\" <" + p.address.email + ">\n";
  }
  out += "message_id: " + h.message_id + "\nin_reply_to: " + h.in_reply_to + "\nreferences:";
  for (const std::string& id : h.references) out += " " + id;
  out += "\nsubject: " + h.subject + "\ndate: " + std::to_string(h.date) + "\n";
  return out;
}

// Every string parse_headers() returns, for UTF-8 checks.
inline std::vector<std::string> all_strings(const model::MessageHeaders& h) {
  std::vector<std::string> out{h.message_id, h.in_reply_to, h.subject};
  for (const model::Participant& p : h.participants) {
    out.push_back(p.address.name);
    out.push_back(p.address.email);
  }
  out.insert(out.end(), h.references.begin(), h.references.end());
  return out;
}

}  // namespace hiresync::mime::testing
