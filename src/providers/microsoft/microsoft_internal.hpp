// Helpers shared by the Microsoft connector's files (errors, OAuth, Graph). Not part of the
// module's interface; exposed in a header so the unit tests can reach the pure parts. The
// provider-neutral helpers (JSON reading, Retry-After, send) are in providers/common/common.hpp.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hiresync::providers::microsoft::internal {

// --- Entra error bodies (B.8) ----------------------------------------------------------------------

struct EntraError {
  std::string error;             // "invalid_grant", ...
  std::string description;       // error_description ("AADSTS700082: ...")
  std::vector<long long> codes;  // error_codes, else the AADSTS numbers of the description
};

// The numbers after each "AADSTS" in `text`, in order, without repeats. Pure.
std::vector<long long> aadsts_codes(std::string_view text);

// Reads an Entra token error body (an object whose "error" is a string). Pure; never throws.
EntraError read_entra_error(const nlohmann::json& body);

// --- Time ------------------------------------------------------------------------------------------

// "2024-06-10T09:39:05Z" (UTC, whole seconds): Graph's $filter literals and expirationDateTime.
std::string iso_time(std::int64_t unix_s);

// Milliseconds since the epoch of an ISO 8601 date-time as Graph writes it: "2024-06-10T09:39:07Z",
// with optional fractional seconds (any number of digits) and "Z" or a "+hh:mm" / "-hh:mm" offset.
// nullopt when unreadable. Pure.
std::optional<std::int64_t> parse_iso_time_ms(std::string_view text);

// "Mon, 10 Jun 2024 09:39:05 +0000" (RFC 5322 §3.3) for unix seconds. Pure.
std::string rfc5322_date(std::int64_t unix_s);

// --- Headers rebuilt from a Graph message (B.2) ----------------------------------------------------

// One mailbox of an address header: `address` alone when `name` is empty or equals the address,
// `Name <address>` when the name is only atoms and spaces, else `"Na\"me, X" <address>` (quoted
// string, backslash-escaped; UTF-8 kept as RFC 6532 allows). CR, LF and other control characters
// become spaces. "" when the address is empty or holds characters an addr-spec cannot ('<', '>',
// ',', whitespace, controls). Pure.
std::string format_mailbox(std::string_view name, std::string_view address);

// The RFC 5322 header block ("Name: value\r\n" lines) of a Graph message JSON with the fields of
// metadata()'s $select: From, Sender, Reply-To, To, Cc, Bcc (from the emailAddress objects),
// Subject, Date (from sentDateTime), Message-ID (internetMessageId), In-Reply-To and References (from
// internetMessageHeaders, when present). Missing or empty fields give no line. Pure; never throws.
std::string rebuild_headers(const nlohmann::json& message);

// --- Cursor and page token (B.3) -------------------------------------------------------------------

// The two folders the connector follows, by Graph's well-known names.
inline constexpr std::string_view kInbox = "inbox";
inline constexpr std::string_view kSentItems = "sentitems";

// The composite sync cursor: each folder's deltaLink.
struct DeltaCursor {
  std::string inbox;
  std::string sentitems;
};

// JSON {"inbox":"...","sentitems":"..."}; parse gives nullopt unless both links are non-empty
// strings. Pure.
std::string serialize_cursor(const DeltaCursor& cursor);
std::optional<DeltaCursor> parse_cursor(std::string_view text);

// Where changes() stands between pages: the folder being read, the URL of its next page, and the
// new deltaLinks reached so far.
struct DeltaPageToken {
  std::string folder;  // kInbox or kSentItems
  std::string next;    // the URL to GET for this page
  DeltaCursor reached;
};

std::string serialize_page_token(const DeltaPageToken& token);
// nullopt unless folder is a known one and next is non-empty. Pure.
std::optional<DeltaPageToken> parse_page_token(std::string_view text);

}  // namespace hiresync::providers::microsoft::internal
