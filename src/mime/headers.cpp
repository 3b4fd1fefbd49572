// parse_headers(): the hot path. A hand scan of the header block (header_scanner.hpp) finds the
// eleven fields matching and threading need; only those are unfolded and decoded, with GMime's
// RFC 5322 / RFC 2047 decoders. No GMimeMessage is built and the body is never looked at.
#include <gmime/gmime.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address_list.hpp"
#include "mime/ascii.hpp"
#include "mime/date.hpp"
#include "mime/gmime_support.hpp"
#include "mime/header_scanner.hpp"
#include "mime/mime.hpp"
#include "mime/utf8.hpp"

namespace hiresync::mime {
namespace {

using model::HeaderRole;
using model::MessageHeaders;

enum class Field { kOther, kAddress, kMessageId, kInReplyTo, kReferences, kSubject, kDate };

struct FieldKind {
  Field field = Field::kOther;
  HeaderRole role = HeaderRole::kFrom;  // meaningful for Field::kAddress only
};

// Address headers in the order their participants are reported.
constexpr std::array<HeaderRole, 6> kRoleOrder{HeaderRole::kFrom, HeaderRole::kSender, HeaderRole::kReplyTo,
                                               HeaderRole::kTo,   HeaderRole::kCc,     HeaderRole::kBcc};

// Size of the input sample inspected to tell binary data from text that is not a message.
constexpr std::size_t kSniffBytes = 512;

FieldKind classify(std::string_view name) {
  switch (name.size()) {
    case 2:
      if (equals_lower(name, "to")) return {Field::kAddress, HeaderRole::kTo};
      if (equals_lower(name, "cc")) return {Field::kAddress, HeaderRole::kCc};
      break;
    case 3:
      if (equals_lower(name, "bcc")) return {Field::kAddress, HeaderRole::kBcc};
      break;
    case 4:
      if (equals_lower(name, "from")) return {Field::kAddress, HeaderRole::kFrom};
      if (equals_lower(name, "date")) return {Field::kDate};
      break;
    case 6:
      if (equals_lower(name, "sender")) return {Field::kAddress, HeaderRole::kSender};
      break;
    case 7:
      if (equals_lower(name, "subject")) return {Field::kSubject};
      break;
    case 8:
      if (equals_lower(name, "reply-to")) return {Field::kAddress, HeaderRole::kReplyTo};
      break;
    case 10:
      if (equals_lower(name, "message-id")) return {Field::kMessageId};
      if (equals_lower(name, "references")) return {Field::kReferences};
      break;
    case 11:
      if (equals_lower(name, "in-reply-to")) return {Field::kInReplyTo};
      break;
    default:
      break;
  }
  return {};
}

// Offset just past the comment or quoted string opening at value[i] ('(' or '"'), honouring
// backslash escapes and nested comments; `i` itself when it is never closed.
std::size_t skip_delimited(std::string_view value, std::size_t i) {
  const char open = value[i];
  const char close = open == '(' ? ')' : '"';
  int depth = 0;
  for (std::size_t j = i; j < value.size(); ++j) {
    const char c = value[j];
    if (c == '\\') {
      ++j;
    } else if (c == close && (close != '"' || j > i)) {
      if (--depth == 0) return j + 1;
    } else if (c == open) {
      ++depth;
    }
  }
  return i;
}

// Appends the msg-ids of an unfolded Message-ID, In-Reply-To or References value, in order,
// without angle brackets, stopping after `limit` ids. Comments and quoted strings between ids are
// skipped (In-Reply-To often carries a phrase such as `Your message of "Mon, 1 Jan"`); blanks inside
// brackets are dropped, as they can only come from folding. A value with no '<' at all is read as
// bare words, keeping those that contain '@' (some mailers drop the brackets).
//
// GMime has g_mime_references_parse(), but it stops at the first id without an '@' ("<foo> <b@c>"
// gives only "foo") and allocates per id; this scan is simpler and keeps going.
void extract_msg_ids(std::string_view value, std::size_t limit, std::vector<std::string>& out) {
  const bool bracketed = value.find('<') != std::string_view::npos;
  // An unclosed '(' or '"' is plain text. Once one is seen, later ones of the same kind are not
  // scanned for their end again, which keeps "((((..." linear.
  bool comments_unclosed = false;
  bool quotes_unclosed = false;
  std::size_t i = 0;
  while (i < value.size() && out.size() < limit) {
    const char c = value[i];
    bool& unclosed = c == '(' ? comments_unclosed : quotes_unclosed;
    if ((c == '(' || c == '"') && !unclosed) {
      const std::size_t next = skip_delimited(value, i);
      if (next != i) {
        i = next;
        continue;
      }
      unclosed = true;
    }
    if (bracketed) {
      ++i;
      if (c != '<') continue;
      std::string id;
      while (i < value.size() && value[i] != '>' && value[i] != '<') {
        if (value[i] != ' ') id.push_back(value[i]);
        ++i;
      }
      if (i < value.size() && value[i] == '>') ++i;
      if (!id.empty()) out.push_back(std::move(id));
    } else if (c == ' ') {
      ++i;
    } else {
      const std::size_t start = i;
      while (i < value.size() && value[i] != ' ') ++i;
      const std::string_view word = value.substr(start, i - start);
      if (word.find('@') != std::string_view::npos) out.emplace_back(word);
    }
  }
}

std::string first_msg_id(std::string_view value) {
  std::vector<std::string> ids;
  extract_msg_ids(value, 1, ids);
  return ids.empty() ? std::string() : std::move(ids.front());
}

// `value` is unfolded; it is made valid UTF-8 first so raw 8-bit text is read the same way as in
// every other field.
std::string decode_subject(std::string& value) {
  make_valid_utf8(value);
  // Without "=?" there is no encoded word, and GMime would hand valid UTF-8 back unchanged.
  if (value.find("=?") == std::string::npos) return value;
  GCharPtr decoded(g_mime_utils_header_decode_text(nullptr, value.c_str()));
  std::string subject = decoded != nullptr ? std::string(decoded.get()) : value;
  make_valid_utf8(subject);
  return subject;
}

// A short reason for a skip record, for input that has no header block.
std::string describe_non_message(std::string_view raw) {
  raw = skip_bom(raw);
  if (raw.find_first_not_of(" \t\r\n") == std::string_view::npos) return "empty input";
  const std::string_view sample = raw.substr(0, kSniffBytes);
  std::size_t control = 0;
  for (char ch : sample) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return "binary data";
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f') || c == 0x7F) ++control;
  }
  if (control * 10 > sample.size()) return "binary data";
  return "no header fields";
}

}  // namespace

