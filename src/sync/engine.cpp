#include "sync/engine.hpp"

#include <chrono>
#include <optional>

#include "ingest/candidates.hpp"
#include "model/problems.hpp"
#include "net/http.hpp"
#include "sync/mailbox_run.hpp"

namespace hiresync::sync {

using model::ErrorCode;
using model::Status;

namespace {

// Changes made through the API invalidate at once; this only bounds how stale a change made by
// another process (`hiresync seed`) can be. Loading reads every member of the platform.
constexpr std::int64_t kIndexTtlMs = 300000;

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_syncing_state(const std::string& state) {
  return state != "disconnected" && state != "needs_reauth" && state != "disabled";
}

}  // namespace

Engine::Engine(EngineConfig config, EngineDeps deps)
    : config_(std::move(config)), deps_(std::move(deps)), vault_(*deps_.box) {
  if (!deps_.now_ms) deps_.now_ms = system_now_ms;
  if (!deps_.log) deps_.log = [](const char*, const std::string&) {};
  auto& m = *deps_.metrics;
  m.describe_counter("hiresync_sync_runs_total", "Mailbox sync runs by provider and outcome.");
  m.describe_counter("hiresync_messages_synced_total", "Messages stored for candidates.");
  m.describe_counter("hiresync_messages_skipped_total", "Messages not stored, by reason.");
  m.describe_counter("hiresync_provider_calls_total", "Provider API calls by endpoint and result.");
  m.describe_histogram("hiresync_push_to_visible_seconds",
                       "From the provider accepting a message to it being visible (incremental sync).",
                       {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300});
}

Engine::~Engine() { stop(); }

Status Engine::start() {
  auto store = deps_.open_store();
  if (!store) return store.error();
  auto mailboxes = (*store)->syncable_mailboxes(0);
  if (!mailboxes) return mailboxes.error();
  // In a cluster the mailboxes come as this node claims them (sync/cluster.hpp).
  for (const auto& mb : *mailboxes) {
    if (deps_.placement == nullptr && is_syncing_state(mb.state)) enqueue(mb.id, 0);
  }
  for (int i = 0; i < std::max(1, config_.workers); ++i) workers_.emplace_back([this] { worker_loop(); });
  return Status();
}

void Engine::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_.exchange(true)) return;
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
}

void Engine::enqueue(model::Id mailbox_id, std::int64_t delay_ms) {
  if (!syncs_here(mailbox_id)) {
    if (delay_ms == 0) deps_.placement->wake_holder(mailbox_id, 0);
    return;
  }
  {
    std::lock_guard lock(mu_);
    auto& slot = slots_[mailbox_id];
    if (slot.running && delay_ms == 0) {
      slot.rerun = true;
      return;
    }
    const std::int64_t at = now_ms() + delay_ms;
    if (auto it = due_at_.find(mailbox_id); it != due_at_.end()) {
      if (it->second <= at) return;  // already due sooner
      queue_.erase(Due{it->second, mailbox_id});
    }
    queue_.insert(Due{at, mailbox_id});
    due_at_[mailbox_id] = at;
  }
  cv_.notify_one();
}

void Engine::signal(model::Id mailbox_id) {
  if (!syncs_here(mailbox_id)) {
    deps_.placement->wake_holder(mailbox_id, store::kWakePush);
    return;
  }
  {
    std::lock_guard lock(mu_);
    slots_[mailbox_id].last_signal_ms = now_ms();
  }
  enqueue(mailbox_id, 0);
}

