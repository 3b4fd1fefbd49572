// Engine: what fails without an error reaching anyone: an authorization the provider never sent
// back, push that cannot be set up for a mailbox, and Gmail pushes whose JWT keeps failing
// (docs/sync.md "Problems nobody would see").
#include <algorithm>

#include "sync/engine.hpp"

namespace hiresync::sync {

namespace {

// The verifier's detail ("google push: wrong audience") as a stable key: "wrong_audience".
std::string jwt_reason(const std::string& detail) {
  std::string why = detail;
  if (const std::size_t colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
  static constexpr std::pair<std::string_view, std::string_view> kReasons[] = {
      {"bad signature", "bad_signature"},
      {"wrong audience", "wrong_audience"},
      {"wrong issuer", "wrong_issuer"},
      {"token expired", "expired"},
      {"unknown key id", "unknown_key"},
      {"no bearer token", "missing_token"},
      {"token from another service account", "wrong_service_account"},
      {"email not verified", "email_not_verified"},
  };
  for (const auto& [text, reason] : kReasons) {
    if (why == text) return std::string(reason);
  }
  return "malformed_token";
}

// What the provider would have said had the browser come back: the organization's refusals that
// Google and Entra show on their own pages (sandbox/README.md "Consent outcomes").
std::vector<std::string> likely_causes(const std::string& provider) {
  if (provider == "microsoft") return {"admin_consent_required", "not_assigned"};
  return {"admin_policy_enforced", "org_internal"};
}

}  // namespace

model::Result<std::optional<UnfinishedAuthorization>> Engine::unfinished_authorization(model::Id user_id) {
  auto store = api_store();
  if (!store) return store.error();
  auto pending = (*store)->pending_authorization(user_id);
  if (!pending) return pending.error();
  if (!*pending || now_ms() / 1000 - (*pending)->started_at < config_.authorization_timeout_s) {
    return std::optional<UnfinishedAuthorization>();
  }
  UnfinishedAuthorization out;
  out.provider = (*pending)->provider;
  out.started_at = (*pending)->started_at;
  out.likely_causes = likely_causes(out.provider);
  return std::optional<UnfinishedAuthorization>(std::move(out));
}

model::Result<std::vector<OpsProblem>> Engine::problems(model::Id contract_id) {
  std::vector<OpsProblem> out;
  if (contract_id == 0) {
    std::lock_guard lock(jwt_mu_);
    for (const auto& [reason, f] : jwt_failures_) {
      if (f.raised_ms == 0) continue;
      OpsProblem p;
      p.cause = "push_jwt_rejected";
      p.reason = reason;
      p.scope = "deployment";
      p.provider = "google";
      p.since = f.since_ms / 1000;
      p.count = f.count;
      p.detail = f.detail;
      out.push_back(std::move(p));
    }
  }
  auto store = api_store();
  if (!store) return store.error();
  auto rows = (*store)->push_problems(contract_id);
  if (!rows) return rows.error();
  for (const auto& row : *rows) {
    OpsProblem p;
    p.cause = row.cause;
    p.scope = "mailbox";
    p.mailbox_id = row.mailbox_id;
    p.contract_id = row.contract_id;
    p.provider = row.provider;
    p.since = row.since;
    p.count = row.failures;
    p.detail = row.detail;
    out.push_back(std::move(p));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const OpsProblem& a, const OpsProblem& b) { return a.since < b.since; });
  return out;
}

void Engine::push_verified() {
  std::lock_guard lock(jwt_mu_);
  for (const auto& [reason, f] : jwt_failures_) {
    if (f.raised_ms != 0) {
      deps_.log("info", "google push: JWTs verify again; problem push_jwt_rejected (" + reason + ") cleared");
    }
  }
  jwt_failures_.clear();
}

void Engine::push_rejected(const model::Error& error) {
  const std::string reason = jwt_reason(error.detail);
  deps_.metrics->increment("hiresync_push_jwt_rejected_total", {{"reason", reason}});
  const std::int64_t now = now_ms();
  const std::int64_t window_ms = static_cast<std::int64_t>(config_.push_jwt_window_s) * 1000;
  std::lock_guard lock(jwt_mu_);
  JwtFailures& f = jwt_failures_[reason];
  if (f.count == 0) f.since_ms = now;
  ++f.count;
  f.detail = error.detail;
  f.recent_ms.push_back(now);
  std::erase_if(f.recent_ms, [&](std::int64_t at) { return now - at > window_ms; });
  if (f.raised_ms == 0 && static_cast<int>(f.recent_ms.size()) >= config_.push_jwt_threshold) {
    f.raised_ms = now;
    deps_.metrics->increment("hiresync_problems_raised_total", {{"cause", "push_jwt_rejected"}});
    // One line when the problem starts, not one per request.
    deps_.log("error", "problem push_jwt_rejected (" + reason + "): " + std::to_string(f.recent_ms.size()) +
                           " Gmail pushes in a row failed their JWT check within " +
                           std::to_string(config_.push_jwt_window_s) + " s (" + error.detail +
                           "); check the Pub/Sub push subscription's audience and service account");
  }
}

}  // namespace hiresync::sync
