// Engine: Microsoft Graph notifications (POST /webhooks/microsoft, after the handshake).
#include <charconv>

#include "crypto/crypto.hpp"
#include "providers/microsoft/microsoft.hpp"
#include "sync/engine.hpp"

namespace hiresync::sync {

namespace {

// The mailbox id a clientState names ("<id>.<mac>"), or 0.
model::Id mailbox_of_client_state(std::string_view client_state) {
  const std::size_t dot = client_state.find('.');
  if (dot == std::string_view::npos || dot == 0) return 0;
  model::Id id = 0;
  const auto* first = client_state.data();
  const auto [end, ec] = std::from_chars(first, first + dot, id);
  return ec == std::errc() && end == first + dot ? id : 0;
}

}  // namespace

model::Status Engine::microsoft_notifications(std::string_view body) {
  auto batch = providers::microsoft::parse_notifications(body);
  if (!batch) return batch.error();
  for (const auto& n : *batch) {
    const model::Id mailbox_id = mailbox_of_client_state(n.client_state);
    // A forged or stale clientState is dropped, not trusted: compared in constant time with the
    // one this mailbox's subscriptions were created with.
    if (mailbox_id == 0 || !crypto::constant_time_equal(client_state_for(mailbox_id), n.client_state)) {
      deps_.metrics->increment("hiresync_webhooks_rejected_total", {{"provider", "microsoft"}});
      continue;
    }
    deps_.metrics->increment(
        "hiresync_webhooks_total",
        {{"provider", "microsoft"}, {"kind", n.lifecycle_event.empty() ? "change" : n.lifecycle_event}});
    std::int64_t flags = 0;  // "missed" and plain changes alike: one run, the delta feed catches up
    if (n.lifecycle_event == "reauthorizationRequired") flags = store::kWakeRenewWatch;
    // A removed subscription cannot be renewed: forget it so the next run creates new ones.
    if (n.lifecycle_event == "subscriptionRemoved")
      flags = store::kWakeRenewWatch | store::kWakeDropWatchState;
    wake(mailbox_id, flags);
  }
  return {};
}

}  // namespace hiresync::sync
