// The Gmail REST API v1 calls the sync engine makes (PROTOCOLS.md A.2-A.6, A.8).
#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_set>
#include <utility>

#include "providers/google/google.hpp"
#include "providers/google/google_internal.hpp"

namespace hiresync::providers::google {
namespace {

using model::ErrorCode;
using nlohmann::json;

constexpr std::chrono::milliseconds kTimeout{30000};
constexpr int kMaxPage = 500;   // messages.list and history.list maximum maxResults
constexpr int kMaxBatch = 100;  // calls per batch request
constexpr const char* kBoundary = "hiresync_batch_6a0c2f";  // never in a part: paths are URL-encoded

// The headers the matcher and the threader read (metadata fetch).
constexpr std::array<const char*, 11> kMetadataHeaders{"From",       "To",          "Cc",        "Bcc",
                                                       "Sender",     "Reply-To",    "Subject",   "Date",
                                                       "Message-ID", "In-Reply-To", "References"};

bool is_uint64(std::string_view s) {
  return !s.empty() && s.size() <= 20 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Gmail returns header values unfolded; a stray CR or LF would break the rebuilt block.
std::string one_line(std::string value) {
  std::replace_if(
      value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return value;
}

MessageRef read_ref(const json& message) {
  return MessageRef{json_string(message, "id"), json_string(message, "threadId")};
}

class GmailClient final : public MailClient {
 public:
  GmailClient(GoogleConfig config, net::HttpClient& http)
      : config_(std::move(config)), http_(http), base_(config_.api_base + "/gmail/v1/users/me") {}

  int cost(Call call) const override {
    const GoogleConfig::QuotaUnits& q = config_.quota;
    switch (call) {
      case Call::kProfile:
        return q.profile;
      case Call::kHistory:
        return q.history_list;
      case Call::kList:
        return q.messages_list;
      case Call::kGetMetadata:
      case Call::kGetRaw:
        return q.messages_get;
      case Call::kWatch:
        return q.watch;
      case Call::kStop:
        return q.stop;
    }
    return 1;
  }

  model::Result<MailboxProfile> profile(const std::string& access_token) override {
    auto body = get_json(access_token, base_ + "/profile", "gmail");
    if (!body) return body.error();
    MailboxProfile out;
    out.address = json_string(*body, "emailAddress");
    out.cursor = json_string(*body, "historyId");
    out.messages_total = json_int(*body, "messagesTotal").value_or(0);
    if (out.address.empty() || out.cursor.empty())
      return malformed("profile without emailAddress or historyId");
    return out;
  }

  model::Result<ListPage> list(const std::string& access_token, const SearchQuery& search,
                               const std::string& page_token, int max_results) override {
    net::Fields params;
    const std::string query = gmail_query(search);
    if (!query.empty()) params.emplace_back("q", query);
    if (!page_token.empty()) params.emplace_back("pageToken", page_token);
    if (max_results > 0) params.emplace_back("maxResults", std::to_string(std::min(max_results, kMaxPage)));
    auto body = get_json(access_token, with_query(base_ + "/messages", params), "gmail");
    if (!body) return body.error();
    ListPage page;
    auto messages = body->find("messages");
    if (messages != body->end() && messages->is_array()) {
      for (const auto& m : *messages) {
        auto ref = read_ref(m);
        if (!ref.id.empty()) page.messages.push_back(std::move(ref));
      }
    }
    page.next_page_token = json_string(*body, "nextPageToken");
    page.size_estimate = json_int(*body, "resultSizeEstimate").value_or(0);
    return page;
  }

  model::Result<ChangePage> changes(const std::string& access_token, const std::string& cursor,
                                    const std::string& page_token) override {
    if (!is_uint64(cursor)) {
      return model::make_error(ErrorCode::kCursorInvalid, "google history: stored cursor is not a historyId");
    }
    net::Fields params{{"startHistoryId", cursor}, {"historyTypes", "messageAdded"}, {"maxResults", "500"}};
    if (!page_token.empty()) params.emplace_back("pageToken", page_token);
    auto body = get_json(access_token, with_query(base_ + "/history", params), "history");
    if (!body) return body.error();
    ChangePage page;
    page.cursor = json_string(*body, "historyId");
    if (page.cursor.empty()) return malformed("history page without historyId");
    page.next_page_token = json_string(*body, "nextPageToken");
    std::unordered_set<std::string> seen;
    auto history = body->find("history");
    if (history != body->end() && history->is_array()) {
      for (const auto& record : *history) {
        if (!record.is_object()) continue;
        auto added = record.find("messagesAdded");
        if (added == record.end() || !added->is_array()) continue;
        for (const auto& entry : *added) {
          if (!entry.is_object() || !entry.contains("message")) continue;
          auto ref = read_ref(entry["message"]);
          if (!ref.id.empty() && seen.insert(ref.id).second) page.added.push_back(std::move(ref));
        }
      }
    }
    return page;
  }

  model::Result<MessageMetadata> metadata(const std::string& access_token, const std::string& id) override {
    auto body = get_json(access_token, with_query(message_url(id), metadata_params()), "gmail");
    if (!body) return body.error();
    return read_metadata(*body);
  }

  int metadata_batch_size() const override { return std::clamp(config_.batch_size, 1, kMaxBatch); }

  // One batch request (docs/sync.md "Budgets"): each id a GET .../messages/{id}?format=metadata
  // part with Content-ID "m<index>"; answers are paired by Content-ID, since Gmail may send them
  // in any order. A part that is missing from the answer is a transient failure of that id.
  model::Result<std::vector<model::Result<MessageMetadata>>> metadata_batch(
      const std::string& access_token, const std::vector<std::string>& ids) override {
    if (ids.size() > static_cast<std::size_t>(kMaxBatch)) {
      return model::make_error(ErrorCode::kInternal, "google batch: more than 100 calls");
    }
    std::vector<internal::BatchCall> calls;
    calls.reserve(ids.size());
    const std::string query = "?" + net::encode_query(metadata_params());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      calls.push_back(
          {"m" + std::to_string(i), "/gmail/v1/users/me/messages/" + net::url_encode(ids[i]) + query});
    }
    auto request = make_request(access_token, "POST", config_.api_base + "/batch/gmail/v1");
    request.headers.emplace_back("Content-Type", std::string("multipart/mixed; boundary=") + kBoundary);
    request.body = internal::batch_body(kBoundary, calls);
    auto response = providers::send(http_, request, map_error, "gmail");
    if (!response) return response.error();
    auto replies = internal::parse_batch_response(response->header("Content-Type"), response->body);
    if (!replies) return replies.error();

    std::vector<model::Result<MessageMetadata>> out(
        ids.size(), model::make_error(ErrorCode::kTransient, "google batch: no answer for this call"));
    for (const internal::BatchReply& reply : *replies) {
      if (reply.content_id.size() < 2 || reply.content_id[0] != 'm') continue;
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(reply.content_id.data() + 1,
                                             reply.content_id.data() + reply.content_id.size(), index);
      if (ec != std::errc() || end != reply.content_id.data() + reply.content_id.size() ||
          index >= ids.size()) {
        continue;
      }
      if (reply.status < 200 || reply.status > 299) {
        model::Error error = map_error(reply.status, reply.body, reply.retry_after, "gmail");
        // A refused token refuses every part: the whole batch is retried after a refresh.
        if (error.code == ErrorCode::kAuthExpired) return error;
        out[index] = std::move(error);
        continue;
      }
      auto body = parse_json(reply.body);
      if (!body || !body->is_object()) {
        out[index] = malformed("batch part is not a JSON object");
        continue;
      }
      out[index] = read_metadata(*body);
    }
    return out;
  }

  model::Result<std::string> raw(const std::string& access_token, const std::string& id) override {
    auto body = get_json(access_token, with_query(message_url(id), {{"format", "raw"}}), "gmail");
    if (!body) return body.error();
    auto it = body->find("raw");
    if (it == body->end() || !it->is_string()) return malformed("message without raw");
    auto decoded = net::base64url_decode(it->get<std::string>());
    if (!decoded) return malformed("raw is not base64url");
    return std::move(*decoded);
  }

  model::Result<WatchResult> watch(const std::string& access_token, const WatchRequest& watch) override {
    const json request_body{
        {"topicName", watch.topic}, {"labelIds", {"INBOX", "SENT"}}, {"labelFilterBehavior", "include"}};
    auto request = make_request(access_token, "POST", base_ + "/watch");
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = request_body.dump();
    auto body = send_json(request, "gmail");
    if (!body) return body.error();
    WatchResult out;
    out.cursor = json_string(*body, "historyId");
    out.expires_at_ms = json_int(*body, "expiration").value_or(0);
    if (out.cursor.empty()) return malformed("watch response without historyId");
    return out;
  }

  model::Status stop(const std::string& access_token, const std::string& /*state*/) override {
    auto response =
        providers::send(http_, make_request(access_token, "POST", base_ + "/stop"), map_error, "gmail");
    if (!response) return response.error();
    return {};
  }

 private:
  static model::Error malformed(const std::string& what) {
    return model::make_error(ErrorCode::kMalformedInput, "google gmail: " + what);
  }

  static std::string with_query(const std::string& url, const net::Fields& params) {
    return params.empty() ? url : url + "?" + net::encode_query(params);
  }

  std::string message_url(const std::string& id) const { return base_ + "/messages/" + net::url_encode(id); }

  static net::Fields metadata_params() {
    net::Fields params{{"format", "metadata"}};
    for (const char* name : kMetadataHeaders) params.emplace_back("metadataHeaders", name);
    return params;
  }

  static model::Result<MessageMetadata> read_metadata(const json& body) {
    MessageMetadata out;
    out.ref = read_ref(body);
    if (out.ref.id.empty()) return malformed("message without id");
    out.internal_date_ms = json_int(body, "internalDate").value_or(0);
    auto labels = body.find("labelIds");
    if (labels != body.end() && labels->is_array()) {
      for (const auto& label : *labels) {
        if (label.is_string()) out.labels.push_back(label.get<std::string>());
      }
    }
    auto payload = body.find("payload");
    if (payload != body.end() && payload->is_object()) {
      auto headers = payload->find("headers");
      if (headers != payload->end() && headers->is_array()) {
        for (const auto& header : *headers) {
          std::string name = json_string(header, "name");
          if (name.empty() || name.find_first_of(":\r\n") != std::string::npos) continue;
          out.raw_headers += name + ": " + one_line(json_string(header, "value")) + "\r\n";
        }
      }
    }
    return out;
  }

  static net::ClientRequest make_request(const std::string& access_token, const char* method,
                                         std::string url) {
    net::ClientRequest request;
    request.method = method;
    request.url = std::move(url);
    request.headers = {{"Authorization", "Bearer " + access_token}, {"Accept", "application/json"}};
    request.timeout = kTimeout;
    return request;
  }

  model::Result<json> send_json(const net::ClientRequest& request, std::string_view context) {
    auto response = providers::send(http_, request, map_error, context);
    if (!response) return response.error();
    auto body = parse_json(response->body);
    if (!body || !body->is_object()) {
      return model::make_error(ErrorCode::kMalformedInput,
                               "google " + std::string(context) + ": response is not a JSON object");
    }
    return std::move(*body);
  }

  model::Result<json> get_json(const std::string& access_token, std::string url, std::string_view context) {
    return send_json(make_request(access_token, "GET", std::move(url)), context);
  }

  GoogleConfig config_;
  net::HttpClient& http_;
  std::string base_;
};

}  // namespace

std::string gmail_query(const SearchQuery& query) {
  std::string q;
  for (const std::string& address : query.addresses) {
    // An address with a quote or a space cannot be a term; Gmail splits on those, so quote it.
    const bool plain = address.find_first_of("\" ()") == std::string::npos;
    const std::string term = plain ? address : "\"" + address + "\"";
    for (const char* field : {"from:", "to:", "cc:", "bcc:"}) {
      q += q.empty() ? "(" : " OR ";
      q.append(field).append(term);
    }
  }
  if (!q.empty()) q += ")";
  if (query.after_s > 0) {
    if (!q.empty()) q += ' ';
    q += "after:" + std::to_string(query.after_s);
  }
  return q;
}

std::unique_ptr<MailClient> make_mail_client(GoogleConfig config, net::HttpClient& http) {
  return std::make_unique<GmailClient>(std::move(config), http);
}

}  // namespace hiresync::providers::google
