// Gmail Message resources for messages.get (shared/PROTOCOLS.md A.4). Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/google/mailbox.hpp"

namespace hiresync::sandbox::google {

enum class MessageFormat { kMinimal, kMetadata, kFull, kRaw };

// "minimal" | "metadata" | "full" | "raw" (lower case, as Gmail takes them); otherwise nullopt.
std::optional<MessageFormat> parse_message_format(const std::string& name);
const char* to_string(MessageFormat f);

// Every format carries id, threadId, labelIds, snippet, historyId (string), internalDate (string,
// ms) and sizeEstimate. metadata adds payload {mimeType, headers} with only the headers named in
// `metadata_headers` (case-insensitive; all of them when the list is empty), full adds the MIME
// tree (payload: partId, mimeType, filename, headers, body {size, data (base64url)}, parts), raw
// adds raw (base64url of the exact bytes).
nlohmann::json render_message(const StoredMessage& m, MessageFormat format,
                              const std::vector<std::string>& metadata_headers);

}  // namespace hiresync::sandbox::google