void Engine::worker_loop() {
  auto opened = deps_.open_store();
  if (!opened) return;  // the engine's start() opened one: this is not expected; the others run on
  std::unique_ptr<store::Store> store = std::move(*opened);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const Due next = *queue_.begin();
    const std::int64_t now = now_ms();
    if (next.at_ms > now) {
      cv_.wait_for(lock, std::chrono::milliseconds(std::min<std::int64_t>(next.at_ms - now, 1000)));
      continue;
    }
    queue_.erase(queue_.begin());
    due_at_.erase(next.mailbox_id);
    auto& slot = slots_[next.mailbox_id];
    if (slot.running) {
      slot.rerun = true;
      continue;
    }
    slot.running = true;
    lock.unlock();
    const std::int64_t started = now_ms();
    const bool completed = run_fenced(*store, next.mailbox_id);
    lock.lock();
    auto& after = slots_[next.mailbox_id];
    after.running = false;
    // A signal during the run: run again now. Otherwise, while the mailbox is hot (this run
    // started within push_hot_window_ms of the last push), the next change read comes due after
    // push_hot_poll_ms: Gmail drops pushes that follow another within a second, so mail landing
    // in a burst may have no push of its own, and only a later read sees it. The window ends with
    // a run that started push_hot_window_ms after the push, later than any dropped push's message.
    // A run that did not complete (the mailbox was disconnected meanwhile, say) leaves that duty to
    // the next one that does, such as the first run after reconnecting.
    std::optional<std::int64_t> at;
    if (after.rerun) {
      after.rerun = false;
      at = now_ms();
    } else if (completed && started < after.last_signal_ms + config_.push_hot_window_ms) {
      at = now_ms() + config_.push_hot_poll_ms;
    }
    if (at) {
      auto it = due_at_.find(next.mailbox_id);
      if (it == due_at_.end() || it->second > *at) {
        if (it != due_at_.end()) queue_.erase(Due{it->second, next.mailbox_id});
        queue_.insert(Due{*at, next.mailbox_id});
        due_at_[next.mailbox_id] = *at;
        cv_.notify_one();
      }
    }
  }
}

const ProviderClients* Engine::clients(const std::string& provider) const {
  auto it = deps_.providers.find(provider);
  if (it == deps_.providers.end() || it->second.oauth == nullptr || it->second.mail == nullptr)
    return nullptr;
  return &it->second;
}

std::string Engine::client_state_for(model::Id mailbox_id) const {
  const std::string id = std::to_string(mailbox_id);
  return id + "." + net::base64url_encode(deps_.box->mac("graph-client-state:" + id));
}

std::shared_ptr<QuotaBudget> Engine::budget_for(store::Store& store, model::Id mailbox_id,
                                                const ProviderClients& provider) {
  {
    std::lock_guard lock(mu_);
    if (auto it = budgets_.find(mailbox_id); it != budgets_.end()) return it->second;
  }
  // The provider counts a call when it arrives, a little after we count it; Gmail's window is one
  // second longer than its minute so the two do not disagree at the edge. A new budget starts from
  // the window saved by whichever node ran the mailbox last (this one before a restart, say).
  const std::int64_t units = provider.budget_units > 0 ? provider.budget_units : config_.units_per_minute;
  auto fresh = std::make_shared<QuotaBudget>(units, provider.budget_window_ms, deps_.now_ms);
  if (auto saved = store.quota_window(mailbox_id); saved && !saved->empty()) fresh->restore(*saved);
  std::lock_guard lock(mu_);
  auto [it, inserted] = budgets_.emplace(mailbox_id, std::move(fresh));
  return it->second;
}

model::Result<std::shared_ptr<const match::CandidateIndex>> Engine::index_for(store::Store& store,
                                                                              model::Id contract_id) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    auto it = indexes_.find(contract_id);
    if (it != indexes_.end() && now_ms() - it->second.first < kIndexTtlMs) return it->second.second;
    generation = index_generation_;
  }
  auto index = ingest::load_index(store, contract_id);
  if (!index) return index.error();
  auto shared = std::make_shared<const match::CandidateIndex>(std::move(*index));
  std::lock_guard lock(mu_);
  if (generation == index_generation_) indexes_[contract_id] = {now_ms(), shared};
  return shared;
}

