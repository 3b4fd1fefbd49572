// The sync engine (shared/DESIGN.md "Sync engine"): a scheduler, bounded worker threads, and one
// run per mailbox at a time. It implements SyncService for the API.
//
// Scheduling. Every syncable mailbox has at most one pending job (a due time). A push, "sync now",
// a new candidate or a reconnect makes it due now; a finished run schedules the next one: the
// fallback poll (live), the provider's Retry-After (throttled), or backoff with jitter (error).
// A job that comes due while the mailbox runs marks it for an immediate rerun instead (so a push
// that lands mid-run is never lost). Because Gmail drops pushes above one per second per user, a
// mailbox stays "hot" for push_hot_window_ms after each push: short change polls every
// push_hot_poll_ms, so mail whose own push was dropped shows within a poll, not at the fallback.
//
// States (stored with their cause; model/problems.hpp codes where a person can act):
// connecting -> backfilling -> live; throttled (until retry_at); error (retrying with backoff);
// needs_reauth (the grant is gone: revoked refresh token, consent or policy problem, no mailbox);
// disabled (the contract turned syncing off or chose another provider); disconnected (the user
// deauthorized). What one run does is in mailbox_run.hpp.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/secret_box.hpp"
#include "match/candidate_index.hpp"
#include "metrics/metrics.hpp"
#include "providers/google/google.hpp"
#include "providers/provider.hpp"
#include "store/store.hpp"
#include "sync/budget.hpp"
#include "sync/placement.hpp"
#include "sync/service.hpp"
#include "sync/tokens.hpp"

