#include "sandbox/microsoft/microsoft_sandbox.hpp"

#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

constexpr std::int64_t kBudgetWindowMs = 10LL * 60 * 1000;

const char* const kEndpointNames[] = {"me",
                                      "delta.inbox",
                                      "delta.sentitems",
                                      "folders.list",
                                      "folders.get",
                                      "folders.children",
                                      "folders.delta",
                                      "messages.get",
                                      "messages.value",
                                      "messages.search",
                                      "messages.list",
                                      "subscriptions.create",
                                      "subscriptions.renew",
                                      "subscriptions.delete",
                                      "subscriptions.get",
                                      "subscriptions.reauthorize",
                                      "token"};

net::Response control_error(int status, const std::string& message) {
  return net::Response::json(
      status,
      nlohmann::json{{"error", {{"code", status == 404 ? "NotFound" : "BadRequest"}, {"message", message}}}}
          .dump());
}

net::Response unknown_account(const std::string& address) {
  return control_error(404, "Unknown account: " + address);
}

// Reads one {folder, raw, internal_date_ms?} delivery. Returns "" or the error text.
std::string read_delivery(const nlohmann::json& j, std::int64_t now_ms, std::string& folder,
                          MessageContent& out) {
  if (!j.is_object() || !j.contains("raw") || !j["raw"].is_string()) return "raw (RFC 5322 text) is required";
  folder = j.contains("folder") && j["folder"].is_string() ? j["folder"].get<std::string>() : "inbox";
  if (lower(folder) == "sent") folder = "sentitems";
  std::int64_t date = now_ms;
  if (j.contains("internal_date_ms")) {
    if (!j["internal_date_ms"].is_number_integer()) return "internal_date_ms must be an integer";
    date = j["internal_date_ms"].get<std::int64_t>();
  }
  auto prepared = prepare_content(j["raw"].get<std::string>(), date);
  if (!prepared.ok()) return prepared.error().detail;
  out = std::move(prepared).value();
  // Mail written in this mailbox (Sent Items, Drafts, Outbox) never crossed the internet.
  const std::string l = lower(folder);
  out.from_internet = l != "sentitems" && l != "drafts" && l != "outbox";
  return {};
}

}  // namespace

MicrosoftSandbox::MicrosoftSandbox(MicrosoftOptions options, const Clock& clock,
                                   std::unique_ptr<net::HttpClient> client)
    : options_(options),
      clock_(clock),
      http_(client ? std::move(client) : net::make_curl_client()),
      concurrency_(options_.max_concurrent) {
  entra_ = std::make_unique<EntraServer>(
      EntraOptions{options_.auto_consent, options_.token_ttl_s, options_.refresh_grace_s}, clock_,
      [this](const std::string& address) { return settings_of(address); },
      [this](const std::string& account, const char* endpoint) { count(account, endpoint); });
  notifier_ = std::make_unique<Notifier>(options_.notifier, *http_,
                                         [this](const std::string& account, const char* what) {
                                           const std::string w = what;
                                           with_stats(account, [&](Stats& s) {
                                             if (w == "sent")
                                               ++s.sent;
                                             else if (w == "dropped")
                                               ++s.dropped;
                                             else if (w == "failed")
                                               ++s.failed;
                                             else
                                               ++s.attempts;
                                           });
                                         });
}

MicrosoftSandbox::~MicrosoftSandbox() { notifier_.reset(); }  // stop the thread before the rest goes

std::optional<net::Response> MicrosoftSandbox::handle(const net::Request& req) {
  const std::string& p = req.path;
  if (p.rfind("/v1.0/", 0) == 0) return handle_graph(req);
  // /{tenant}/oauth2/v2.0/{authorize|authorize/decision|token}
  const std::size_t slash = p.find('/', 1);
  if (p.size() < 2 || slash == std::string::npos) return std::nullopt;
  const std::string tenant = p.substr(1, slash - 1);
  const std::string rest = p.substr(slash);
  if (rest == "/oauth2/v2.0/authorize") return entra_->authorize(req, tenant);
  if (rest == "/oauth2/v2.0/authorize/decision" && req.method == "POST") return entra_->decision(req);
  if (rest == "/oauth2/v2.0/token") {
    if (req.method != "POST") {
      return entra_error(400, "invalid_request", 900561,
                         "The endpoint only accepts POST requests. Received a " + req.method + " request.",
                         clock_.now_ms());
    }
    return entra_->token(req);
  }
  return std::nullopt;
}