void Engine::invalidate_index(model::Id contract_id) {
  std::lock_guard lock(mu_);
  ++index_generation_;
  if (contract_id == 0) {
    indexes_.clear();
  } else {
    indexes_.erase(contract_id);
  }
}

bool Engine::run_mailbox(store::Store& store, model::Id mailbox_id) {
  auto mb = store.get_mailbox(mailbox_id);
  if (!mb && mb.error().code != ErrorCode::kNotFound) {
    // The store itself failed (PostgreSQL restarting, a lost connection): nothing is known about
    // the mailbox, so it is tried again with backoff rather than dropped from the schedule.
    std::int64_t delay = 0;
    {
      std::lock_guard lock(mu_);
      delay =
          backoff_ms(++slots_[mailbox_id].failures, config_.backoff_base_ms, config_.backoff_cap_ms, rng_);
    }
    deps_.log("warn", "mailbox " + std::to_string(mailbox_id) + " not read: " + mb.error().detail);
    enqueue(mailbox_id, delay);
    return false;
  }
  if (!mb || !is_syncing_state(mb->state)) return false;
  auto contract = store.get_contract(mb->contract_id);
  if (!contract) {
    finish_run(store, *mb, contract.error());
    return false;
  }
  if (model::to_string(contract->settings.email_provider) != mb->provider) {
    const char* cause = contract->settings.email_provider == model::EmailProvider::kNone ? "sync_not_enabled"
                                                                                         : "wrong_provider";
    (void)store.set_mailbox_state(mb->id, "disabled", cause, "contract settings", 0);
    return false;
  }
  const ProviderClients* provider = clients(mb->provider);
  if (provider == nullptr) {
    (void)store.set_mailbox_state(mb->id, "error", "provider_misconfigured",
                                  "no connector for " + mb->provider, 0);
    return false;
  }
  auto index = index_for(store, mb->contract_id);
  if (!index) {
    finish_run(store, *mb, index.error());
    return false;
  }
  auto budget = budget_for(store, mb->id, *provider);
  providers::WatchRequest watch;
  watch.topic = provider->push_topic;
  watch.notification_url = provider->notification_url;
  if (!watch.notification_url.empty()) watch.client_state = client_state_for(mb->id);
  bool force_watch = false;
  bool drop_watch_state = false;
  {
    std::lock_guard lock(mu_);
    auto& slot = slots_[mb->id];
    force_watch = std::exchange(slot.renew_watch, false);
    drop_watch_state = std::exchange(slot.drop_watch_state, false);
  }
  MailboxRun run(RunContext{store,
                            *mb,
                            *contract,
                            *index,
                            *provider->oauth,
                            *provider->mail,
                            watch,
                            *budget,
                            vault_,
                            *deps_.metrics,
                            stopping_,
                            deps_.now_ms,
                            config_.backfill_days,
                            config_.watch_renew_s,
                            config_.addresses_per_query,
                            force_watch,
                            drop_watch_state,
                            config_.crash_point,
                            config_.watch_retry_base_s,
                            config_.watch_retry_cap_s,
                            deps_.log});
  const Status outcome = run.execute();
  if (!outcome && store::is_lease_lost(outcome.error())) {  // another node has it now: its run saves
    deps_.log("info", "mailbox " + std::to_string(mb->id) + ": lease lost, run stopped");
    return false;
  }
  (void)store.save_quota_window(mb->id, budget->save());  // best effort: a lost save only forgets spends
  if (!outcome && (force_watch || drop_watch_state)) {    // not done yet: the next run must still do it
    std::lock_guard lock(mu_);
    auto& slot = slots_[mb->id];
    slot.renew_watch = slot.renew_watch || force_watch;
    slot.drop_watch_state = slot.drop_watch_state || drop_watch_state;
  }
  if (stopping_ && !outcome) return false;  // interrupted by shutdown: the next start resumes
  auto fresh = store.get_mailbox(mailbox_id);
  finish_run(store, fresh ? *fresh : *mb, outcome);
  return outcome.ok();
}

