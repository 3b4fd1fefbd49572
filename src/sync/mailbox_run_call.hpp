// The definition of MailboxRun::call, shared by the mailbox_run*.cpp files that make provider calls.
// It is a private member template, so it lives in this internal header rather than at the bottom of
// mailbox_run.hpp: the header stays the run's contract, and nothing outside the run includes this.
#pragma once

#include <cstdint>
#include <string>

#include "sync/mailbox_run.hpp"

namespace hiresync::sync {

template <typename T, typename Fn>
model::Result<T> MailboxRun::call(providers::MailClient::Call which, const char* endpoint, Fn&& fn,
                                  int times) {
  for (int attempt = 0;; ++attempt) {
    if (!ctx_.budget.acquire(static_cast<std::int64_t>(ctx_.mail.cost(which)) * times, ctx_.stop)) {
      return model::make_error(model::ErrorCode::kTransient, "engine stopping");
    }
    model::Result<T> r = fn(tokens_.access_token);
    const char* status = r ? "ok" : model::to_string(r.error().code);
    ctx_.metrics.increment("hiresync_provider_calls_total",
                           {{"provider", ctx_.mailbox.provider}, {"endpoint", endpoint}, {"status", status}});
    if (r || r.error().code != model::ErrorCode::kAuthExpired) {
      if (!r && r.error().code == model::ErrorCode::kRateLimited && r.error().retry_after_s > 0) {
        ctx_.budget.pause_until(ctx_.now_ms() + r.error().retry_after_s * 1000LL);
      }
      return r;
    }
    // 401: the access token is refused. Refresh once per run; a second refusal means the grant
    // itself is gone.
    if (attempt > 0 || refreshed_) {
      return model::Error{model::ErrorCode::kConsentRequired, "access token refused after refresh",
                          "access_revoked", -1};
    }
    if (auto st = refresh_tokens(); !st) return st.error();
  }
}

}  // namespace hiresync::sync
