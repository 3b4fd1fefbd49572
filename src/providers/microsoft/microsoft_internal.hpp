// Helpers shared by the Microsoft connector's files (errors, OAuth, Graph and its subscriptions). Not part of
// the module's interface; exposed in a header so the unit tests can reach the pure parts. The
// provider-neutral helpers (JSON reading, Retry-After, send) are in providers/common/common.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "net/client.hpp"
#include "providers/provider.hpp"

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

// --- Cursor and page token (B.3, docs/sync.md "Microsoft 365") ------------------------------------

// Well-known folders whose mail is never synced (nor that of their child folders): junk, deleted,
// unsent. Every other mail folder is tracked.
inline constexpr std::array<std::string_view, 4> kUntracked = {"junkemail", "deleteditems", "drafts",
                                                               "outbox"};

// The sync cursor: a deltaLink per tracked folder, keyed by folder id.
//  - since: ISO time; a folder without a link (new since the last round) starts its first delta round
//    at messages received from then on. "" = not known (an upgraded cursor): the next round sets now.
//  - untracked: the ids of kUntracked's folders, resolved once; empty = not resolved yet.
//  - folders: folder id -> deltaLink. A cursor of the first format ({"inbox":link,"sentitems":link})
//    parses with `legacy` set and the two well-known names as keys, re-keyed by id on the next round.
struct DeltaCursor {
  std::string since;
  std::vector<std::string> untracked;
  std::map<std::string, std::string> folders;
  bool legacy = false;
};

// JSON {"v":2,"since":…,"untracked":[…],"folders":{id:link}}. parse gives nullopt unless the text
// is that (every link a non-empty string) or the first format with both links non-empty. Pure.
std::string serialize_cursor(const DeltaCursor& cursor);
std::optional<DeltaCursor> parse_cursor(std::string_view text);

// Where changes() stands within a round: the folders of the round in order, the one being read, the
// URL of its next page, and the cursor reached so far (its `folders` holds the links reached).
struct DeltaPageToken {
  std::vector<std::string> order;
  std::vector<std::string> links;  // per folder of `order`: the stored deltaLink, "" for a new folder
  std::size_t at = 0;
  std::string next;
  DeltaCursor reached;
};

std::string serialize_page_token(const DeltaPageToken& token);
// nullopt unless `links` matches `order`, `at` is within it and `next` is non-empty. Pure.
std::optional<DeltaPageToken> parse_page_token(std::string_view text);

// --- Graph requests (graph.cpp) and subscriptions (graph_subscriptions.cpp, B.5) ------------------

// What every Graph call of one mail client shares. `http` is borrowed: it outlives the client.
struct GraphConnection {
  net::HttpClient& http;
  std::string base;              // {graph_base}/v1.0
  int page_size = 100;           // Prefer odata.maxpagesize of a paged request
  int subscription_minutes = 0;  // MicrosoftConfig::subscription_minutes
  std::function<std::int64_t()> clock_s;
};

// A request with the headers every Graph call sends: the bearer token, Accept JSON, immutable ids
// and, when `paged`, the page size. Pure.
net::ClientRequest graph_request(const GraphConnection& graph, const std::string& access_token,
                                 const char* method, std::string url, bool paged);

// Sends `request`; the JSON object it answers, else the classified error (map_error), or
// malformed_input when the answer is not a JSON object.
model::Result<nlohmann::json> send_graph_json(const GraphConnection& graph, const net::ClientRequest& request,
                                              const std::string& context);

// A malformed_input error "microsoft <context>: <what>".
model::Error malformed(const std::string& context, const std::string& what);

// MailClient::watch for Graph: renews (PATCH) the subscription the state holds, or creates one
// when there is none or Graph no longer knows it; deletes those of an earlier state format. On
// failure, a subscription created by this call is deleted (best effort) and the error returned.
model::Result<WatchResult> watch_subscriptions(const GraphConnection& graph, const std::string& access_token,
                                               const WatchRequest& request);

// MailClient::stop for Graph: deletes every subscription id the state holds; one already gone
// (404) is not an error. Returns the first other failure, after trying them all.
// True when `state` is a watch state of the first format (one subscription per folder, keyed by
// folder name) rather than the one subscription on me/messages that watch_subscriptions() keeps.
bool subscription_state_outdated(const std::string& state);
model::Status stop_subscriptions(const GraphConnection& graph, const std::string& access_token,
                                 const std::string& state);

}  // namespace hiresync::providers::microsoft::internal