void Engine::finish_run(store::Store& store, const store::Mailbox& mb, const Status& outcome) {
  const std::int64_t now = now_ms();
  deps_.metrics->increment(
      "hiresync_sync_runs_total",
      {{"provider", mb.provider}, {"outcome", outcome ? "ok" : model::to_string(outcome.error().code)}});
  if (mb.state == "disconnected" || mb.state == "disabled") return;  // changed while the run ran
  if (outcome) {
    {
      std::lock_guard lock(mu_);
      slots_[mb.id].failures = 0;
    }
    (void)store.mark_synced(mb.id, now / 1000, true);
    (void)store.set_mailbox_state(mb.id, "live", "", "", 0);
    // The fallback poll; the worker brings it forward for a rerun or a push follow-up.
    enqueue(mb.id, static_cast<std::int64_t>(config_.poll_interval_s) * 1000);
    return;
  }
  const model::Error& e = outcome.error();
  deps_.log(e.code == ErrorCode::kRateLimited || e.code == ErrorCode::kTransient ? "warn" : "error",
            "mailbox " + std::to_string(mb.id) + " run failed: " + model::to_string(e.code) +
                (e.problem.empty() ? "" : " (" + e.problem + ")") + ": " + e.detail);
  int failures = 0;
  std::int64_t delay = 0;
  {
    std::lock_guard lock(mu_);
    failures = ++slots_[mb.id].failures;
    delay = backoff_ms(failures, config_.backoff_base_ms, config_.backoff_cap_ms, rng_);
  }
  (void)store.mark_synced(mb.id, now / 1000, false);
  switch (e.code) {
    case ErrorCode::kConsentRequired:
    case ErrorCode::kAuthExpired:
      (void)store.set_mailbox_state(mb.id, "needs_reauth", e.problem.empty() ? "access_revoked" : e.problem,
                                    e.detail, 0);
      return;
    case ErrorCode::kRateLimited:
      if (e.retry_after_s > 0) delay = e.retry_after_s * 1000LL;
      (void)store.set_mailbox_state(mb.id, "throttled", "rate_limited", e.detail, (now + delay) / 1000);
      break;
    default:
      (void)store.set_mailbox_state(mb.id, "error", e.problem.empty() ? "provider_error" : e.problem,
                                    e.detail, (now + delay) / 1000);
      break;
  }
  enqueue(mb.id, delay);
}

void Engine::contract_settings_changed(model::Id contract_id) {
  invalidate_index(contract_id);
  auto store = api_store();
  if (!store) return;
  auto contract = (*store)->get_contract(contract_id);
  auto mailboxes = (*store)->syncable_mailboxes(contract_id);
  if (!contract || !mailboxes) return;
  const std::string chosen = model::to_string(contract->settings.email_provider);
  for (const auto& mb : *mailboxes) {
    if (mb.provider != chosen) {
      const char* cause = contract->settings.email_provider == model::EmailProvider::kNone
                              ? "sync_not_enabled"
                              : "wrong_provider";
      (void)(*store)->set_mailbox_state(mb.id, "disabled", cause, "contract settings changed", 0);
    } else if (mb.state == "disabled") {
      (void)(*store)->set_mailbox_state(mb.id, "connecting", "reenabled", "", 0);
      enqueue(mb.id, 0);
    } else {
      enqueue(mb.id, 0);  // internal domains may have changed
    }
  }
}

void Engine::candidate_added(model::Id contract_id, model::Id member_id) {
  invalidate_index(contract_id);
  auto store = api_store();
  if (!store) return;
  auto mailboxes = (*store)->syncable_mailboxes(contract_id);
  if (!mailboxes) return;
  for (const auto& mb : *mailboxes) {
    if (!is_syncing_state(mb.state)) continue;
    if ((*store)->add_targeted_backfill(mb.id, member_id)) enqueue(mb.id, 0);
  }
}

}  // namespace hiresync::sync