namespace hiresync::sync {

struct EngineConfig {
  int workers = 4;              // concurrent mailbox runs, across all mailboxes
  int backfill_days = 365;      // the window searched on connect
  int poll_interval_s = 600;    // fallback poll of a live mailbox
  int watch_renew_s = 86400;    // Gmail users.watch renewal
  int units_per_minute = 6000;  // per-user provider budget (Gmail quota units)
  // After a push the mailbox stays hot: runs repeat every push_hot_poll_ms until one has started
  // push_hot_window_ms after the push (each a change read: Gmail history.list, 2 units; Graph
  // one delta request per folder). The window must exceed Gmail's 1 s push gap (docs/sync.md).
  int push_hot_window_ms = 3000;
  int push_hot_poll_ms = 200;
  // An authorization that has not come back after this long shows as not finished.
  int authorization_timeout_s = 180;
  // Gmail push JWT failures of one cause, in a row, within the window, that raise a problem.
  int push_jwt_threshold = 3;
  int push_jwt_window_s = 600;
  // A failed watch/subscription is retried after base * 2^(failures-1), capped (forced renewals
  // such as a new grant or Graph's reauthorizationRequired go at once).
  int watch_retry_base_s = 60;
  int watch_retry_cap_s = 21600;
  std::int64_t backoff_base_ms = 1000;
  std::int64_t backoff_cap_ms = 300000;
  int addresses_per_query = 8;  // candidate addresses per provider search
  // Fault injection for crash tests (empty in production): the run ends the process, as SIGKILL
  // would, at this point: "refresh_response" (a refresh answered, nothing stored yet) or
  // "refresh_stored" (the rotated tokens stored, not used yet).
  std::string crash_point;
};

// One provider's clients. Pointers are borrowed and must outlive the engine.
struct ProviderClients {
  providers::OAuthClient* oauth = nullptr;
  providers::MailClient* mail = nullptr;
  providers::google::PushVerifier* google_push = nullptr;
  std::string push_topic;        // Gmail watch topic
  std::string notification_url;  // Graph subscriptions' webhook (ours)
  // The provider's per-mailbox budget: units per window. 0 units: EngineConfig::units_per_minute
  // per 61 s (Gmail's per-minute quota with a second of margin).
  std::int64_t budget_units = 0;
  std::int64_t budget_window_ms = 61000;
};

struct EngineDeps {
  // Opens a Store for one thread (each worker and each API call path opens its own).
  std::function<model::Result<std::unique_ptr<store::Store>>()> open_store;
  const crypto::SecretBox* box = nullptr;
  metrics::Registry* metrics = nullptr;
  std::map<std::string, ProviderClients> providers;  // "google" -> clients
  Clock now_ms;                                      // defaults to the system clock
  // Structured log sink (level, message); may be empty. Messages name mailboxes by id and carry
  // error details, never tokens, addresses of candidates or message content.
  std::function<void(const char* level, const std::string& message)> log;
  // The cluster when serve runs on PostgreSQL (borrowed; must outlive the engine); null: this node
  // syncs every mailbox. Runs are then fenced by the node's lease (store/cluster_store.hpp).
  Placement* placement = nullptr;
  // How GET /api/ops/cluster names this node when there is no cluster.
  std::string node_id;
  std::string node_address;
};

class Engine final : public SyncService {
 public:
  Engine(EngineConfig config, EngineDeps deps);
  ~Engine() override;  // stops and joins
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the workers and schedules every syncable mailbox now (a backfill interrupted by a crash
  // resumes from its stored position). kInternal when the store cannot be opened.
  model::Status start();
  // Stops scheduling, lets running runs stop at their next provider call, joins. Idempotent.
  void stop();

  // SyncService
  model::Result<std::string> begin_authorize(const model::User& user, std::string_view session_key,
                                             std::string_view requested_provider) override;
  model::Result<AuthorizeOutcome> finish_authorize(std::string_view session_key, std::string_view state,
                                                   std::string_view code, std::string_view error,
                                                   std::string_view error_description) override;
  model::Result<MailboxStatus> status(model::Id user_id) override;
  model::Status sync_now(model::Id user_id) override;
  model::Status deauthorize(model::Id user_id) override;
  model::Result<Explanation> explain(const model::User& user, std::string_view provider_message_id,
                                     std::string_view raw) override;
  model::Result<std::vector<RecentMessage>> recent_messages(const model::User& user, int limit) override;
  model::Status google_push(std::string_view authorization_header, std::string_view body) override;
  model::Result<std::optional<UnfinishedAuthorization>> unfinished_authorization(model::Id user_id) override;
  model::Result<std::vector<OpsProblem>> problems(model::Id contract_id) override;
  model::Status microsoft_notifications(std::string_view body) override;
  void contract_settings_changed(model::Id contract_id) override;
  void candidate_added(model::Id contract_id, model::Id member_id) override;
  void candidates_changed(model::Id contract_id) override { invalidate_index(contract_id); }
  model::Result<std::vector<ClusterNodeStatus>> cluster() override;

  // Makes the mailbox due at now + delay_ms (or marks a running one for a rerun). An earlier due
  // time already queued wins. In a cluster, a mailbox another node holds is that node's: a wakeup
  // now (delay 0) goes to it (Placement::wake_holder), a later one is dropped.
  void enqueue(model::Id mailbox_id, std::int64_t delay_ms = 0);
  // A change signal (push): due now, then hot (short polls) for push_hot_window_ms.
  void signal(model::Id mailbox_id);
  // A wakeup with store::kWake* flags (push, renew or recreate the watch): applied here when this
  // node syncs the mailbox, handed to its holder otherwise.
  void wake(model::Id mailbox_id, std::int64_t flags);
  // Forgets the mailbox's queued job: the cluster moved it to another node (a run in flight stops
  // at its next write, fenced).
  void drop(model::Id mailbox_id);
  // Jobs due now and waiting for a worker (GET /api/ops/cluster's backlog).
  std::int64_t queue_depth();
  // The candidate index of a contract, loaded once and shared until something changes it.
  model::Result<std::shared_ptr<const match::CandidateIndex>> index_for(store::Store& store,
                                                                        model::Id contract_id);
  // Forgets the cached candidate index of a contract (0: of every contract).
  void invalidate_index(model::Id contract_id);

 private:
  // A connected mailbox's provider clients and current access token (troubleshooting calls).
  struct MailboxAccess {
    const ProviderClients* clients = nullptr;
    std::string access_token;
  };
  // kConsentRequired ("access_revoked") without tokens; provider_failure's answer when the stored
  // access token has expired.
  model::Result<MailboxAccess> mailbox_access(const store::Mailbox& mailbox);
  // A provider call's error as the API should see it: an expired access token wakes the mailbox's
  // run (which renews it) and becomes kTransient "access_renewing"; anything else is unchanged.
  model::Error provider_failure(const model::Error& error, model::Id mailbox_id);

  struct MailboxSlot {
    bool running = false;
    bool rerun = false;
    int failures = 0;                 // consecutive failed runs (backoff)
    std::int64_t last_signal_ms = 0;  // when the last push arrived (the hot window keys on it)
    bool renew_watch = false;         // renew push: Graph asked, or a new grant was just stored
    bool drop_watch_state = false;    // Graph removed them: create new ones
  };
  struct Due {
    std::int64_t at_ms;
    model::Id mailbox_id;
    bool operator<(const Due& o) const {
      return at_ms != o.at_ms ? at_ms < o.at_ms : mailbox_id < o.mailbox_id;
    }
  };

  void worker_loop();
  // Runs one mailbox; true when the run completed (the mailbox is live).
  bool run_mailbox(store::Store& store, model::Id mailbox_id);
  // The run itself, under the lease's fence when in a cluster.
  bool run_fenced(store::Store& store, model::Id mailbox_id);
  // True when this node syncs the mailbox: always without a cluster, else while it holds the lease.
  bool syncs_here(model::Id mailbox_id) const;
  // After a run: the next due time from the outcome; records the state.
  void finish_run(store::Store& store, const store::Mailbox& mailbox, const model::Status& outcome);
  const ProviderClients* clients(const std::string& provider) const;
  std::shared_ptr<QuotaBudget> budget_for(store::Store& store, model::Id mailbox_id,
                                          const ProviderClients& provider);
  // The clientState of a mailbox's Graph subscriptions: "<mailbox id>.<MAC>", recognized without
  // storing it, and different for every mailbox and every secret key.
  std::string client_state_for(model::Id mailbox_id) const;
  std::int64_t now_ms() const { return deps_.now_ms(); }
  // A store for a call from an API thread, borrowed from a small pool (opening SQLite and checking
  // migrations on every status request would cost more than the request) and returned when the
  // lease dies.
  struct StoreReturn {
    Engine* engine;
    void operator()(store::Store* s) const;
  };
  using StoreLease = std::unique_ptr<store::Store, StoreReturn>;
  model::Result<StoreLease> api_store();

  // Gmail push JWT failures (push_problems.cpp): counted per reason, in a row; raised (logged
  // once, counted in metrics, listed by problems()) at the threshold; all forgotten at the next
  // push that verifies.
  struct JwtFailures {
    std::vector<std::int64_t> recent_ms;  // failures within the window
    std::int64_t since_ms = 0;            // first failure in a row
    std::int64_t count = 0;               // failures in a row
    std::int64_t raised_ms = 0;           // when the problem was raised; 0 = not (yet)
    std::string detail;
  };
  void push_verified();
  void push_rejected(const model::Error& error);

  EngineConfig config_;
  EngineDeps deps_;
  TokenVault vault_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<Due> queue_;                       // ordered by due time
  std::map<model::Id, std::int64_t> due_at_;  // mailbox -> its entry in queue_
  std::map<model::Id, MailboxSlot> slots_;
  std::map<model::Id, std::shared_ptr<QuotaBudget>> budgets_;
  std::map<model::Id, std::pair<std::int64_t, std::shared_ptr<const match::CandidateIndex>>> indexes_;
  // Bumped by every invalidation: an index whose load began before one is used once, never cached
  // (it may have read the candidates from before the change).
  std::uint64_t index_generation_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<store::Store>> pool_;  // idle stores for API calls
  std::mutex jwt_mu_;
  std::map<std::string, JwtFailures> jwt_failures_;  // reason -> failures in a row
};

}  // namespace hiresync::sync
