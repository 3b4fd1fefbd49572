// Engine: the API-facing operations (authorize, status, sync now, deauthorize, push intake).
#include <nlohmann/json.hpp>

#include "crypto/crypto.hpp"
#include "match/canonical.hpp"
#include "model/problems.hpp"
#include "net/http.hpp"
#include "sync/cursor.hpp"
#include "sync/engine.hpp"

namespace hiresync::sync {

using model::ErrorCode;
using model::Status;

namespace {

constexpr std::int64_t kStateLifetimeS = 600;  // shared/DESIGN.md: single use, 10 minutes

model::Error problem_error(ErrorCode code, const char* problem, std::string detail) {
  return model::Error{code, std::move(detail), problem, -1};
}

std::string verifier_purpose(const std::string& state_digest) { return "pkce:" + state_digest; }

}  // namespace

void Engine::StoreReturn::operator()(store::Store* s) const {
  std::unique_ptr<store::Store> owned(s);
  if (owned->in_transaction()) return;  // a lease that died mid-transaction is not reused
  std::lock_guard lock(engine->pool_mu_);
  if (engine->pool_.size() < 8) engine->pool_.push_back(std::move(owned));
}

model::Result<Engine::StoreLease> Engine::api_store() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      StoreLease lease(pool_.back().release(), StoreReturn{this});
      pool_.pop_back();
      return lease;
    }
  }
  auto opened = deps_.open_store();
  if (!opened) return opened.error();
  return StoreLease(opened->release(), StoreReturn{this});
}

model::Result<std::string> Engine::begin_authorize(const model::User& user, std::string_view session_key,
                                                   std::string_view requested_provider) {
  auto store = api_store();
  if (!store) return store.error();
  auto contract = (*store)->get_contract(user.contract_id);
  if (!contract) return contract.error();
  const model::EmailProvider chosen = contract->settings.email_provider;
  if (chosen == model::EmailProvider::kNone) {
    return problem_error(ErrorCode::kInvalidArgument, "sync_not_enabled", "contract has no email provider");
  }
  const std::string provider = model::to_string(chosen);
  if (!requested_provider.empty() && requested_provider != provider) {
    return problem_error(ErrorCode::kInvalidArgument, "wrong_provider",
                         "asked for " + std::string(requested_provider) + ", contract chose " + provider);
  }
  const ProviderClients* c = clients(provider);
  if (c == nullptr) {
    return problem_error(ErrorCode::kInvalidArgument, "provider_not_available",
                         "no connector configured for " + provider);
  }
  const std::string state = net::base64url_encode(crypto::random_bytes(32));
  const std::string verifier = net::base64url_encode(crypto::random_bytes(32));
  const std::string digest = crypto::digest_hex(state);
  store::OAuthState row;
  row.user_id = user.id;
  row.session_key = std::string(session_key);
  row.provider = provider;
  row.verifier_ciphertext = vault_.seal_secret(verifier, verifier_purpose(digest));
  row.expires_at = now_ms() / 1000 + kStateLifetimeS;
  if (auto st = (*store)->create_oauth_state(digest, row); !st) return st.error();
  // If the provider keeps the browser (an organization's refusal on its own page), this is the
  // only trace: shown as "not finished" after authorization_timeout_s.
  if (auto st = (*store)->set_pending_authorization({user.id, provider, now_ms() / 1000}); !st)
    return st.error();
  providers::AuthorizeRequest request;
  request.state = state;
  request.code_challenge = net::base64url_encode(crypto::sha256(verifier));
  request.login_hint = user.email;
  return c->oauth->authorize_url(request);
}