std::optional<AccountSettings> MicrosoftSandbox::settings_of(const std::string& address) {
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(lower(address));
  if (it == accounts_.end()) return std::nullopt;
  return it->second.settings;
}

bool MicrosoftSandbox::has_account(const std::string& address) { return settings_of(address).has_value(); }

net::Response MicrosoftSandbox::control_ok(const nlohmann::json& j) const {
  return net::Response::json(200, j.dump());
}

net::Response MicrosoftSandbox::upsert_account(const nlohmann::json& body) {
  if (!body.contains("address") || !body["address"].is_string() || body["address"].get<std::string>().empty())
    return control_error(400, "address is required");
  const std::string address = lower(body["address"].get<std::string>());
  std::optional<Consent> consent;
  if (body.contains("consent")) {
    consent = body["consent"].is_string() ? parse_consent(body["consent"].get<std::string>()) : std::nullopt;
    if (!consent) {
      return control_error(
          400,
          "consent must be granted, admin_required (90094), admin_approval_required (90095), "
          "admin_consent_required_65001 or not_assigned (50105)");
    }
  }
  if (body.contains("mailbox") && !body["mailbox"].is_boolean())
    return control_error(400, "mailbox must be a boolean");
  if (body.contains("hosting") &&
      (!body["hosting"].is_string() || (body["hosting"] != "cloud" && body["hosting"] != "on_premises")))
    return control_error(400, "hosting must be cloud or on_premises");
  const std::lock_guard lock(mu_);
  auto [it, created] = accounts_.try_emplace(address);
  Account& a = it->second;
  if (created) {
    a.settings.address = address;
    a.settings.user_id = stable_guid("user:" + address);
    a.settings.tenant_id = stable_guid("tenant:" + address.substr(address.find('@') + 1));
    a.mailbox = std::make_unique<GraphMailbox>(address);
  }
  if (consent) a.settings.consent = *consent;
  if (body.contains("mailbox")) a.settings.mailbox = body["mailbox"].get<bool>();
  if (body.contains("hosting")) a.settings.hosting = body["hosting"].get<std::string>();
  return net::Response::json(created ? 201 : 200, nlohmann::json{{"provider", "microsoft"},
                                                                 {"address", address},
                                                                 {"mailbox", a.settings.mailbox},
                                                                 {"consent", to_string(a.settings.consent)},
                                                                 {"hosting", a.settings.hosting},
                                                                 {"user_id", a.settings.user_id},
                                                                 {"tenant_id", a.settings.tenant_id},
                                                                 {"created", created}}
                                                      .dump());
}

net::Response MicrosoftSandbox::deliver(const std::string& address, const nlohmann::json& body) {
  std::string folder;
  MessageContent content;
  if (const std::string bad = read_delivery(body, clock_.now_ms(), folder, content); !bad.empty())
    return control_error(400, bad);
  nlohmann::json out;
  const StoredMessage* stored = nullptr;
  {
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown_account(address);
    const auto key = it->second.mailbox->find_folder(folder);
    if (!key) return control_error(400, "unknown folder: " + folder);
    stored = &it->second.mailbox->deliver(std::move(content), *key);
    folder = stored->folder;  // an inbox rule may have filed it elsewhere
    out = {{"id", stored->rest_id},
           {"immutable_id", stored->immutable_id},
           {"thread_id", stored->conversation_id},
           {"internet_message_id", stored->content.internet_message_id},
           {"folder", folder},
           {"folder_id", it->second.mailbox->folder_id(folder)}};
  }
  notify_changes(address, {{"created", stored}}, folder, "");
  return control_ok(out);
}