namespace {

// parse_headers() and parse_participants(): one scan, with or without the non-address fields.
model::Result<MessageHeaders> scan_headers(std::string_view raw, bool participants_only) {
  ensure_gmime_initialized();

  // Pass 1: find the fields. Address fields are kept to be parsed in role order below.
  struct AddressField {
    HeaderRole role;
    std::string_view value;
  };
  std::vector<AddressField> address_fields;
  std::optional<std::string_view> message_id, in_reply_to, references, subject, date;
  std::size_t field_count = 0;

  HeaderScanner scanner(raw);
  RawField field;
  while (scanner.next(field)) {
    ++field_count;
    const FieldKind kind = classify(field.name);
    switch (kind.field) {
      case Field::kAddress:
        address_fields.push_back({kind.role, field.value});
        break;
      // Singleton fields: the first occurrence wins.
      case Field::kMessageId:
        if (!message_id) message_id = field.value;
        break;
      case Field::kInReplyTo:
        if (!in_reply_to) in_reply_to = field.value;
        break;
      case Field::kReferences:
        if (!references) references = field.value;
        break;
      case Field::kSubject:
        if (!subject) subject = field.value;
        break;
      case Field::kDate:
        if (!date) date = field.value;
        break;
      case Field::kOther:
        break;
    }
  }
  if (field_count == 0)
    return model::make_error(model::ErrorCode::kMalformedInput, describe_non_message(raw));
  if (participants_only) message_id = in_reply_to = references = subject = date = std::nullopt;

  // Pass 2: decode what was found.
  MessageHeaders headers;
  std::string value;
  for (HeaderRole role : kRoleOrder) {
    for (const AddressField& address_field : address_fields) {
      if (address_field.role != role) continue;
      unfold(address_field.value, value);
      parse_address_list(value, role, headers.participants);
    }
  }
  if (message_id) {
    unfold(*message_id, value);
    headers.message_id = first_msg_id(value);
    make_valid_utf8(headers.message_id);
  }
  if (in_reply_to) {
    unfold(*in_reply_to, value);
    headers.in_reply_to = first_msg_id(value);
    make_valid_utf8(headers.in_reply_to);
  }
  if (references) {
    unfold(*references, value);
    extract_msg_ids(value, std::numeric_limits<std::size_t>::max(), headers.references);
    for (std::string& id : headers.references) make_valid_utf8(id);
  }
  if (subject) {
    unfold(*subject, value);
    headers.subject = decode_subject(value);
  }
  if (date) {
    unfold(*date, value);
    headers.date = parse_date(value);
  }
  return headers;
}

}  // namespace

model::Result<MessageHeaders> parse_headers(std::string_view raw) { return scan_headers(raw, false); }

model::Result<MessageHeaders> parse_participants(std::string_view raw) { return scan_headers(raw, true); }

}  // namespace hiresync::mime