model::Result<AuthorizeOutcome> Engine::finish_authorize(std::string_view session_key, std::string_view state,
                                                         std::string_view code, std::string_view error,
                                                         std::string_view error_description) {
  auto store_r = api_store();
  if (!store_r) return store_r.error();
  store::Store& store = **store_r;
  const std::string digest = crypto::digest_hex(state);
  auto pending = store.take_oauth_state(digest, now_ms() / 1000);
  if (!pending) return pending.error();
  if (!crypto::constant_time_equal(pending->session_key, session_key)) {
    return model::make_error(ErrorCode::kNotFound, "state belongs to another session");
  }
  // Whatever the answer, the provider came back: the authorization is no longer unfinished.
  if (auto st = store.clear_pending_authorization(pending->user_id); !st) return st.error();
  auto user = store.get_user(pending->user_id);
  if (!user) return user.error();
  auto contract = store.get_contract(user->contract_id);
  if (!contract) return contract.error();
  AuthorizeOutcome outcome;
  outcome.user_id = user->id;

  // A failure still leaves a mailbox row carrying the problem, so the settings page shows what
  // happened and what to do.
  auto record_failure = [&](const model::Error& e) -> model::Result<AuthorizeOutcome> {
    outcome.problem = e.problem.empty() ? "provider_error" : e.problem;
    auto existing = store.mailbox_of_user(user->id);
    model::Id mailbox_id = 0;
    if (existing && existing->provider == pending->provider) {
      mailbox_id = existing->id;
    } else {
      auto canonical = match::canonical_address(user->email);
      auto created = store.connect_mailbox(user->id, pending->provider, user->email,
                                           canonical ? *canonical : user->email, "");
      if (created) mailbox_id = created->id;
    }
    if (mailbox_id != 0) {
      const bool keep_syncing = existing && existing->provider == pending->provider &&
                                (existing->state == "live" || existing->state == "backfilling");
      if (!keep_syncing)
        (void)store.set_mailbox_state(mailbox_id, "needs_reauth", outcome.problem, e.detail, 0);
    }
    return outcome;
  };

  if (model::to_string(contract->settings.email_provider) != pending->provider) {
    return record_failure(problem_error(ErrorCode::kInvalidArgument, "wrong_provider",
                                        "contract provider changed during authorization"));
  }
  const ProviderClients* c = clients(pending->provider);
  if (c == nullptr)
    return record_failure(problem_error(ErrorCode::kInternal, "provider_not_available", "no connector"));
  if (!error.empty())
    return record_failure(c->oauth->authorize_error(std::string(error), std::string(error_description)));
  if (code.empty())
    return record_failure(problem_error(ErrorCode::kMalformedInput, "authorization_failed", "no code"));

  auto verifier = vault_.open_secret(pending->verifier_ciphertext, verifier_purpose(digest));
  if (!verifier) return verifier.error();
  auto tokens = c->oauth->exchange_code(std::string(code), *verifier);
  if (!tokens) return record_failure(tokens.error());
  auto profile = c->mail->profile(tokens->access_token);
  if (!profile) {
    if (profile.error().code == ErrorCode::kConsentRequired) (void)c->oauth->revoke(tokens->refresh_token);
    return record_failure(profile.error());
  }
  auto canonical = match::canonical_address(profile->address);
  if (!canonical)
    return record_failure(problem_error(ErrorCode::kMalformedInput, "no_mailbox", "profile address"));
  auto mb = store.connect_mailbox(user->id, pending->provider, profile->address, *canonical,
                                  vault_.seal(*tokens, user->id, pending->provider));
  if (!mb) {
    if (mb.error().code == ErrorCode::kConflict) {
      // The tokens are dropped, not revoked: the grant they belong to may be the holder's own (a
      // provider grant is per account and app), and revoking it would disconnect the colleague.
      outcome.problem = "mailbox_in_use";
      auto holder = store.mailbox_holder(user->contract_id, *canonical, user->id);
      if (holder && *holder) outcome.holder = (*holder)->name + " (" + (*holder)->email + ")";
      return outcome;
    }
    return mb.error();
  }
  budget_for(store, mb->id, *c)
      ->spend(c->mail->cost(providers::MailClient::Call::kProfile));  // the profile read above
  (void)store.audit("user:" + std::to_string(user->id), "mailbox.authorize",
                    "mailbox:" + std::to_string(mb->id), pending->provider);
  outcome.connected = true;
  // A new grant: whatever watch or subscriptions the cursor remembers may have ended with the old
  // one (a revoke, a password change), so push is set up again by the first run.
  wake(mb->id, store::kWakeRenewWatch);
  return outcome;
}