net::Response MicrosoftSandbox::deliver_bulk(const std::string& address, const nlohmann::json& body) {
  if (!body.contains("messages") || !body["messages"].is_array())
    return control_error(400, "messages (array) is required");
  const bool push = body.contains("push") && body["push"].is_boolean() && body["push"].get<bool>();
  const std::size_t n = body["messages"].size();
  std::vector<std::string> folders(n);
  std::vector<MessageContent> contents(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (const std::string bad = read_delivery(body["messages"][i], clock_.now_ms(), folders[i], contents[i]);
        !bad.empty())
      return control_error(400, "messages[" + std::to_string(i) + "]: " + bad);
  }
  nlohmann::json ids = nlohmann::json::array();
  std::vector<const StoredMessage*> stored;
  {
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown_account(address);
    for (std::size_t i = 0; i < n; ++i) {
      const auto key = it->second.mailbox->find_folder(folders[i]);
      if (!key)
        return control_error(400, "messages[" + std::to_string(i) + "]: unknown folder " + folders[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      stored.push_back(
          &it->second.mailbox->deliver(std::move(contents[i]), *it->second.mailbox->find_folder(folders[i])));
      folders[i] = stored.back()->folder;
      ids.push_back(stored.back()->rest_id);
    }
  }
  if (push) {
    for (std::size_t i = 0; i < n; ++i) notify_changes(address, {{"created", stored[i]}}, folders[i], "");
  }
  return control_ok({{"ids", std::move(ids)}});
}

net::Response MicrosoftSandbox::add_fault(const std::string& address, const nlohmann::json& body) {
  const int count = fault_count(body);
  if (body.contains("push")) {
    const std::string kind = body["push"].is_string() ? body["push"].get<std::string>() : "";
    const std::int64_t delay = fault_delay_ms(body);
    const auto fault = push_fault_kind<NotifyFault>(kind);
    if (!fault) return control_error(400, "push must be drop, duplicate or delay");
    if (!has_account(address)) return unknown_account(address);
    notifier_->add_fault(address, *fault, count, delay);
    return control_ok({{"account", address}, {"push", kind}, {"count", count}, {"delay_ms", delay}});
  }
  if (body.contains("delta")) {
    if (body["delta"] != "replay") return control_error(400, "delta must be replay");
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown_account(address);
    it->second.mailbox->add_replays(count);
    return control_ok({{"account", address}, {"delta", "replay"}, {"count", count}});
  }
  if (!body.contains("status") || !body["status"].is_number_integer())
    return control_error(400, "status, push or delta is required");
  ApiFault f;
  if (const std::string bad = read_api_fault(body, f); !bad.empty()) return control_error(400, bad);
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(address);
  if (it == accounts_.end()) return unknown_account(address);
  it->second.faults.add(f);
  return control_ok({{"account", address}, {"status", f.status}, {"count", count}});
}

std::optional<ApiFault> MicrosoftSandbox::take_fault(const std::string& account, const std::string& path) {
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(account);
  if (it == accounts_.end()) return std::nullopt;
  return it->second.faults.take(path);
}

int MicrosoftSandbox::charge(const std::string& account) {
  const std::int64_t now = clock_.now_ms();
  const std::lock_guard lock(mu_);
  auto& q = accounts_[account].requests;
  while (!q.empty() && q.front() <= now - kBudgetWindowMs) q.pop_front();
  if (static_cast<int>(q.size()) >= options_.requests_per_10min) {
    return static_cast<int>((q.front() + kBudgetWindowMs - now + 999) / 1000);
  }
  q.push_back(now);
  return 0;
}

net::Response MicrosoftSandbox::expire_tokens(const std::string& address) {
  if (!has_account(address)) return unknown_account(address);
  entra_->expire_tokens(address);
  return control_ok({{"account", address}, {"expired", true}});
}

net::Response MicrosoftSandbox::revoke(const std::string& address) {
  if (!has_account(address)) return unknown_account(address);
  entra_->revoke_account(address);
  return control_ok({{"account", address}, {"revoked", true}});
}

net::Response MicrosoftSandbox::expire_history(const std::string& address) {
  return *account_action(address, "expire-delta", nlohmann::json::object());
}

std::optional<net::Response> MicrosoftSandbox::account_action(const std::string& address,
                                                              const std::string& action,
                                                              const nlohmann::json& body) {
  if (action == "expire-refresh") {
    if (!has_account(address)) return unknown_account(address);
    entra_->expire_refresh(address);
    return control_ok({{"account", address}, {"refresh_expired", true}});
  }
  if (action == "lifecycle") return lifecycle(address, body);
  if (action == "folders" || action == "rules") return folder_action(address, action, body);
  if (action == "expire-delta") {
    const std::string folder =
        body.contains("folder") && body["folder"].is_string() ? lower(body["folder"].get<std::string>()) : "";
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown_account(address);
    it->second.mailbox->evict(folder == "sent" ? "sentitems" : folder);
    return control_ok({{"account", address}, {"evicted", folder.empty() ? "all" : folder}});
  }
  // messages/{id}/move {"folder"} and messages/{id}/delete
  if (action.rfind("messages/", 0) != 0) return std::nullopt;
  const std::size_t slash = action.rfind('/');
  const std::string id = action.substr(9, slash - 9);
  const std::string verb = action.substr(slash + 1);
  if (slash <= 9 || (verb != "move" && verb != "delete")) return std::nullopt;
  std::string to =
      body.contains("folder") && body["folder"].is_string() ? body["folder"].get<std::string>() : "";
  if (lower(to) == "sent") to = "sentitems";
  const StoredMessage* moved = nullptr;
  std::string from;
  {
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown_account(address);
    GraphMailbox& mailbox = *it->second.mailbox;
    const StoredMessage* m = mailbox.find(id);
    if (m == nullptr) return control_error(404, "Unknown message: " + id);
    from = m->folder;
    if (verb == "delete") {
      mailbox.remove(id);
      return control_ok({{"account", address}, {"deleted", id}});
    }
    const auto folder = mailbox.find_folder(to);
    if (!folder)
      return control_error(400,
                           "folder must be a well-known name (inbox, sentitems, deleteditems, archive, "
                           "...), a folder id or a folder's display name");
    moved = mailbox.move(id, *folder);
    to = *folder;
  }
  if (from != to) notify_changes(address, {{"moved", moved}}, to, from);
  return control_ok({{"id", moved->rest_id}, {"immutable_id", moved->immutable_id}, {"folder", to}});
}

net::Response MicrosoftSandbox::folder_action(const std::string& address, const std::string& action,
                                              const nlohmann::json& body) {
  const auto text = [&](const char* key) {
    return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : std::string();
  };
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(address);
  if (it == accounts_.end()) return unknown_account(address);
  GraphMailbox& mailbox = *it->second.mailbox;
  std::string parent;
  if (!text("parent").empty()) {
    const auto key = mailbox.find_folder(text("parent"));
    if (!key) return control_error(400, "unknown parent folder: " + text("parent"));
    parent = *key;
  }
  if (action == "folders") {
    const bool hidden = body.contains("hidden") && body["hidden"].is_boolean() && body["hidden"].get<bool>();
    auto created = mailbox.create_folder(text("name"), parent, hidden);
    if (!created.ok()) return control_error(400, created.error().detail);
    return control_ok({{"id", created->id}, {"name", created->display_name}, {"parent", parent}});
  }
  const auto folder = mailbox.find_folder(text("folder"));
  if (!folder) return control_error(400, "folder (well-known name, id or display name) is required");
  if (auto st = mailbox.add_rule(InboxRule{text("from"), text("subject_contains"), *folder}); !st.ok())
    return control_error(400, st.error().detail);
  return control_ok({{"account", address}, {"folder", *folder}, {"folder_id", mailbox.folder_id(*folder)}});
}

void MicrosoftSandbox::count(const std::string& account, const std::string& endpoint) {
  with_stats(account, [&](Stats& s) { ++s.endpoints[endpoint]; });
}

nlohmann::json MicrosoftSandbox::stats(const std::string& address) {
  Stats t;
  {
    const std::lock_guard lock(stats_mu_);
    for (const auto& [account, s] : stats_) {
      if (!address.empty() && account != address) continue;
      for (const auto& [name, n] : s.endpoints) t.endpoints[name] += n;
      t.rejected_401 += s.rejected_401;
      t.rejected_429 += s.rejected_429;
      t.rejected_fault += s.rejected_fault;
      t.sent += s.sent;
      t.dropped += s.dropped;
      t.failed += s.failed;
      t.attempts += s.attempts;
      t.validations += s.validations;
    }
  }
  nlohmann::json endpoints = nlohmann::json::object();
  for (const char* name : kEndpointNames) endpoints[name] = 0;
  for (const auto& [name, n] : t.endpoints) endpoints[name] = n;
  return {{"provider", "microsoft"},
          {"endpoints", std::move(endpoints)},
          {"rejected", {{"401", t.rejected_401}, {"429", t.rejected_429}, {"fault", t.rejected_fault}}},
          {"notifications",
           {{"sent", t.sent},
            {"dropped", t.dropped},
            {"failed", t.failed},
            {"attempts", t.attempts},
            {"validations", t.validations}}}};
}

void MicrosoftSandbox::reset_stats(const std::string& address) {
  const std::lock_guard lock(stats_mu_);
  if (address.empty())
    stats_.clear();
  else
    stats_.erase(address);
}

}  // namespace hiresync::sandbox::microsoft
