// The Graph message resource (shared/PROTOCOLS.md B.2) of a delivered raw message: parsing once at
// delivery, and rendering with $select. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/result.hpp"

namespace hiresync::sandbox::microsoft {

struct Recipient {
  std::string name, address;
};

// What a raw RFC 5322 message looks like to Graph.
struct MessageContent {
  std::string raw;
  std::string subject;
  std::string internet_message_id;  // with angle brackets, as Graph shows it; may be empty
  std::vector<Recipient> from, sender, reply_to, to, cc, bcc;
  std::int64_t sent_ms = 0;  // Date: header, else the receive time
  std::int64_t received_ms = 0;
  std::vector<std::string> parent_ids;  // In-Reply-To then References, lower case, no brackets
  std::string body_type;                // "html" or "text"
  std::string body;
  std::string preview;  // first 255 characters of the text body
  bool has_attachments = false;
  std::vector<std::pair<std::string, std::string>> headers;  // every header, unfolded
  // False for mail the mailbox's owner composed (Sent Items): internetMessageHeaders then lacks
  // In-Reply-To and References (they are transport headers of received mail; sandbox/README.md).
  bool from_internet = true;
};

// Never fails on odd content (Exchange accepts anything); kInvalidArgument only for an empty raw.
model::Result<MessageContent> prepare_content(std::string raw, std::int64_t received_ms);

// The mutable parts of a stored message the JSON needs.
struct MessageView {
  const MessageContent* content = nullptr;
  std::string id;  // REST or immutable id, as the request asked
  std::string conversation_id;
  std::string parent_folder_id;
  std::string change_key;
};

// Checks a $select list (comma separated, case-insensitive) and returns the canonical property
// names; kInvalidArgument naming the unknown property. An empty list selects the default set.
model::Result<std::vector<std::string>> parse_select(const std::string& select);

// The resource with the selected properties (`id`, `@odata.type` and `@odata.etag` always; the
// default set, which excludes internetMessageHeaders, when `select` is empty).
nlohmann::json message_json(const MessageView& m, const std::vector<std::string>& select);

}  // namespace hiresync::sandbox::microsoft
