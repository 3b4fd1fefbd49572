// A fast path for the address lists most mail carries. Internal to src/mime.
//
// GMime's internet_address_list_parse() allocates and frees several GObjects per address, which is
// most of the cost of parse_headers(). Yet nearly every From/To/Cc value is a plain list such as
//   ann@example.org, "Lee, Bob" <bob@example.org>, Carol Diaz <carol@example.org>
// This parser accepts exactly that shape and gives exactly GMime's result for it (a differential
// test in mime_test.cpp keeps the two in agreement); anything else falls back to GMime.
#pragma once

#include <string_view>
#include <vector>

#include "model/message.hpp"

namespace hiresync::mime {

// Parses `value` (an unfolded header value) when it is a comma-separated list of plain mailboxes:
// `local@domain`, `Name Words <local@domain>` or `"Quoted Name" <local@domain>`, all ASCII, with
// dot-atom local parts and domains and none of: comments, groups, routes, encoded words, escapes,
// domain literals, punycode. Appends one participant per mailbox with `role` and returns true; for
// any other input returns false and leaves `out` untouched.
bool parse_simple_address_list(std::string_view value, model::HeaderRole role,
                               std::vector<model::Participant>& out);

}  // namespace hiresync::mime