model::Result<MailboxStatus> Engine::status(model::Id user_id) {
  auto store = api_store();
  if (!store) return store.error();
  auto mb = (*store)->mailbox_of_user(user_id);
  if (!mb) return mb.error();
  MailboxStatus s;
  s.status = mb->state;
  s.provider = mb->provider;
  s.address = mb->address;
  s.last_synced_at = mb->last_synced_at;
  s.backfill_done = mb->backfill_done;
  s.backfill_total = mb->backfill_total;
  s.failed_fetches = mb->failed_fetches;
  auto counts = (*store)->mailbox_counts(mb->id);
  if (!counts) return counts.error();
  s.skipped = counts->skipped;
  if (model::find_problem(mb->state_cause) != nullptr) s.problem = mb->state_cause;
  return s;
}

Status Engine::sync_now(model::Id user_id) {
  auto store = api_store();
  if (!store) return store.error();
  auto mb = (*store)->mailbox_of_user(user_id);
  if (!mb) return mb.error();
  if (mb->state == "disconnected" || mb->state == "needs_reauth") {
    return problem_error(ErrorCode::kInvalidArgument,
                         mb->state == "disconnected" ? "not_connected" : "access_revoked",
                         "mailbox is " + mb->state);
  }
  if (mb->state == "disabled") {
    return problem_error(ErrorCode::kInvalidArgument,
                         mb->state_cause == "wrong_provider" ? "wrong_provider" : "sync_not_enabled",
                         "disabled");
  }
  enqueue(mb->id, 0);
  return Status();
}

Status Engine::deauthorize(model::Id user_id) {
  auto store = api_store();
  if (!store) return store.error();
  auto mb = (*store)->mailbox_of_user(user_id);
  if (!mb) return mb.error();
  if (mb->state == "disconnected") return Status();
  const ProviderClients* c = clients(mb->provider);
  auto tokens = vault_.open(mb->token_ciphertext, mb->user_id, mb->provider);
  if (c != nullptr && tokens) {
    auto cursor = parse_cursor(mb->cursor);
    // Best effort: Google also ends watches on revoke.
    (void)c->mail->stop(tokens->access_token, cursor ? cursor->watch_state : "");
    (void)c->oauth->revoke(tokens->refresh_token.empty() ? tokens->access_token : tokens->refresh_token);
  }
  auto tx = (*store)->begin("deauthorize");
  if (!tx) return tx.error();
  if (auto st = (*store)->save_tokens(mb->id, ""); !st) return st;
  if (auto st = (*store)->set_mailbox_state(mb->id, "disconnected", "deauthorized", "", 0); !st) return st;
  if (auto st = (*store)->audit("user:" + std::to_string(user_id), "mailbox.deauthorize",
                                "mailbox:" + std::to_string(mb->id), mb->provider);
      !st) {
    return st;
  }
  return (*tx)->commit();
}

Status Engine::google_push(std::string_view authorization_header, std::string_view body) {
  auto it = deps_.providers.find("google");
  if (it == deps_.providers.end() || it->second.google_push == nullptr) {
    return model::make_error(ErrorCode::kAuthExpired, "google push is not configured");
  }
  auto notice = it->second.google_push->verify(authorization_header, body);
  if (!notice) {
    if (notice.error().code == ErrorCode::kAuthExpired) push_rejected(notice.error());
    return notice.error();
  }
  push_verified();
  deps_.metrics->increment("hiresync_webhooks_total", {{"provider", "google"}});
  auto canonical = match::canonical_address(notice->email_address);
  if (!canonical) return Status();  // acknowledged: nothing of ours
  auto store = api_store();
  if (!store) return store.error();
  auto mailboxes = (*store)->mailboxes_by_address("google", *canonical);
  if (!mailboxes) return mailboxes.error();
  for (const auto& mb : *mailboxes) {
    if (mb.state == "disconnected" || mb.state == "needs_reauth" || mb.state == "disabled") continue;
    // Gmail drops pushes above one per second per user: signal() looks once more shortly after.
    signal(mb.id);
  }
  return Status();
}

}  // namespace hiresync::sync
