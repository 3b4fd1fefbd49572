#include "sandbox/microsoft/graph_message.hpp"

#include <algorithm>

#include "mime/mime.hpp"
#include "sandbox/google/mime_tree.hpp"
#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

const char* const kProperties[] = {"id",
                                   "createdDateTime",
                                   "lastModifiedDateTime",
                                   "changeKey",
                                   "categories",
                                   "receivedDateTime",
                                   "sentDateTime",
                                   "hasAttachments",
                                   "internetMessageId",
                                   "subject",
                                   "bodyPreview",
                                   "importance",
                                   "parentFolderId",
                                   "conversationId",
                                   "isDeliveryReceiptRequested",
                                   "isReadReceiptRequested",
                                   "isRead",
                                   "isDraft",
                                   "webLink",
                                   "inferenceClassification",
                                   "body",
                                   "sender",
                                   "from",
                                   "toRecipients",
                                   "ccRecipients",
                                   "bccRecipients",
                                   "replyTo",
                                   "flag",
                                   "internetMessageHeaders",
                                   "uniqueBody"};

std::string strip_brackets(std::string id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return lower(id);
}

nlohmann::json recipient(const Recipient& r) {
  return {{"emailAddress", {{"name", r.name.empty() ? r.address : r.name}, {"address", r.address}}}};
}

nlohmann::json recipients(const std::vector<Recipient>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const Recipient& r : list) out.push_back(recipient(r));
  return out;
}

// The first 255 characters (UTF-8 code points) of `text`, whitespace collapsed.
std::string preview_of(const std::string& text) {
  std::string out;
  bool space = false;
  std::size_t points = 0;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool ws = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if ((u & 0xC0U) != 0x80U) {
      if (points + (space ? 1 : 0) >= 255) break;
      if (space) {
        out.push_back(' ');
        ++points;
      }
      ++points;
    }
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

model::Result<MessageContent> prepare_content(std::string raw, std::int64_t received_ms) {
  if (raw.empty()) return model::make_error(model::ErrorCode::kInvalidArgument, "raw is empty");
  MessageContent m;
  m.received_ms = received_ms;
  m.sent_ms = received_ms;
  if (auto parsed = mime::parse_message(raw); parsed.ok()) {
    const model::MessageHeaders& h = parsed->headers;
    for (const model::Participant& p : h.participants) {
      Recipient r{p.address.name, p.address.email};
      switch (p.role) {
        case model::HeaderRole::kFrom:
          m.from.push_back(std::move(r));
          break;
        case model::HeaderRole::kSender:
          m.sender.push_back(std::move(r));
          break;
        case model::HeaderRole::kReplyTo:
          m.reply_to.push_back(std::move(r));
          break;
        case model::HeaderRole::kTo:
          m.to.push_back(std::move(r));
          break;
        case model::HeaderRole::kCc:
          m.cc.push_back(std::move(r));
          break;
        case model::HeaderRole::kBcc:
          m.bcc.push_back(std::move(r));
          break;
      }
    }
    if (m.sender.empty()) m.sender = m.from;
    m.subject = h.subject;
    if (!h.message_id.empty()) m.internet_message_id = "<" + h.message_id + ">";
    if (h.date > 0) m.sent_ms = h.date * 1000;
    if (!h.in_reply_to.empty()) m.parent_ids.push_back(strip_brackets(h.in_reply_to));
    for (const std::string& r : h.references) m.parent_ids.push_back(strip_brackets(r));
    m.body_type = parsed->html.empty() ? "text" : "html";
    m.body = parsed->html.empty() ? parsed->text : parsed->html;
    m.preview = preview_of(parsed->text);
    m.has_attachments = !parsed->attachments.empty();
  } else {
    m.body_type = "text";
  }
  std::string_view body;
  google::split_message(raw, m.headers, body);
  m.raw = std::move(raw);
  return m;
}

model::Result<std::vector<std::string>> parse_select(const std::string& select) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < select.size()) {
    const std::size_t end = std::min(select.find(',', pos), select.size());
    std::string name = select.substr(pos, end - pos);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    pos = end + 1;
    if (name.empty()) continue;
    const auto it = std::find_if(std::begin(kProperties), std::end(kProperties),
                                 [&](const char* p) { return lower(p) == lower(name); });
    if (it == std::end(kProperties)) {
      return model::make_error(
          model::ErrorCode::kInvalidArgument,
          "Could not find a property named '" + name + "' on type 'microsoft.graph.message'.");
    }
    if (std::find(out.begin(), out.end(), *it) == out.end()) out.emplace_back(*it);
  }
  return out;
}

nlohmann::json message_json(const MessageView& m, const std::vector<std::string>& select) {
  const MessageContent& c = *m.content;
  const auto wanted = [&](std::string_view name) {
    if (select.empty()) return name != "internetMessageHeaders" && name != "uniqueBody";
    return std::find(select.begin(), select.end(), name) != select.end();
  };
  nlohmann::json j = {{"@odata.type", "#microsoft.graph.message"},
                      {"@odata.etag", "W/\"" + m.change_key + "\""},
                      {"id", m.id}};
  const std::string received = iso_seconds(c.received_ms);
  const auto put = [&](const char* name, nlohmann::json value) {
    if (wanted(name)) j[name] = std::move(value);
  };
  put("createdDateTime", received);
  put("lastModifiedDateTime", received);
  put("changeKey", m.change_key);
  put("categories", nlohmann::json::array());
  put("receivedDateTime", received);
  put("sentDateTime", iso_seconds(c.sent_ms));
  put("hasAttachments", c.has_attachments);
  put("internetMessageId", c.internet_message_id);
  put("subject", c.subject);
  put("bodyPreview", c.preview);
  put("importance", "normal");
  put("parentFolderId", m.parent_folder_id);
  put("conversationId", m.conversation_id);
  put("isDeliveryReceiptRequested", false);
  put("isReadReceiptRequested", false);
  put("isRead", false);
  put("isDraft", false);
  put("webLink", "https://outlook.office365.com/owa/?ItemID=" + net::url_encode(m.id) +
                     "&exvsurl=1&viewmodel=ReadMessageItem");
  put("inferenceClassification", "focused");
  put("body", {{"contentType", c.body_type}, {"content", c.body}});
  if (wanted("uniqueBody")) j["uniqueBody"] = {{"contentType", c.body_type}, {"content", c.body}};
  if (wanted("sender"))
    j["sender"] = c.sender.empty() ? nlohmann::json(nullptr) : recipient(c.sender.front());
  if (wanted("from")) j["from"] = c.from.empty() ? nlohmann::json(nullptr) : recipient(c.from.front());
  put("toRecipients", recipients(c.to));
  put("ccRecipients", recipients(c.cc));
  put("bccRecipients", recipients(c.bcc));
  put("replyTo", recipients(c.reply_to));
  put("flag", {{"flagStatus", "notFlagged"}});
  if (wanted("internetMessageHeaders")) {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [name, value] : c.headers) {
      const std::string l = lower(name);
      if (!c.from_internet && (l == "in-reply-to" || l == "references")) continue;
      headers.push_back({{"name", name}, {"value", value}});
    }
    j["internetMessageHeaders"] = std::move(headers);
  }
  return j;
}

}  // namespace hiresync::sandbox::microsoft
