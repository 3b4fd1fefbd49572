// Graph change-notification subscriptions of MicrosoftSandbox (shared/PROTOCOLS.md B.4): create with
// the validation handshake, renew, delete, list, reauthorize; the notifications a change queues; and
// the control API's lifecycle events.
#include "sandbox/microsoft/format.hpp"
#include "sandbox/microsoft/microsoft_sandbox.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

constexpr std::size_t kMaxClientState = 128;

std::string str(const nlohmann::json& body, const char* name) {
  return body.contains(name) && body[name].is_string() ? body[name].get<std::string>() : std::string();
}

bool is_https(const std::string& url) { return url.rfind("https://", 0) == 0; }
bool is_url(const std::string& url) { return is_https(url) || url.rfind("http://", 0) == 0; }

// What Graph answers to an expiry past the maximum, on create and on renew alike: 400
// ExtensionError with this message (sandbox/README.md, "Subscriptions").
std::string too_far(std::int64_t max_minutes) {
  return "Subscription expiration can only be " + std::to_string(max_minutes) + " minutes in the future.";
}

}  // namespace

nlohmann::json MicrosoftSandbox::subscription_json(const Subscription& s) const {
  return {{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity"},
          {"id", s.id},
          {"resource", s.resource},
          {"applicationId", stable_guid("app:hiresync-sandbox-client")},
          {"changeType", s.change_type},
          {"clientState", s.client_state.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.client_state)},
          {"notificationUrl", s.notification_url},
          {"notificationQueryOptions", nullptr},
          {"lifecycleNotificationUrl",
           s.lifecycle_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.lifecycle_url)},
          {"expirationDateTime", iso_seven(s.expiration_ms)},
          {"creatorId", stable_guid("user:" + s.account)},
          {"includeResourceData", false},
          {"latestSupportedTlsVersion", "v1_2"},
          {"encryptionCertificate", nullptr},
          {"encryptionCertificateId", nullptr},
          {"notificationUrlAppId", nullptr}};
}

net::Response MicrosoftSandbox::create_subscription(const net::Request& req, const Caller& c) {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return graph_err(400, "BadRequest", "Invalid JSON body.");
  Subscription s;
  s.account = c.settings.address;
  s.resource = str(body, "resource");
  s.change_type = str(body, "changeType");
  s.notification_url = str(body, "notificationUrl");
  s.lifecycle_url = str(body, "lifecycleNotificationUrl");
  s.client_state = str(body, "clientState");
  s.immutable_ids = c.immutable;
  std::size_t pos = 0;
  while (pos <= s.change_type.size()) {
    const std::size_t end = std::min(s.change_type.find(',', pos), s.change_type.size());
    std::string t = s.change_type.substr(pos, end - pos);
    t.erase(0, t.find_first_not_of(' '));
    t.erase(t.find_last_not_of(' ') + 1);
    if (t != "created" && t != "updated" && t != "deleted") {
      return graph_err(400, "ExtensionError",
                       "Invalid changeType '" + t + "'. Allowed: created, updated, deleted.");
    }
    s.change_types.insert(t);
    pos = end + 1;
  }
  if (!is_url(s.notification_url) || (!s.lifecycle_url.empty() && !is_url(s.lifecycle_url)))
    return graph_err(400, "ValidationError", "The notificationUrl must be an absolute http(s) URL.");
  // Graph requires https for both URLs (the subscription resource's notificationUrl property).
  if (!options_.allow_http_notifications) {
    if (!is_https(s.notification_url))
      return graph_err(400, "InvalidRequest", "NotificationUrl scheme='http' is not supported.");
    if (!s.lifecycle_url.empty() && !is_https(s.lifecycle_url))
      return graph_err(400, "InvalidRequest", "LifecycleNotificationUrl scheme='http' is not supported.");
  }
  if (s.client_state.size() > kMaxClientState)
    return graph_err(400, "ValidationError", "clientState is limited to 128 characters.");
  const auto folder = parse_resource(s.resource, [&](const std::string& user) {
    return lower(user) == c.settings.address || lower(user) == c.settings.user_id;
  });
  if (!folder) return graph_err(400, "ExtensionError", "Unsupported resource '" + s.resource + "'.");
  s.folder = *folder;
  const auto expiration = parse_iso(str(body, "expirationDateTime"));
  const std::int64_t now = clock_.now_ms();
  const std::int64_t max_ms = options_.subscription_max_minutes * 60'000;
  if (!expiration || *expiration <= now) {
    return graph_err(
        400, "ExtensionError",
        "Operation: Create; Exception: [Status Code: BadRequest; Reason: Subscription expiration "
        "must be in the future.]");
  }
  if (*expiration > now + max_ms)
    return graph_err(400, "ExtensionError", too_far(options_.subscription_max_minutes));
  s.expiration_ms = *expiration;
  for (const std::string& url : {s.notification_url, s.lifecycle_url}) {
    if (url.empty()) continue;
    with_stats(c.settings.address, [](Stats& st) { ++st.validations; });
    if (const std::string bad = validate_endpoint(*http_, url, options_.validation_timeout); !bad.empty())
      return graph_err(400, "ValidationError", bad);
  }
  s.id = random_guid();
  const nlohmann::json out = subscription_json(s);
  {
    const std::lock_guard lock(mu_);
    subscriptions_[s.id] = std::move(s);
  }
  return net::Response::json(201, out.dump());
}

