#include "mime/plain_body.hpp"

#include "mime/ascii.hpp"
#include "mime/header_scanner.hpp"
#include "mime/utf8.hpp"

namespace hiresync::mime {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// "text/plain; charset=us-ascii; format=flowed" -> true when it is text/plain with a pass-through
// charset (or none). Anything this simple reader is unsure about answers false.
bool is_plain_text_type(std::string_view value) {
  if (value.find_first_of("(\\*") != std::string_view::npos) return false;  // comments, escapes, RFC 2231
  std::size_t semicolon = value.find(';');
  if (!equals_lower(trim(value.substr(0, semicolon)), "text/plain")) return false;
  while (semicolon != std::string_view::npos) {
    value.remove_prefix(semicolon + 1);
    const std::size_t eq = value.find('=');
    if (eq == std::string_view::npos) return trim(value).empty();  // a trailing ';'
    const std::string_view name = trim(value.substr(0, eq));
    std::string_view rest = value.substr(eq + 1);
    std::string_view param;
    const std::string_view lead = trim(rest);
    if (!lead.empty() && lead.front() == '"') {
      const std::size_t open = rest.find('"');
      const std::size_t close = rest.find('"', open + 1);
      if (close == std::string_view::npos) return false;
      param = rest.substr(open + 1, close - open - 1);
      semicolon = rest.find(';', close);
      if (!trim(rest.substr(close + 1,
                            semicolon == std::string_view::npos ? rest.npos : semicolon - close - 1))
               .empty()) {
        return false;
      }
      value = rest;
    } else {
      semicolon = rest.find(';');
      param = trim(rest.substr(0, semicolon));
      value = rest;
    }
    if (equals_lower(name, "charset") && !is_pass_through_charset(param)) return false;
  }
  return true;
}

bool is_identity_encoding(std::string_view value) {
  value = trim(value);
  return equals_lower(value, "7bit") || equals_lower(value, "8bit") || equals_lower(value, "binary");
}

bool is_inline(std::string_view value) {
  value = trim(value);
  return equals_lower(value, "inline");
}

}  // namespace

bool is_pass_through_charset(std::string_view charset) {
  return equals_lower(charset, "utf-8") || equals_lower(charset, "utf8") ||
         equals_lower(charset, "us-ascii") || equals_lower(charset, "ascii") ||
         equals_lower(charset, "ansi_x3.4-1968");
}

std::optional<std::string> plain_text_body(std::string_view raw) {
  HeaderScanner scanner(raw);
  RawField field;
  int types = 0;
  int encodings = 0;
  int dispositions = 0;
  int fields = 0;
  while (scanner.next(field)) {
    ++fields;
    if (equals_lower(field.name, "content-type")) {
      if (++types > 1 || !is_plain_text_type(field.value)) return std::nullopt;
    } else if (equals_lower(field.name, "content-transfer-encoding")) {
      if (++encodings > 1 || !is_identity_encoding(field.value)) return std::nullopt;
    } else if (equals_lower(field.name, "content-disposition")) {
      if (++dispositions > 1 || !is_inline(field.value)) return std::nullopt;
    }
  }
  if (fields == 0) return std::nullopt;  // not a message: parse_headers() says why
  std::string text(scanner.rest());
  make_valid_utf8(text);
  return text;
}

}  // namespace hiresync::mime
