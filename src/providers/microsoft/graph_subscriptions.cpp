// The Graph subscriptions behind MailClient::watch and stop: push for Microsoft 365 (PROTOCOLS.md B.5).
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "providers/common/common.hpp"
#include "providers/microsoft/microsoft.hpp"
#include "providers/microsoft/microsoft_internal.hpp"

namespace hiresync::providers::microsoft::internal {
namespace {

using model::ErrorCode;
using nlohmann::json;

// The one subscription watch() keeps: every message of the mailbox (a key of the watch state).
constexpr const char* kAllMessages = "messages";
// The documented maximum lifetime of a subscription to Outlook messages (docs/sync.md, "Push for
// Microsoft 365").
constexpr int kMaxSubscriptionMinutes = 4230;
constexpr const char* kSubscriptionFailed = "subscription_failed";

std::string resource_for(std::string_view folder) {
  if (folder == kAllMessages) return "me/messages";
  return "me/mailFolders('" + std::string(folder) + "')/messages";
}

std::string subscription_url(const GraphConnection& graph, const std::string& id) {
  return graph.base + "/subscriptions/" + net::url_encode(id);
}

// A subscription create (POST) or renewal (PATCH) of `body` expiring at `expiry_s`. Graph refuses
// an expiry past its maximum with 400 ExtensionError (subscription_failed): the configured
// lifetime may be one only newer tenants allow, so the call is retried once at the documented
// maximum (docs/sync.md, "Push for Microsoft 365"). A second refusal stays subscription_failed:
// push is off and the poll still syncs; the mailbox never needs a new sign-in for it.
model::Result<json> subscription_call(const GraphConnection& graph, const std::string& access_token,
                                      const char* method, const std::string& url, json body,
                                      std::int64_t expiry_s, const std::string& notification_url) {
  auto attempt = [&](std::int64_t at_s) {
    auto call = graph_request(graph, access_token, method, url, false);
    call.headers.emplace_back("Content-Type", "application/json");
    body["expirationDateTime"] = iso_time(at_s);
    call.body = body.dump();
    auto out = send_graph_json(graph, call, "subscription");
    if (out && !out->contains("expirationDateTime")) (*out)["expirationDateTime"] = iso_time(at_s);
    return out;
  };
  auto out = attempt(expiry_s);
  const std::int64_t documented_s = graph.clock_s() + std::int64_t{kMaxSubscriptionMinutes} * 60;
  const bool refused = !out && out.error().problem == kSubscriptionFailed;
  if (refused && documented_s < expiry_s) out = attempt(documented_s);
  if (!out && out.error().problem == kSubscriptionFailed) {
    model::Error e = out.error();
    if (documented_s < expiry_s) {
      e.detail +=
          " (retried with the documented maximum of " + std::to_string(kMaxSubscriptionMinutes) + " minutes)";
    }
    if (notification_url.rfind("https://", 0) != 0) e.detail += " (the notification URL must be https)";
    return e;
  }
  return out;
}

model::Result<json> create_subscription(const GraphConnection& graph, const std::string& access_token,
                                        const WatchRequest& request, std::string_view folder,
                                        std::int64_t expiry_s) {
  const json body = {{"changeType", "created"},
                     {"notificationUrl", request.notification_url},
                     {"lifecycleNotificationUrl", request.notification_url},
                     {"resource", resource_for(folder)},
                     {"clientState", request.client_state}};
  return subscription_call(graph, access_token, "POST", graph.base + "/subscriptions", body, expiry_s,
                           request.notification_url);
}

}  // namespace

model::Result<WatchResult> watch_subscriptions(const GraphConnection& graph, const std::string& access_token,
                                               const WatchRequest& request) {
  const std::int64_t expiry_s = graph.clock_s() + std::int64_t{graph.subscription_minutes} * 60;
  json previous = json::object();
  if (auto parsed = parse_json(request.state); parsed && parsed->is_object()) previous = std::move(*parsed);

  json state = json::object();
  std::vector<std::string> created;
  WatchResult out;
  for (std::string_view folder : {std::string_view(kAllMessages)}) {
    const std::string key(folder);
    const std::string old_id = json_string(previous, key.c_str());
    model::Result<json> subscription = model::make_error(ErrorCode::kNotFound, "no subscription yet");
    if (!old_id.empty()) {
      subscription = subscription_call(graph, access_token, "PATCH", subscription_url(graph, old_id),
                                       json::object(), expiry_s, request.notification_url);
    }
    if (!subscription && subscription.error().code == ErrorCode::kNotFound) {
      subscription = create_subscription(graph, access_token, request, folder, expiry_s);
      if (subscription && !json_string(*subscription, "id").empty()) {
        created.push_back(json_string(*subscription, "id"));
      }
    }
    std::string id = subscription ? json_string(*subscription, "id") : std::string();
    if (subscription && id.empty()) subscription = malformed("subscription", "subscription without id");
    if (!subscription) {
      for (const auto& orphan : created) {
        // Best effort: an orphan left behind expires on its own within subscription_minutes.
        (void)send(graph.http,
                   graph_request(graph, access_token, "DELETE", subscription_url(graph, orphan), false),
                   map_error, "subscription");
      }
      return subscription.error();
    }
    const std::int64_t expires_ms =
        parse_iso_time_ms(json_string(*subscription, "expirationDateTime")).value_or(expiry_s * 1000);
    out.expires_at_ms = out.expires_at_ms == 0 ? expires_ms : std::min(out.expires_at_ms, expires_ms);
    state[key] = std::move(id);
  }
  // Subscriptions of an earlier state that this one no longer keeps (the first format had one per
  // folder): deleted, best effort; a leftover expires on its own.
  if (previous.is_object()) {
    for (const auto& [key, value] : previous.items()) {
      if (state.contains(key) || !value.is_string() || value.get<std::string>().empty()) continue;
      (void)send(graph.http,
                 graph_request(graph, access_token, "DELETE",
                               subscription_url(graph, value.get<std::string>()), false),
                 map_error, "subscription");
    }
  }
  out.state = state.dump();
  return out;
}

bool subscription_state_outdated(const std::string& state) {
  if (state.empty()) return false;
  auto parsed = parse_json(state);
  if (!parsed || !parsed->is_object()) return false;  // unreadable: watch() creates anew when due
  return std::any_of(parsed->items().begin(), parsed->items().end(),
                     [](const auto& item) { return item.key() != kAllMessages; });
}

model::Status stop_subscriptions(const GraphConnection& graph, const std::string& access_token,
                                 const std::string& state) {
  if (state.empty()) return {};
  auto parsed = parse_json(state);
  if (!parsed || !parsed->is_object()) return malformed("subscription", "watch state is not a JSON object");
  model::Status result;
  for (const auto& [key, value] : parsed->items()) {  // any format: every subscription id it holds
    const std::string id = value.is_string() ? value.get<std::string>() : std::string();
    if (id.empty()) continue;
    auto response =
        send(graph.http, graph_request(graph, access_token, "DELETE", subscription_url(graph, id), false),
             map_error, "subscription");
    if (!response && response.error().code != ErrorCode::kNotFound && result.ok()) result = response.error();
  }
  return result;
}

}  // namespace hiresync::providers::microsoft::internal
