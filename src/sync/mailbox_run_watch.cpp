// Step 5 of a mailbox run: the watch renewal and the push-problem bookkeeping when it is refused.
#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include "sync/mailbox_run.hpp"
#include "sync/mailbox_run_call.hpp"

namespace hiresync::sync {

using model::ErrorCode;
using model::Status;
using providers::MailClient;

namespace {

// Problems of a watch refusal that are the grant's own (the mailbox cannot sync at all without
// the user or IT acting): these still move the mailbox to needs_reauth. Anything else a watch
// answers (a subscription the provider refuses, a webhook it cannot validate, an unclassified
// 4xx) is push's own problem.
bool grant_problem(const model::Error& e) {
  if (e.code == ErrorCode::kAuthExpired) return true;
  if (e.code != ErrorCode::kConsentRequired) return false;
  static constexpr std::string_view kGrant[] = {
      "access_revoked", "no_mailbox",   "mailbox_on_premises",    "insufficient_scope",
      "not_assigned",   "org_internal", "admin_consent_required", "admin_policy_enforced"};
  return std::find(std::begin(kGrant), std::end(kGrant), e.problem) != std::end(kGrant);
}

}  // namespace

Status MailboxRun::renew_watch() {
  if (ctx_.watch.topic.empty() && ctx_.watch.notification_url.empty()) return Status();
  const std::int64_t now_s = ctx_.now_ms() / 1000;
  if (ctx_.drop_watch_state) cursor_.watch_state.clear();
  auto problem = ctx_.store.push_problem(ctx_.mailbox.id);
  if (!problem) return problem.error();
  const bool expiring = cursor_.watch_expires_ms / 1000 - now_s < 86400;
  // A state from an earlier version of the client (Graph: a subscription per folder) is replaced at
  // once: it misses mail that this version syncs.
  const bool forced =
      ctx_.force_watch || ctx_.drop_watch_state || ctx_.mail.watch_outdated(cursor_.watch_state);
  if (!forced && *problem && now_s < (*problem)->retry_at) return Status();  // backing off
  if (!forced && !*problem && !expiring && now_s - cursor_.watch_renewed_at_s < ctx_.watch_renew_s) {
    return Status();
  }
  providers::WatchRequest request = ctx_.watch;
  request.state = cursor_.watch_state;
  auto watch = call<providers::WatchResult>(
      MailClient::Call::kWatch, "watch", [&](const std::string& t) { return ctx_.mail.watch(t, request); });
  if (!watch) {
    const model::Error& e = watch.error();
    if (grant_problem(e)) return e;
    if (e.code == ErrorCode::kRateLimited || e.code == ErrorCode::kTransient) return Status();  // next run
    // Push cannot be set up: keep syncing by polling, say so, retry later with backoff.
    const bool graph = !ctx_.watch.notification_url.empty();
    const std::string cause = !e.problem.empty() && e.problem != "provider_error"
                                  ? e.problem
                                  : (graph ? "subscription_failed" : "watch_failed");
    const std::int64_t failures = *problem ? (*problem)->failures + 1 : 1;
    const std::int64_t delay =
        std::min<std::int64_t>(ctx_.watch_retry_cap_s, static_cast<std::int64_t>(ctx_.watch_retry_base_s)
                                                           << std::min<std::int64_t>(failures - 1, 20));
    if (auto st = ctx_.store.record_push_problem(ctx_.mailbox.id, cause, e.detail, now_s, now_s + delay);
        !st) {
      return st;
    }
    if (!*problem) {  // one line and one count when the problem starts, not per attempt
      ctx_.metrics.increment("hiresync_problems_raised_total", {{"cause", cause}});
      if (ctx_.log) {
        ctx_.log("error", "problem " + cause + " for mailbox " + std::to_string(ctx_.mailbox.id) +
                              ": push cannot be set up, polling only (" + e.detail + ")");
      }
    }
    return Status();
  }
  if (*problem) {
    if (auto st = ctx_.store.clear_push_problem(ctx_.mailbox.id); !st) return st;
    if (ctx_.log) {
      ctx_.log("info", "problem " + (*problem)->cause + " for mailbox " + std::to_string(ctx_.mailbox.id) +
                           " cleared: push is set up");
    }
  }
  cursor_.watch_expires_ms = watch->expires_at_ms;
  cursor_.watch_renewed_at_s = now_s;
  cursor_.watch_state = watch->state;
  return ctx_.store.save_cursor(ctx_.mailbox.id, serialize(cursor_));
}

}  // namespace hiresync::sync
