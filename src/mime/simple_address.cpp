#include "mime/simple_address.hpp"

#include <array>
#include <string>

namespace hiresync::mime {
namespace {

constexpr std::array<bool, 256> make_atext_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-/=?^_`{|}~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kAtext = make_atext_table();  // RFC 5322 §3.2.3

bool is_atext(char c) { return kAtext[static_cast<unsigned char>(c)]; }

char to_lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// True when `value` holds anything this parser leaves to GMime: non-ASCII or control bytes,
// comments, escapes, groups, routes, domain literals, encoded words or punycode (which GMime
// rewrites to Unicode).
bool needs_gmime(std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80 || c < 0x20 || c == 0x7F) return true;
    switch (c) {
      case '(':
      case ')':
      case '\\':
      case ':':
      case ';':
      case '[':
      case ']':
        return true;
      case '=':
        if (i + 1 < value.size() && value[i + 1] == '?') return true;
        break;
      case '-':
        if (i >= 2 && i + 1 < value.size() && value[i + 1] == '-' && to_lower_ascii(value[i - 1]) == 'n' &&
            to_lower_ascii(value[i - 2]) == 'x') {
          return true;
        }
        break;
      default:
        break;
    }
  }
  return false;
}

// atext runs joined by single dots (RFC 5322 dot-atom-text).
bool is_dot_atom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  bool after_dot = false;
  for (char c : text) {
    if (c == '.') {
      if (after_dot) return false;
      after_dot = true;
    } else if (is_atext(c)) {
      after_dot = false;
    } else {
      return false;
    }
  }
  return true;
}

bool is_addr_spec(std::string_view text) {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) return false;
  return is_dot_atom(text.substr(0, at)) && is_dot_atom(text.substr(at + 1));
}

std::string_view trim_spaces(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(' ');
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(' ') - begin + 1);
}

struct Mailbox {
  std::string_view name;
  std::string_view email;
};

}  // namespace

bool parse_simple_address_list(std::string_view value, model::HeaderRole role,
                               std::vector<model::Participant>& out) {
  if (needs_gmime(value)) return false;

  std::vector<Mailbox> found;
  const std::size_t n = value.size();
  std::size_t i = 0;
  const auto skip_spaces = [&] {
    while (i < n && value[i] == ' ') ++i;
  };
  // After a mailbox: only a separator or the end may follow.
  const auto at_separator = [&] {
    skip_spaces();
    return i == n || value[i] == ',';
  };

  while (true) {
    skip_spaces();
    if (i == n) break;
    if (value[i] == ',') {  // empty list element, as in "a@x, , b@y"
      ++i;
      continue;
    }

    std::string_view name;
    if (value[i] == '"') {
      const std::size_t close = value.find('"', i + 1);
      if (close == std::string_view::npos) return false;
      name = trim_spaces(value.substr(i + 1, close - i - 1));
      i = close + 1;
      skip_spaces();
      if (i == n || value[i] != '<') return false;
    } else if (value[i] != '<') {
      // Either a bare addr-spec or the words of a display name.
      const std::size_t start = i;
      while (i < n && (is_atext(value[i]) || value[i] == '.' || value[i] == ' ' || value[i] == '@')) ++i;
      const std::string_view run = trim_spaces(value.substr(start, i - start));
      if (run.find('@') != std::string_view::npos) {
        if (!is_addr_spec(run) || !at_separator()) return false;
        found.push_back({{}, run});
        continue;
      }
      if (i == n || value[i] != '<') return false;
      name = run;
    }

    const std::size_t close = value.find('>', i + 1);
    if (close == std::string_view::npos) return false;
    const std::string_view email = value.substr(i + 1, close - i - 1);
    if (!is_addr_spec(email)) return false;
    i = close + 1;
    if (!at_separator()) return false;
    found.push_back({name, email});
  }

  out.reserve(out.size() + found.size());
  for (const Mailbox& mailbox : found) {
    model::Participant participant;
    participant.role = role;
    participant.address.name = std::string(mailbox.name);
    participant.address.email = std::string(mailbox.email);
    out.push_back(std::move(participant));
  }
  return true;
}

}  // namespace hiresync::mime
