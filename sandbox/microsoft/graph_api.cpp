// The Graph mail methods of MicrosoftSandbox (shared/PROTOCOLS.md B.2, B.3, B.5, B.6) and the checks in
// front of every Graph call (microsoft_sandbox.hpp lists their order).
#include <algorithm>
#include <charconv>

#include "sandbox/microsoft/format.hpp"
#include "sandbox/microsoft/microsoft_sandbox.hpp"
#include "sandbox/microsoft/search.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

constexpr std::size_t kMaxPage = 1000;
constexpr const char* kContext = "https://graph.microsoft.com/v1.0/$metadata#Collection(message)";

std::optional<std::size_t> parse_size(std::string_view s) {
  std::size_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || v == 0) return std::nullopt;
  return v;
}

// Prefer header values (every Prefer header, comma separated), lower case.
std::string prefer(const net::Request& req) {
  std::string out;
  for (const auto& [name, value] : req.headers) {
    if (lower(name) == "prefer") out += lower(value) + ",";
  }
  return out;
}

std::optional<std::size_t> max_page_size(const std::string& prefer) {
  const std::size_t at = prefer.find("odata.maxpagesize=");
  if (at == std::string::npos) return std::nullopt;
  std::size_t end = at + 18;
  while (end < prefer.size() && std::isdigit(static_cast<unsigned char>(prefer[end])) != 0) ++end;
  return parse_size(std::string_view(prefer).substr(at + 18, end - at - 18));
}

// "receivedDateTime ge 2024-06-10T00:00:00Z" (ge or gt, value optionally quoted) -> ms.
std::optional<std::int64_t> received_filter(const std::string& filter) {
  const std::string l = lower(filter);
  for (const char* op : {"receiveddatetime ge ", "receiveddatetime gt "}) {
    if (l.rfind(op, 0) != 0) continue;
    std::string value = filter.substr(std::string_view(op).size());
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
      value = value.substr(1, value.size() - 2);
    const auto ms = parse_iso(value);
    if (!ms) return std::nullopt;
    return op[17] == 't' ? *ms + 1 : *ms;
  }
  return std::nullopt;
}

}  // namespace

net::Response MicrosoftSandbox::graph_err(int status, const char* code, const std::string& message,
                                          int retry_after) const {
  return graph_error(status, code, message, clock_.now_ms(), retry_after);
}

