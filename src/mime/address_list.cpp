#include "mime/address_list.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "mime/ascii.hpp"
#include "mime/gmime_support.hpp"
#include "mime/simple_address.hpp"
#include "mime/utf8.hpp"

namespace hiresync::mime {
namespace {

using model::HeaderRole;
using model::Participant;

// GMime's address parser recurses once per nested group ("a: b: c: ... ;"), so a hostile header can
// overflow the stack. Real address headers carry a handful of colons at most (a group, an obsolete
// route, an IPv6 literal); in a value with more, every colon is blanked so that no group can open.
// The mailboxes in it still parse.
constexpr std::ptrdiff_t kMaxColons = 64;

// GMime turns punycode domains into Unicode ("xn--bcher-kva.de" -> "bücher.de"), but the contract
// is the address as written. When that happened, the ASCII form GMime gives back is looked up in the
// header value, after an '@', and the original spelling is restored from there. Each lookup scans
// the value, so a header gets a bounded number of them (never quadratic on hostile input).
constexpr int kMaxPunycodeLookups = 32;

struct AddressSource {
  std::string_view value;  // the unfolded header value the list was parsed from
  int punycode_lookups_left = 0;
};

std::string email_as_written(InternetAddressMailbox* mailbox, std::string_view email, AddressSource& source) {
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos || is_ascii(email.substr(at)) || source.punycode_lookups_left <= 0) {
    return std::string(email);
  }
  --source.punycode_lookups_left;
  const std::string_view idn = internet_address_mailbox_get_idn_addr(mailbox);
  const std::size_t idn_at = idn.rfind('@');
  if (idn_at == std::string_view::npos) return std::string(email);
  std::string ace_domain;
  for (char c : idn.substr(idn_at + 1)) ace_domain.push_back(to_lower_ascii(c));
  const std::string_view value = source.value;
  for (std::size_t pos = find_lower(value, ace_domain); pos != std::string_view::npos;
       pos = find_lower(value, ace_domain, pos + 1)) {
    if (pos > 0 && value[pos - 1] == '@') {
      return std::string(email.substr(0, at + 1)).append(value.substr(pos, ace_domain.size()));
    }
  }
  return std::string(email);
}

// Appends the mailboxes of `list` in order; group members count as mailboxes of the same header.
// Recursion depth is bounded by kMaxColons.
void append_mailboxes(InternetAddressList* list, HeaderRole role, AddressSource& source,
                      std::vector<Participant>& out) {
  const int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(address)) {
      append_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), role, source,
                       out);
      continue;
    }
    if (!INTERNET_ADDRESS_IS_MAILBOX(address)) continue;
    auto* mailbox = INTERNET_ADDRESS_MAILBOX(address);
    const char* email = internet_address_mailbox_get_addr(mailbox);
    if (email == nullptr || *email == '\0') continue;

    Participant participant;
    participant.role = role;
    participant.address.email = email_as_written(mailbox, email, source);
    if (const char* name = internet_address_get_name(address); name != nullptr) {
      participant.address.name = name;
    }
    make_valid_utf8(participant.address.email);
    make_valid_utf8(participant.address.name);
    out.push_back(std::move(participant));
  }
}

}  // namespace

void parse_address_list_with_gmime(std::string& value, HeaderRole role, std::vector<Participant>& out) {
  ensure_gmime_initialized();
  // GMime drops a whole list over one raw ISO-8859-1 byte in an address; hand it UTF-8 only.
  make_valid_utf8(value);
  if (std::count(value.begin(), value.end(), ':') > kMaxColons)
    std::replace(value.begin(), value.end(), ':', ' ');

  GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, value.c_str()));
  if (list == nullptr) return;
  AddressSource source{value, find_lower(value, "xn--") != std::string::npos ? kMaxPunycodeLookups : 0};
  append_mailboxes(list.get(), role, source, out);
}

void parse_address_list(std::string& value, HeaderRole role, std::vector<Participant>& out) {
  if (parse_simple_address_list(value, role, out)) return;
  parse_address_list_with_gmime(value, role, out);
}

}  // namespace hiresync::mime
