#include "sandbox/google/message_json.hpp"

#include <algorithm>
#include <cctype>

#include "net/http.hpp"
#include "sandbox/google/mime_tree.hpp"

namespace hiresync::sandbox::google {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

nlohmann::json headers_json(const HeaderList& headers, const std::vector<std::string>& only) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, value] : headers) {
    const bool wanted =
        only.empty() ||
        std::any_of(only.begin(), only.end(), [&n = name](const std::string& w) { return iequals(w, n); });
    if (wanted) out.push_back({{"name", name}, {"value", value}});
  }
  return out;
}

nlohmann::json part_json(const MimePart& p) {
  nlohmann::json j = {{"partId", p.part_id},
                      {"mimeType", p.mime_type},
                      {"filename", p.filename},
                      {"headers", headers_json(p.headers, {})}};
  nlohmann::json body = {{"size", p.body.size()}};
  if (!p.body.empty()) body["data"] = net::base64url_encode(p.body);
  j["body"] = std::move(body);
  if (!p.parts.empty()) {
    nlohmann::json parts = nlohmann::json::array();
    for (const MimePart& child : p.parts) parts.push_back(part_json(child));
    j["parts"] = std::move(parts);
  }
  return j;
}

std::string top_mime_type(const HeaderList& headers) {
  const std::string value = header_value(headers, "Content-Type");
  std::string type = value.substr(0, value.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type.find('/') == std::string::npos ? "text/plain" : type;
}

}  // namespace

std::optional<MessageFormat> parse_message_format(const std::string& name) {
  if (name == "minimal") return MessageFormat::kMinimal;
  if (name == "metadata") return MessageFormat::kMetadata;
  if (name == "full") return MessageFormat::kFull;
  if (name == "raw") return MessageFormat::kRaw;
  return std::nullopt;
}

const char* to_string(MessageFormat f) {
  switch (f) {
    case MessageFormat::kMinimal:
      return "minimal";
    case MessageFormat::kMetadata:
      return "metadata";
    case MessageFormat::kFull:
      return "full";
    case MessageFormat::kRaw:
      return "raw";
  }
  return "full";
}

nlohmann::json render_message(const StoredMessage& m, MessageFormat format,
                              const std::vector<std::string>& metadata_headers) {
  nlohmann::json j = {{"id", m.id},
                      {"threadId", m.thread_id},
                      {"labelIds", m.content.labels},
                      {"snippet", m.content.search.snippet},
                      {"historyId", std::to_string(m.history_id)},
                      {"internalDate", std::to_string(m.content.internal_date_ms)},
                      {"sizeEstimate", m.content.raw.size()}};
  switch (format) {
    case MessageFormat::kMinimal:
      break;
    case MessageFormat::kMetadata: {
      HeaderList headers;
      std::string_view body;
      split_message(m.content.raw, headers, body);
      j["payload"] = {{"mimeType", top_mime_type(headers)},
                      {"headers", headers_json(headers, metadata_headers)}};
      break;
    }
    case MessageFormat::kFull:
      j["payload"] = part_json(parse_mime_tree(m.content.raw));
      break;
    case MessageFormat::kRaw:
      j["raw"] = net::base64url_encode(m.content.raw);
      break;
  }
  return j;
}

}  // namespace hiresync::sandbox::google