net::Response MicrosoftSandbox::renew_subscription(const net::Request& req, const Caller& c,
                                                   const std::string& id) {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  const std::int64_t expiration =
      body.is_object() ? parse_iso(str(body, "expirationDateTime")).value_or(0) : 0;
  const std::int64_t now = clock_.now_ms();
  const std::lock_guard lock(mu_);
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end() || it->second.account != c.settings.address ||
      it->second.expiration_ms <= now)
    return graph_err(404, "ResourceNotFound", "The object was not found.");
  if (expiration <= now || expiration > now + options_.subscription_max_minutes * 60'000)
    return graph_err(400, "ExtensionError", too_far(options_.subscription_max_minutes));
  it->second.expiration_ms = expiration;
  return net::Response::json(200, subscription_json(it->second).dump());
}

net::Response MicrosoftSandbox::delete_subscription(const Caller& c, const std::string& id) {
  const std::lock_guard lock(mu_);
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end() || it->second.account != c.settings.address)
    return graph_err(404, "ResourceNotFound", "The object was not found.");
  subscriptions_.erase(it);
  return net::Response{204, {}, {}};
}

net::Response MicrosoftSandbox::get_subscriptions(const Caller& c, const std::string& id) {
  const std::int64_t now = clock_.now_ms();
  const std::lock_guard lock(mu_);
  std::erase_if(subscriptions_, [now](const auto& kv) { return kv.second.expiration_ms <= now; });
  if (!id.empty()) {
    const auto it = subscriptions_.find(id);
    if (it == subscriptions_.end() || it->second.account != c.settings.address)
      return graph_err(404, "ResourceNotFound", "The object was not found.");
    return net::Response::json(200, subscription_json(it->second).dump());
  }
  nlohmann::json value = nlohmann::json::array();
  for (const auto& [sid, s] : subscriptions_) {
    if (s.account != c.settings.address) continue;
    nlohmann::json j = subscription_json(s);
    j.erase("@odata.context");
    value.push_back(std::move(j));
  }
  return net::Response::json(
      200, nlohmann::json{{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#subscriptions"},
                          {"value", std::move(value)}}
               .dump());
}

net::Response MicrosoftSandbox::reauthorize_subscription(const Caller& c, const std::string& id) {
  const std::lock_guard lock(mu_);
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end() || it->second.account != c.settings.address ||
      it->second.expiration_ms <= clock_.now_ms())
    return graph_err(404, "ResourceNotFound", "The object was not found.");
  return net::Response{204, {}, {}};
}

