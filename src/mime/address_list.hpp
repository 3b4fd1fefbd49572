// Address header values (From, Sender, Reply-To, To, Cc, Bcc) -> participants. Internal to
// src/mime; parse_headers() calls it once per address field.
#pragma once

#include <string>
#include <vector>

#include "model/message.hpp"

namespace hiresync::mime {

// Appends the mailboxes of `value`, an unfolded header value, to `out` in order, each with `role`.
// Members of a group ("Team: a@x.org, b@y.org;") are mailboxes of the header; an empty group adds
// nothing, and so does a value with no usable address. Names and addresses come out as valid
// UTF-8; addresses are kept as written. Plain lists take the fast path of simple_address.hpp,
// everything else goes through GMime. `value` is used as scratch space and modified.
void parse_address_list(std::string& value, model::HeaderRole role, std::vector<model::Participant>& out);

// Same as parse_address_list() but always through GMime: the reference the fast path is tested
// against.
void parse_address_list_with_gmime(std::string& value, model::HeaderRole role,
                                   std::vector<model::Participant>& out);

}  // namespace hiresync::mime
