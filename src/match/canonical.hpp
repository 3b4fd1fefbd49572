// Canonical email addresses (shared/DESIGN.md rule 2): two addresses name the same mailbox exactly
// when their canonical forms are equal. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "model/result.hpp"

namespace hiresync::match {

// Canonical form of an addr-spec "local@domain":
//  - surrounding whitespace and angle brackets removed; the whole address lower-cased (ASCII);
//  - the domain converted to its IDNA ASCII form (libidn2, "bücher.de" -> "xn--bcher-kva.de"),
//    a trailing dot dropped;
//  - for gmail.com and googlemail.com (which are one domain: the result uses gmail.com), dots in the
//    local part are removed and a "+tag" suffix is dropped.
// Returns kMalformedInput when there is no '@', an empty local part or domain, or a domain IDNA rejects.
model::Result<std::string> canonical_address(std::string_view address);

// Canonical form of a bare domain (lower-case, IDNA ASCII, no trailing dot, googlemail.com -> gmail.com),
// equal to domain_of() of the canonical addresses on that domain; kMalformedInput as above.
model::Result<std::string> canonical_domain(std::string_view domain);

// The part after the last '@' of a canonical address (empty when there is none).
std::string_view domain_of(std::string_view canonical);

// True for public webmail domains (gmail.com, outlook.com, hotmail.com, live.com, yahoo.com,
// icloud.com, ...): for a mailbox on one of these, only the owner's own address is excluded, not the
// whole domain (the documented deviation of rule 3). `canonical_domain` must be canonical.
bool is_public_webmail_domain(std::string_view canonical_domain);

}  // namespace hiresync::match