void MicrosoftSandbox::notify_changes(
    const std::string& address, const std::vector<std::pair<std::string, const StoredMessage*>>& changes,
    const std::string& folder, const std::string& old_folder) {
  struct Out {
    std::string url;
    nlohmann::json item;
  };
  std::vector<Out> out;
  {
    const std::lock_guard lock(mu_);
    const auto account = accounts_.find(address);
    if (account == accounts_.end()) return;
    const AccountSettings& a = account->second.settings;
    const std::int64_t now = clock_.now_ms();
    for (const auto& [sid, s] : subscriptions_) {
      if (s.account != address || s.expiration_ms <= now) continue;
      for (const auto& [kind, m] : changes) {
        std::string type = kind;
        std::string id = s.immutable_ids ? m->immutable_id : m->rest_id;
        if (kind == "moved") {  // a folder subscription sees created/deleted, me/messages an update
          if (s.folder.empty())
            type = "updated";
          else if (s.folder == folder)
            type = "created";
          else if (s.folder == old_folder)
            type = "deleted";
          else
            continue;
        } else if (!s.folder.empty() && s.folder != folder) {
          continue;
        }
        if (s.change_types.count(type) == 0) continue;
        const std::string resource = "Users/" + a.user_id + "/Messages/" + id;
        out.push_back({s.notification_url,
                       {{"subscriptionId", s.id},
                        {"subscriptionExpirationDateTime", iso_seven(s.expiration_ms)},
                        {"changeType", type},
                        {"resource", resource},
                        {"resourceData",
                         {{"@odata.type", "#Microsoft.Graph.Message"},
                          {"@odata.id", resource},
                          {"@odata.etag", "W/\"" + m->change_key + "\""},
                          {"id", id}}},
                        {"clientState",
                         s.client_state.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.client_state)},
                        {"tenantId", a.tenant_id}}});
      }
    }
  }
  for (Out& o : out) notifier_->notify(address, o.url, std::move(o.item), false);
}

net::Response MicrosoftSandbox::lifecycle(const std::string& address, const nlohmann::json& body) {
  const std::string event = str(body, "event");
  if (event != "reauthorizationRequired" && event != "subscriptionRemoved" && event != "missed")
    return net::Response::json(
        400,
        R"({"error":{"code":"BadRequest","message":"event must be reauthorizationRequired, subscriptionRemoved or missed"}})");
  const std::string only = str(body, "subscription_id");
  std::vector<std::pair<std::string, nlohmann::json>> out;
  nlohmann::json ids = nlohmann::json::array();
  {
    const std::lock_guard lock(mu_);
    const auto account = accounts_.find(address);
    if (account == accounts_.end())
      return net::Response::json(404, R"({"error":{"code":"NotFound","message":"Unknown account"}})");
    const std::int64_t now = clock_.now_ms();
    for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
      const Subscription& s = it->second;
      if (s.account != address || s.expiration_ms <= now || (!only.empty() && s.id != only)) {
        ++it;
        continue;
      }
      ids.push_back(s.id);
      out.emplace_back(
          s.lifecycle_url.empty() ? s.notification_url : s.lifecycle_url,
          nlohmann::json{{"subscriptionId", s.id},
                         {"subscriptionExpirationDateTime", iso_seven(s.expiration_ms)},
                         {"tenantId", account->second.settings.tenant_id},
                         {"clientState",
                          s.client_state.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.client_state)},
                         {"lifecycleEvent", event},
                         {"resource", s.resource}});
      it = event == "subscriptionRemoved" ? subscriptions_.erase(it) : std::next(it);
    }
  }
  for (auto& [url, item] : out) notifier_->notify(address, url, std::move(item), true);
  return net::Response::json(
      200, nlohmann::json{{"account", address}, {"event", event}, {"subscriptions", ids}}.dump());
}

}  // namespace hiresync::sandbox::microsoft