net::Response MicrosoftSandbox::handle_graph(const net::Request& req) {
  std::string sub = req.path.substr(6);  // after "/v1.0/"
  while (!sub.empty() && sub.back() == '/') sub.pop_back();
  std::string user;  // users/{user}/... -> me/...
  if (lower(sub).rfind("users/", 0) == 0) {
    const std::size_t slash = sub.find('/', 6);
    user = sub.substr(6, slash == std::string::npos ? std::string::npos : slash - 6);
    sub = "me" + (slash == std::string::npos ? std::string() : sub.substr(slash));
  }
  const std::string l = lower(sub);
  std::string method;
  std::string folder;
  if (l == "me" && req.method == "GET") {
    method = "me";
  } else if (l.rfind("me/mailfolders", 0) == 0 && req.method == "GET") {
    // me/mailFolders, then "('{id}')" or "/{id}", then "", "/childFolders" or "/messages/delta".
    const std::string rest = sub.substr(14);
    std::size_t tail = 0;
    if (rest.rfind("('", 0) == 0 && rest.find("')") != std::string::npos) {
      folder = rest.substr(2, rest.find("')") - 2);
      tail = rest.find("')") + 2;
    } else if (!rest.empty() && rest.front() == '/') {
      tail = std::min(rest.find('/', 1), rest.size());
      folder = rest.substr(1, tail - 1);
    }
    std::string what = lower(rest.substr(tail));
    if (lower(folder) == "delta" && what.empty()) {  // me/mailFolders/delta: the top level's delta
      folder.clear();
      what = "/childfolders/delta";
    }
    if (rest.empty())
      method = "folders.list";
    else if (what == "/childfolders/delta")
      method = "folders.delta";
    else if (folder.empty())
      method.clear();  // "me/mailFolders/" followed by nothing usable
    else if (what.empty())
      method = "folders.get";
    else if (what == "/childfolders")
      method = "folders.children";
    else if (what == "/messages/delta")
      method = "delta";
  } else if (l == "me/messages" && req.method == "GET") {
    method = req.param("$search") ? "messages.search" : "messages.list";
  } else if (l.rfind("me/messages/", 0) == 0 && req.method == "GET") {
    method = l.size() > 19 && l.substr(l.size() - 7) == "/$value" ? "messages.value" : "messages.get";
  } else if (l == "subscriptions") {
    if (req.method == "POST") method = "subscriptions.create";
    if (req.method == "GET") method = "subscriptions.get";
  } else if (l.rfind("subscriptions/", 0) == 0) {
    const bool reauth = l.size() > 26 && l.substr(l.size() - 12) == "/reauthorize";
    if (reauth && req.method == "POST") method = "subscriptions.reauthorize";
    if (!reauth && req.method == "PATCH") method = "subscriptions.renew";
    if (!reauth && req.method == "DELETE") method = "subscriptions.delete";
    if (!reauth && req.method == "GET") method = "subscriptions.get";
  }
  if (method.empty()) {
    return graph_err(400, "BadRequest", "Resource not found for the segment '" + sub + "'.");
  }

  const std::string bearer = req.header("Authorization");
  const bool has_bearer = bearer.size() > 7 && lower(bearer.substr(0, 7)) == "bearer ";
  const std::string token = has_bearer ? bearer.substr(7) : "";
  std::string why = "Access token is empty.";
  const std::optional<TokenGrant> grant = has_bearer ? entra_->authenticate(token, why) : std::nullopt;
  const std::string account = grant ? grant->account : (has_bearer ? entra_->token_owner(token) : "");
  std::optional<AccountSettings> settings = settings_of(account);
  std::string counted = method;
  if (method == "delta" && settings) {
    const std::lock_guard lock(mu_);
    folder = accounts_[account].mailbox->resolve_folder(folder).value_or(folder);
    counted = "delta." + folder;
  }
  count(account, counted);
  if (!grant || !settings) {
    with_stats(account, [](Stats& s) { ++s.rejected_401; });
    return graph_err(401, "InvalidAuthenticationToken", why);
  }
  if (!user.empty() && lower(user) != account && lower(user) != settings->user_id) {
    return graph_err(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  }
  if (const auto fault = take_fault(account, req.path)) {
    with_stats(account, [](Stats& s) { ++s.rejected_fault; });
    const int st = fault->status;
    const char* code = st == 401   ? "InvalidAuthenticationToken"
                       : st == 403 ? "ErrorAccessDenied"
                       : st == 404 ? "ErrorItemNotFound"
                       : st == 410 ? "SyncStateNotFound"
                       : st == 429 ? "ApplicationThrottled"
                       : st == 503 ? "serviceNotAvailable"
                       : st == 504 ? "gatewayTimeout"
                                   : "UnknownError";
    const char* text = st == 429   ? "Application is over its MailboxConcurrency limit."
                       : st == 410 ? "The sync state generation is not found; generation=0;[highest=1]"
                       : st == 401 ? "Lifetime validation failed, the token is expired."
                                   : "The service is unavailable or has failed; retry later.";
    const int retry = fault->retry_after_s >= 0 ? fault->retry_after_s : (st == 429 ? 1 : -1);
    return graph_err(st, fault->code.empty() ? code : fault->code.c_str(),
                     fault->message.empty() ? text : fault->message, retry);
  }
  const bool mail = method != "me" && method.rfind("subscriptions.", 0) != 0;
  if ((mail || method == "subscriptions.create") && !settings->mail_enabled()) {
    return graph_err(404, "MailboxNotEnabledForRESTAPI",
                     "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
  }
  const auto slot = concurrency_.try_enter(account);
  if (!slot) {
    with_stats(account, [](Stats& s) { ++s.rejected_429; });
    return graph_err(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", 1);
  }
  if (const int wait = charge(account); wait > 0) {
    with_stats(account, [](Stats& s) { ++s.rejected_429; });
    return graph_err(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", wait);
  }
  Caller c{*settings, grant->scope,
           prefer(req).find("idtype=\"immutableid\"") != std::string::npos ||
               prefer(req).find("idtype=immutableid") != std::string::npos,
           "http://" + (req.header("Host").empty() ? std::string("localhost") : req.header("Host"))};
  if (method == "delta") return delta(req, c, folder);
  if (method.rfind("folders.", 0) == 0) return folders(req, c, method, folder);
  return graph_method(req, c, method, sub);
}

net::Response MicrosoftSandbox::graph_method(const net::Request& req, const Caller& c,
                                             const std::string& method, const std::string& sub) {
  if (method == "me") return me(c);
  if (method == "messages.search" || method == "messages.list") return list_messages(req, c);
  if (method == "messages.get") return get_message(req, c, sub.substr(12), false);
  if (method == "messages.value") return get_message(req, c, sub.substr(12, sub.size() - 12 - 7), true);
  if (method == "subscriptions.create") return create_subscription(req, c);
  const std::string id = sub.size() > 14 ? sub.substr(14, sub.find('/', 14) - 14) : "";
  if (method == "subscriptions.get") return get_subscriptions(c, id);
  if (method == "subscriptions.renew") return renew_subscription(req, c, id);
  if (method == "subscriptions.delete") return delete_subscription(c, id);
  return reauthorize_subscription(c, id);
}

net::Response MicrosoftSandbox::me(const Caller& c) {
  const std::string& a = c.settings.address;
  std::string name = a.substr(0, a.find('@'));
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return net::Response::json(
      200, nlohmann::json{{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#users/$entity"},
                          {"id", c.settings.user_id},
                          {"displayName", name},
                          {"mail", c.settings.mail_enabled() ? nlohmann::json(a) : nlohmann::json(nullptr)},
                          {"userPrincipalName", a}}
               .dump());
}

net::Response MicrosoftSandbox::delta(const net::Request& req, const Caller& c, const std::string& folder) {
  const std::string pref = prefer(req);
  const auto preferred = max_page_size(pref);
  std::size_t page_size = std::min(preferred.value_or(options_.default_page_size), kMaxPage);
  const auto skip = req.param("$skiptoken");
  const auto delta_token = req.param("$deltatoken");
  std::vector<std::string> select;
  std::int64_t since = -1;
  if (!skip && !delta_token) {
    if (req.param("$search"))
      return graph_err(400, "BadRequest", "$search is not supported on delta queries.");
    auto parsed = parse_select(req.param("$select").value_or(""));
    if (!parsed.ok()) return graph_err(400, "RequestBroker--ParseUri", parsed.error().detail);
    select = std::move(parsed).value();
    if (const auto filter = req.param("$filter")) {
      const auto ms = received_filter(*filter);
      if (!ms) {
        return graph_err(400, "ErrorInvalidUrlQueryFilter",
                         "The query filter contains one or more invalid nodes (delta accepts only "
                         "receivedDateTime ge|gt).");
      }
      since = *ms;
    }
    if (const auto top = req.param("$top"); top && !preferred)
      page_size = std::min(parse_size(*top).value_or(page_size), kMaxPage);
  }
  DeltaPage page;
  nlohmann::json out = {{"@odata.context", kContext}, {"value", nlohmann::json::array()}};
  {
    const std::lock_guard lock(mu_);
    GraphMailbox& mailbox = *accounts_[c.settings.address].mailbox;
    if (!mailbox.resolve_folder(folder)) {
      return graph_err(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    }
    if (skip || delta_token) {
      auto followed = mailbox.delta_follow(skip ? *skip : *delta_token, !skip, page_size);
      if (!followed.ok()) {
        return graph_err(410, "SyncStateNotFound",
                         "The sync state generation is not found; generation=" + std::to_string(page_size) +
                             ";[highest=" + std::to_string(page_size + 8) + "]");
      }
      page = std::move(followed).value();
    } else {
      page = mailbox.delta_initial(*mailbox.resolve_folder(folder), select, since, page_size);
    }
    for (const DeltaEntry& e : page.entries) {
      if (e.message == nullptr) {
        out["value"].push_back({{"@odata.type", "#microsoft.graph.message"},
                                {"id", c.immutable ? e.removed_immutable_id : e.removed_rest_id},
                                {"@removed", {{"reason", e.reason}}}});
        continue;
      }
      const StoredMessage& m = *e.message;
      out["value"].push_back(
          message_json(MessageView{&m.content, c.immutable ? m.immutable_id : m.rest_id, m.conversation_id,
                                   mailbox.folder_id(m.folder), m.change_key},
                       page.select));
    }
  }
  const std::string link = c.base + "/v1.0/me/mailFolders('" + page.folder + "')/messages/delta?";
  if (!page.skip_token.empty()) {
    out["@odata.nextLink"] = link + "$skiptoken=" + page.skip_token;
  } else {
    out["@odata.deltaLink"] = link + "$deltatoken=" + page.delta_token;
  }
  net::Response r = net::Response::json(200, out.dump());
  if (preferred)
    r.headers.emplace_back("Preference-Applied", "odata.maxpagesize=" + std::to_string(page_size));
  return r;
}

net::Response MicrosoftSandbox::get_message(const net::Request& req, const Caller& c, const std::string& id,
                                            bool value) {
  auto select = parse_select(req.param("$select").value_or(""));
  if (!select.ok()) return graph_err(400, "RequestBroker--ParseUri", select.error().detail);
  const std::lock_guard lock(mu_);
  GraphMailbox& mailbox = *accounts_[c.settings.address].mailbox;
  const StoredMessage* m = mailbox.find(id);
  if (m == nullptr)
    return graph_err(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  if (value) {
    net::Response r;
    r.status = 200;
    r.headers.emplace_back("Content-Type", "text/plain");
    r.body = m->content.raw;
    return r;
  }
  nlohmann::json j =
      message_json(MessageView{&m->content, c.immutable ? m->immutable_id : m->rest_id, m->conversation_id,
                               mailbox.folder_id(m->folder), m->change_key},
                   *select);
  j["@odata.context"] =
      "https://graph.microsoft.com/v1.0/$metadata#users('" + c.settings.user_id + "')/messages/$entity";
  return net::Response::json(200, j.dump());
}

net::Response MicrosoftSandbox::list_messages(const net::Request& req, const Caller& c) {
  const auto search_value = req.param("$search");
  if (search_value && req.param("$filter"))
    return graph_err(400, "ErrorInvalidUrlQuery",
                     "The query parameter '$filter' is not supported with '$search'.");
  if (search_value && req.param("$orderby"))
    return graph_err(400, "ErrorInvalidUrlQuery",
                     "The query parameter '$orderBy' is not supported with '$search'.");
  auto select = parse_select(req.param("$select").value_or(""));
  if (!select.ok()) return graph_err(400, "RequestBroker--ParseUri", select.error().detail);
  std::optional<Search> search;
  if (search_value) {
    auto parsed = Search::parse(*search_value);
    if (!parsed.ok()) return graph_err(400, "BadRequest", "Syntax error: " + parsed.error().detail);
    search = std::move(parsed).value();
  }
  std::string rfc_id;
  std::int64_t since = -1;
  if (const auto filter = req.param("$filter")) {
    const std::string l = lower(*filter);
    if (l.rfind("internetmessageid eq '", 0) == 0 && filter->back() == '\'') {
      rfc_id = filter->substr(22, filter->size() - 23);
    } else if (const auto ms = received_filter(*filter)) {
      since = *ms;
    } else {
      return graph_err(400, "ErrorInvalidUrlQueryFilter",
                       "The query filter contains one or more invalid nodes.");
    }
  }
  const std::size_t top = std::min(parse_size(req.param("$top").value_or("10")).value_or(10), kMaxPage);
  std::size_t offset = 0;
  if (const auto token = search ? req.param("$skiptoken") : req.param("$skip")) {
    const std::string decoded = search ? net::base64url_decode(*token).value_or("x") : *token;
    const auto n = parse_size(decoded);
    if (!n && decoded != "0") return graph_err(400, "BadRequest", "Invalid skip token.");
    offset = n.value_or(0);
  }
  nlohmann::json out = {{"@odata.context", kContext}, {"value", nlohmann::json::array()}};
  std::size_t total = 0;
  {
    const std::lock_guard lock(mu_);
    GraphMailbox& mailbox = *accounts_[c.settings.address].mailbox;
    for (const StoredMessage* m : mailbox.newest_first()) {
      if (search && total >= options_.search_max_results) break;  // $search: at most 1,000 results
      if (search && !search->matches(m->content)) continue;
      if (!rfc_id.empty() && lower(m->content.internet_message_id) != lower(rfc_id)) continue;
      if (since >= 0 && m->content.received_ms < since) continue;
      if (total >= offset && total < offset + top) {
        out["value"].push_back(
            message_json(MessageView{&m->content, c.immutable ? m->immutable_id : m->rest_id,
                                     m->conversation_id, mailbox.folder_id(m->folder), m->change_key},
                         *select));
      }
      ++total;
    }
  }
  if (offset + top < total) {
    net::Fields next;
    for (const auto& [name, value] : req.query) {
      if (name != "$skip" && name != "$skiptoken") next.emplace_back(name, value);
    }
    if (search)
      next.emplace_back("$skiptoken", net::base64url_encode(std::to_string(offset + top)));
    else
      next.emplace_back("$skip", std::to_string(offset + top));
    out["@odata.nextLink"] = c.base + "/v1.0/me/messages?" + net::encode_query(next);
  }
  return net::Response::json(200, out.dump());
}

}  // namespace hiresync::sandbox::microsoft
