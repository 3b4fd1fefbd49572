// The Gmail API methods of GoogleSandbox (shared/PROTOCOLS.md A.2-A.6) and the checks in front of
// them (google_sandbox.hpp lists their order).
#include <algorithm>
#include <cctype>
#include <charconv>

#include "sandbox/google/errors.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/google/message_json.hpp"

namespace hiresync::sandbox::google {

namespace {

constexpr std::size_t kDefaultPage = 100;
constexpr std::size_t kMaxPage = 500;
constexpr std::int64_t kWatchLifetimeMs = 7LL * 24 * 3600 * 1000;

const char* const kFullScopes[] = {"https://mail.google.com/",
                                   "https://www.googleapis.com/auth/gmail.readonly",
                                   "https://www.googleapis.com/auth/gmail.modify"};
const char* const kMetadataScope = "https://www.googleapis.com/auth/gmail.metadata";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool has_scope(const std::string& scopes, std::string_view wanted) {
  std::size_t pos = 0;
  while (pos <= scopes.size()) {
    const std::size_t end = std::min(scopes.find(' ', pos), scopes.size());
    if (std::string_view(scopes).substr(pos, end - pos) == wanted) return true;
    pos = end + 1;
  }
  return false;
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// maxResults: default kDefaultPage, capped at kMaxPage; nullopt when not a positive number.
std::optional<std::size_t> page_size(const net::Request& req) {
  const auto value = req.param("maxResults");
  if (!value) return kDefaultPage;
  const auto n = parse_u64(*value);
  if (!n || *n == 0) return std::nullopt;
  return std::min<std::size_t>(*n, kMaxPage);
}

net::Response forbidden(const std::string& message) {
  return api_error(403, message, "global", "forbidden", "PERMISSION_DENIED");
}

net::Response ok_json(const nlohmann::json& j) { return net::Response::json(200, j.dump()); }

}  // namespace

net::Response GoogleSandbox::handle_gmail(const net::Request& req, bool batched) {
  const std::string rest = req.path.substr(std::string_view("/gmail/v1/users/").size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string::npos) return not_found();
  const std::string user_id = rest.substr(0, slash);
  const std::string sub = rest.substr(slash + 1);

  std::string method;
  if (req.method == "GET" && sub == "profile")
    method = "profile";
  else if (req.method == "GET" && sub == "messages")
    method = "messages.list";
  else if (req.method == "GET" && sub.rfind("messages/", 0) == 0 && sub.size() > 9 &&
           sub.find('/', 9) == std::string::npos) {
    const std::string format = req.param("format").value_or("full");
    method = "messages.get." + (parse_message_format(format) ? format : std::string("invalid"));
  } else if (req.method == "GET" && sub == "history")
    method = "history.list";
  else if (req.method == "POST" && sub == "watch")
    method = "watch";
  else if (req.method == "POST" && sub == "stop")
    method = "stop";
  else
    return not_found();

  const std::string bearer = req.header("Authorization");
  const bool has_bearer = bearer.size() > 7 && lower(bearer.substr(0, 7)) == "bearer ";
  const std::optional<TokenGrant> grant =
      has_bearer ? oauth_->authenticate(bearer.substr(7)) : std::optional<TokenGrant>{};
  std::string account = grant ? grant->account : (has_bearer ? oauth_->token_owner(bearer.substr(7)) : "");
  if (account.empty() && user_id != "me") account = lower(user_id);
  count(account, method);
  if (!batched) {
    with_stats(account, [](Stats& s) { ++s.http_requests; });
    delay_answer();
  }
  if (!grant) return unauthenticated();
  if (user_id != "me" && lower(user_id) != account) return forbidden("Delegation denied for " + user_id);

  if (const auto fault = take_fault(account, req.path)) {
    with_stats(account, [](Stats& s) { ++s.rejected_fault; });
    if (!fault->reason.empty()) {
      const int st = fault->status;
      const char* status = st == 400   ? "FAILED_PRECONDITION"
                           : st == 401 ? "UNAUTHENTICATED"
                           : st == 403 ? "PERMISSION_DENIED"
                           : st == 404 ? "NOT_FOUND"
                           : st == 429 ? "RESOURCE_EXHAUSTED"
                           : st == 503 ? "UNAVAILABLE"
                                       : "INTERNAL";
      const std::string domain =
          fault->reason.find("RateLimit") != std::string::npos ? "usageLimits" : "global";
      return api_error(st, fault->message.empty() ? fault->reason : fault->message, domain, fault->reason,
                       status, fault->retry_after_s);
    }
    return fault_response(fault->status, fault->retry_after_s);
  }
  const std::optional<AccountSettings> settings = settings_of(account);
  if (!settings) return unauthenticated();  // the account was never created: nothing to speak for
  if (!settings->mailbox) return mail_service_not_enabled();

  const bool full_scope = std::any_of(std::begin(kFullScopes), std::end(kFullScopes),
                                      [&](const char* s) { return has_scope(grant->scope, s); });
  if (!full_scope) {
    if (!has_scope(grant->scope, kMetadataScope)) return insufficient_scope();
    if (method == "messages.list" && !req.param("q").value_or("").empty()) {
      return forbidden("Metadata scope does not support 'q' parameter");
    }
    if (method == "messages.get.full" || method == "messages.get.raw") {
      return forbidden("Metadata scope doesn't allow format " + lower(method.substr(13)));
    }
  }

  const auto slot = batched ? std::optional<ConcurrencyLimiter::Slot>() : concurrency_.try_enter(account);
  if (!batched && !slot) {
    with_stats(account, [](Stats& s) { ++s.rejected_429; });
    return too_many_concurrent();
  }
  GmailMethod kind = GmailMethod::kMessagesGet;
  if (method == "profile")
    kind = GmailMethod::kProfile;
  else if (method == "messages.list")
    kind = GmailMethod::kMessagesList;
  else if (method == "history.list")
    kind = GmailMethod::kHistoryList;
  else if (method == "watch")
    kind = GmailMethod::kWatch;
  else if (method == "stop")
    kind = GmailMethod::kStop;
  const int units = quota_cost(kind, options_.quota_table);
  if (!quota_.try_charge(account, units)) {
    with_stats(account, [](Stats& s) { ++s.rejected_403; });
    return user_rate_limit_exceeded();
  }
  with_stats(account, [units](Stats& s) { s.units += units; });
  return gmail_method(req, account, method, sub);
}

net::Response GoogleSandbox::gmail_method(const net::Request& req, const std::string& account,
                                          const std::string& method, const std::string& rest) {
  if (method == "profile") return profile(account);
  if (method == "messages.list") return list_messages(req, account);
  if (method == "history.list") return list_history(req, account);
  if (method == "watch") return watch(req, account);
  if (method == "stop") return stop(account);
  return get_message(req, account, rest.substr(9));
}

net::Response GoogleSandbox::profile(const std::string& account) {
  const std::lock_guard lock(mu_);
  const Mailbox& m = *accounts_.at(account).mailbox;
  return ok_json({{"emailAddress", account},
                  {"messagesTotal", m.size()},
                  {"threadsTotal", m.thread_count()},
                  {"historyId", std::to_string(m.current_history_id())}});
}

net::Response GoogleSandbox::list_messages(const net::Request& req, const std::string& account) {
  const auto size = page_size(req);
  if (!size) return bad_request("Invalid maxResults");
  auto query = Query::parse(req.param("q").value_or(""));
  if (!query.ok()) return bad_request("Invalid query: " + query.error().detail);
  const std::lock_guard lock(mu_);
  const bool spam_trash = lower(req.param("includeSpamTrash").value_or("false")) == "true";
  const auto page = accounts_.at(account).mailbox->list(*query, req.params("labelIds"), *size,
                                                        req.param("pageToken").value_or(""), spam_trash);
  if (!page.ok()) return bad_request(page.error().detail);
  nlohmann::json out = nlohmann::json::object();
  if (!page->messages.empty()) {
    nlohmann::json messages = nlohmann::json::array();
    for (const StoredMessage* m : page->messages)
      messages.push_back({{"id", m->id}, {"threadId", m->thread_id}});
    out["messages"] = std::move(messages);
  }
  if (!page->next_page_token.empty()) out["nextPageToken"] = page->next_page_token;
  out["resultSizeEstimate"] = page->result_size_estimate;
  return ok_json(out);
}

net::Response GoogleSandbox::get_message(const net::Request& req, const std::string& account,
                                         const std::string& id) {
  const auto format = parse_message_format(req.param("format").value_or("full"));
  if (!format) return bad_request("Invalid value for format");
  const std::lock_guard lock(mu_);
  const StoredMessage* m = accounts_.at(account).mailbox->find(id);
  if (m == nullptr) return not_found();
  return ok_json(render_message(*m, *format, req.params("metadataHeaders")));
}

net::Response GoogleSandbox::list_history(const net::Request& req, const std::string& account) {
  const auto start_text = req.param("startHistoryId");
  if (!start_text) return bad_request("Missing required parameter: startHistoryId");
  const auto start = parse_u64(*start_text);
  if (!start) return bad_request("Invalid startHistoryId");
  const auto size = page_size(req);
  if (!size) return bad_request("Invalid maxResults");
  std::vector<HistoryType> types;
  for (const std::string& t : req.params("historyTypes")) {
    const auto type = parse_history_type(t);
    if (!type) return bad_request("Invalid value at 'history_types' (" + t + ")");
    types.push_back(*type);
  }
  const std::lock_guard lock(mu_);
  const Mailbox& mailbox = *accounts_.at(account).mailbox;
  const auto page = mailbox.history(*start, types, req.param("labelId").value_or(""), *size,
                                    req.param("pageToken").value_or(""));
  if (!page.ok()) {
    if (page.error().code == model::ErrorCode::kCursorInvalid) return not_found();
    return bad_request(page.error().detail);
  }
  nlohmann::json out = nlohmann::json::object();
  if (!page->records.empty()) {
    nlohmann::json history = nlohmann::json::array();
    for (const HistoryRecord* r : page->records) {
      const nlohmann::json message = {
          {"id", r->message_id}, {"threadId", r->thread_id}, {"labelIds", r->labels}};
      nlohmann::json entry = {{"message", message}};
      const char* field = "messagesAdded";
      switch (r->type) {
        case HistoryType::kMessageAdded:
          break;
        case HistoryType::kMessageDeleted:
          field = "messagesDeleted";
          break;
        case HistoryType::kLabelAdded:
          field = "labelsAdded";
          entry["labelIds"] = r->changed_labels;
          break;
        case HistoryType::kLabelRemoved:
          field = "labelsRemoved";
          entry["labelIds"] = r->changed_labels;
          break;
      }
      history.push_back(
          {{"id", std::to_string(r->id)},
           {"messages", nlohmann::json::array({{{"id", r->message_id}, {"threadId", r->thread_id}}})},
           {field, nlohmann::json::array({std::move(entry)})}});
    }
    out["history"] = std::move(history);
  }
  if (!page->next_page_token.empty()) out["nextPageToken"] = page->next_page_token;
  out["historyId"] = std::to_string(mailbox.current_history_id());
  return ok_json(out);
}

net::Response GoogleSandbox::watch(const net::Request& req, const std::string& account) {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return bad_request("Invalid JSON payload received.");
  const std::string topic =
      body.contains("topicName") && body["topicName"].is_string() ? body["topicName"].get<std::string>() : "";
  if (topic.rfind("projects/", 0) != 0 || topic.find("/topics/") == std::string::npos) {
    return bad_request("Invalid topicName does not match projects/SOME-PROJECT/topics/*");
  }
  Watch w;
  w.active = true;
  if (body.contains("labelIds") && body["labelIds"].is_array()) {
    for (const auto& l : body["labelIds"]) {
      if (l.is_string()) w.label_ids.push_back(l.get<std::string>());
    }
  }
  std::string behavior = "include";
  if (body.contains("labelFilterBehavior") && body["labelFilterBehavior"].is_string()) {
    behavior = lower(body["labelFilterBehavior"].get<std::string>());
  } else if (body.contains("labelFilterAction") && body["labelFilterAction"].is_string()) {
    behavior = lower(body["labelFilterAction"].get<std::string>());
  }
  w.exclude = behavior == "exclude";
  w.expiration_ms = clock_.now_ms() + kWatchLifetimeMs;
  std::uint64_t history_id = 0;
  {
    const std::lock_guard lock(mu_);
    Account& a = accounts_.at(account);
    a.watch = w;
    history_id = a.mailbox->current_history_id();
  }
  push_->notify(account, history_id);  // a successful watch sends one notification at once
  return ok_json(
      {{"historyId", std::to_string(history_id)}, {"expiration", std::to_string(w.expiration_ms)}});
}

net::Response GoogleSandbox::stop(const std::string& account) {
  {
    const std::lock_guard lock(mu_);
    accounts_.at(account).watch = Watch{};
  }
  net::Response r;
  r.status = 204;
  return r;
}

}  // namespace hiresync::sandbox::google
