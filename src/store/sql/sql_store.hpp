// Store (store/store.hpp) over SQL, on either backend of store/sql/sql_db.hpp: a SQLite file, the
// default for one machine and for `make demo`, or a PostgreSQL database shared by a cluster
// (docs/postgres.md). The statements are the same text on both except the few named per dialect.
#pragma once

#include <climits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/cluster_store.hpp"
#include "store/sql/sql_db.hpp"
#include "store/store.hpp"

// The condition on `mailboxes m` of a mailbox the engine syncs (Store::syncable_mailboxes), shared
// by the cluster's leases so both count the same mailboxes.
#define HIRESYNC_SYNCABLE "m.provider NOT IN ('import', 'inmail') AND m.state != 'disconnected'"

namespace hiresync::store {

class SqlStore final : public Store, public ClusterStore {
 public:
  // Opens `db` — a PostgreSQL URI (postgresql://...) or else a SQLite path, created when missing —
  // and applies every pending migration up to `max_version` (tests use a lower one to build an
  // "older" database). Each migration runs in its own transaction with its row in
  // schema_migrations, so a crash leaves a consistent version. Errors: kInternal when the file
  // cannot be opened or a migration fails (detail names it), kTransient when the PostgreSQL server
  // cannot be reached.
  static Result<std::unique_ptr<SqlStore>> open(const std::string& db, int max_version = INT_MAX);
  // Opens `db` without migrating: kInvalidArgument, saying to run `hiresync migrate`, when its
  // schema is older than this build's (what a cluster node does: migrations are an operator's step).
  static Result<std::unique_ptr<SqlStore>> open_current(const std::string& db);
  // A store over an open connection, migrated up to `max_version` the same way.
  static Result<std::unique_ptr<SqlStore>> open(std::unique_ptr<sql::Db> db, int max_version = INT_MAX);

  // The highest applied migration version (0 for an empty database).
  Result<int> schema_version();
  // Which database is behind this store (serve runs the cluster only on PostgreSQL).
  sql::Dialect dialect() const { return db_->dialect(); }
  // The migrations this store applied when it was opened, in order (what `hiresync migrate` reports).
  const std::vector<std::string>& applied_migrations() const { return applied_; }

  Result<std::unique_ptr<Transaction>> begin(std::string_view name) override;
  bool in_transaction() const override { return db_->tx_depth() > 0; }

  Result<Id> upsert_contract(const std::string& name, const model::ContractSettings& settings) override;
  Result<model::Contract> get_contract(Id contract_id) override;
  Result<Id> upsert_user(const model::User& user, const std::string& password_hash) override;
  Result<model::User> find_user_by_email(std::string_view email) override;
  Result<std::string> password_hash_of(Id user_id) override;

  Result<Id> upsert_member(const model::Member& member, const std::vector<std::string>& canonicals) override;
  Result<model::Member> find_member_by_canonical(std::string_view canonical) override;
  Result<model::Member> get_member(Id member_id) override;
  Result<std::vector<model::Member>> list_members() override;

  Result<Id> upsert_project(Id contract_id, const std::string& name) override;
  Status set_project_candidates(Id project_id, const std::vector<Id>& member_ids) override;
  Status add_candidate(Id project_id, Id member_id) override;
  Status remove_candidate(Id project_id, Id member_id) override;
  Result<std::vector<Id>> saved_member_ids(Id contract_id) override;

  Result<Mailbox> ensure_mailbox(Id user_id, const std::string& provider, const std::string& address,
                                 const std::string& canonical_address) override;
  Status add_mailbox_counts(Id mailbox_id, const MailboxCounts& counts) override;
  Result<MailboxCounts> mailbox_counts(Id mailbox_id) override;

  Result<std::optional<StoredMessageRef>> find_message(Id mailbox_id,
                                                       std::string_view provider_message_id) override;
  Result<Id> insert_message(const NewMessage& message) override;
  Status link_candidate(Id message_id, Id member_id, Id thread_id) override;
  Result<std::vector<Id>> threads_with_keys(Id owner_user_id, Id member_id,
                                            const std::vector<std::string>& keys) override;
  Result<Id> create_thread(Id owner_user_id, Id member_id, Id contract_id, const std::string& subject,
                           std::int64_t last_message_at) override;
  Status merge_thread(Id into, Id from) override;
  Status add_thread_keys(Id thread_id, Id owner_user_id, Id member_id,
                         const std::vector<std::string>& keys) override;
  Status touch_thread(Id thread_id, std::int64_t message_time) override;
  Result<std::vector<ThreadSummary>> threads_of(Id owner_user_id, Id member_id) override;
  Result<std::vector<Id>> thread_message_ids(Id thread_id) override;
  Result<std::int64_t> count_messages(Id mailbox_id) override;

  // Sessions and the API's reads: sql_store_api.cpp.
  Status create_session(const std::string& token_digest, Id user_id, std::int64_t now,
                        std::int64_t expires_at) override;
  Result<model::User> session_user(const std::string& token_digest, std::int64_t now) override;
  Status delete_session(const std::string& token_digest) override;
  Status ping() override;
  Result<Id> create_contract(const std::string& name, const model::ContractSettings& settings) override;
  Status update_contract_settings(Id contract_id, const model::ContractSettings& settings) override;
  Result<model::User> get_user(Id user_id) override;
  Status update_member(const model::Member& member, const std::vector<std::string>& canonicals) override;
  Result<std::vector<Id>> contracts_of_candidate(Id member_id) override;
  Result<bool> is_candidate(Id contract_id, Id member_id) override;
  Result<ProjectInfo> get_project(Id project_id) override;
  Result<std::vector<ProjectInfo>> list_projects(Id contract_id) override;
  Result<std::vector<VisibleThread>> visible_threads(Id viewer_user_id, Id contract_id,
                                                     Id member_id) override;

  Result<std::vector<model::User>> list_users(Id contract_id) override;
  Result<MessageDetail> visible_message(Id viewer_user_id, Id contract_id, Id message_id) override;
  Status set_message_visibility(Id message_id, model::Visibility visibility) override;
  Result<ThreadRef> visible_thread(Id viewer_user_id, Id contract_id, Id thread_id) override;
  Result<std::int64_t> set_thread_visibility(Id thread_id, model::Visibility visibility) override;
  Result<std::vector<PipelineEntry>> pipeline(Id viewer_user_id, Id contract_id, Id project_id) override;
  Result<std::optional<model::User>> mailbox_holder(Id contract_id, const std::string& canonical_address,
                                                    Id except_user_id) override;
  Result<std::vector<MemberProject>> projects_of_member(Id member_id) override;
  Result<std::vector<MessageDetail>> messages_of_person(const std::vector<std::string>& canonicals,
                                                        Id member_id) override;

  Result<Mailbox> get_mailbox(Id mailbox_id) override;
  Result<Mailbox> mailbox_of_user(Id user_id) override;
  Result<std::vector<Mailbox>> syncable_mailboxes(Id contract_id) override;
  Result<std::vector<Mailbox>> mailboxes_by_address(const std::string& provider,
                                                    const std::string& canonical_address) override;
  Result<Mailbox> connect_mailbox(Id user_id, const std::string& provider, const std::string& address,
                                  const std::string& canonical_address,
                                  const std::string& token_ciphertext) override;
  Status set_mailbox_state(Id mailbox_id, const std::string& state, const std::string& cause,
                           const std::string& detail, std::int64_t retry_at) override;
  Status save_tokens(Id mailbox_id, const std::string& token_ciphertext) override;
  Status save_cursor(Id mailbox_id, const std::string& cursor) override;
  Status save_quota_window(Id mailbox_id, const std::string& window) override;
  Result<std::string> quota_window(Id mailbox_id) override;
  Status set_backfill_progress(Id mailbox_id, std::int64_t done, std::int64_t total) override;
  Status mark_synced(Id mailbox_id, std::int64_t now, bool complete) override;
  Result<std::vector<std::pair<std::string, std::string>>> mailbox_events(Id mailbox_id) override;
  Result<bool> was_seen(Id mailbox_id, std::string_view provider_message_id) override;
  Status mark_seen(Id mailbox_id, std::string_view provider_message_id) override;
  Status record_fetch_failure(Id mailbox_id, std::string_view provider_message_id,
                              const std::string& error) override;
  Status clear_fetch_failure(Id mailbox_id, std::string_view provider_message_id) override;
  Status create_oauth_state(const std::string& state_digest, const OAuthState& state) override;
  Result<OAuthState> take_oauth_state(const std::string& state_digest, std::int64_t now) override;
  Status set_pending_authorization(const PendingAuthorization& pending) override;
  Status clear_pending_authorization(Id user_id) override;
  Result<std::optional<PendingAuthorization>> pending_authorization(Id user_id) override;
  Status record_push_problem(Id mailbox_id, const std::string& cause, const std::string& detail,
                             std::int64_t now, std::int64_t retry_at) override;
  Status clear_push_problem(Id mailbox_id) override;
  Result<std::optional<PushProblem>> push_problem(Id mailbox_id) override;
  Result<std::vector<PushProblem>> push_problems(Id contract_id) override;
  Status add_targeted_backfill(Id mailbox_id, Id member_id) override;
  Result<std::vector<Id>> targeted_backfills(Id mailbox_id) override;
  Status remove_targeted_backfill(Id mailbox_id, Id member_id) override;

  Status add_suppression(const std::string& kind, const std::string& digest) override;
  Result<bool> is_suppressed(const std::string& kind, const std::string& digest) override;
  Result<std::vector<std::string>> suppressed_digests(const std::string& kind) override;
  Result<std::vector<std::string>> erase_messages_of(const std::vector<std::string>& canonicals,
                                                     Id member_id) override;
  Status audit(const std::string& actor, const std::string& action, const std::string& subject,
               const std::string& detail) override;

  // ClusterStore: sql_store_cluster.cpp.
  Status heartbeat(const std::string& node, const std::string& address, std::int64_t now_ms,
                   std::int64_t queue_depth) override;
  Result<std::vector<ClusterNode>> cluster_nodes(std::int64_t now_ms) override;
  Status remove_node(const std::string& node, std::int64_t now_ms) override;
  Result<std::int64_t> syncable_count() override;
  Result<std::vector<Lease>> claim(const std::string& node, std::int64_t now_ms, std::int64_t lease_ms,
                                   std::int64_t max) override;
  Result<std::vector<Lease>> renew(const std::string& node, std::int64_t now_ms,
                                   std::int64_t lease_ms) override;
  Status release(const std::string& node, const std::vector<Id>& mailbox_ids) override;
  Result<bool> request_wakeup(Id mailbox_id, std::int64_t now_ms, std::int64_t flags) override;
  Result<std::vector<Wakeup>> take_wakeups(const std::string& node) override;
  void set_fence(Id mailbox_id, const std::string& node, std::int64_t epoch) override {
    fence_ = Fence{mailbox_id, node, epoch};
  }
  void clear_fence() override { fence_.reset(); }

 private:
  struct Fence {
    Id mailbox_id = 0;
    std::string node;
    std::int64_t epoch = 0;
  };

  explicit SqlStore(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
  Status migrate(int max_version);
  // One message in full by a detail query (kSelectMessageDetail*) already bound; kNotFound when no row.
  Result<MessageDetail> read_message_detail(sql::Stmt& q, Id message_id);
  // The contract of a user; kNotFound when there is no such user.
  Result<Id> contract_of_user(Id user_id);
  // Ids of every message with a participant among `canonicals` or linked to `member_id` (0: none):
  // what a GDPR export shows and an erasure deletes.
  Result<std::set<Id>> message_ids_of_person(const std::vector<std::string>& canonicals, Id member_id);
  // Success when no other user of the contract holds `canonical_address` for `provider` in a
  // mailbox that is not disconnected; kConflict with the holder's email as detail otherwise.
  Status check_address_free(Id contract_id, const std::string& canonical_address, const std::string& provider,
                            Id user_id);
  // Runs `fn` atomically: in its own transaction, or as part of the caller's when one is open.
  template <typename Fn>
  auto in_tx(std::string_view name, Fn&& fn) -> decltype(fn());
  // Runs `fn`, a write about a mailbox: as it is when no fence is set (no cost: one node, API
  // threads); otherwise atomically (in_tx) after check_fence(), so the check and the write commit
  // together or not at all. Every mailbox write of the store goes through here.
  template <typename Fn>
  auto mailbox_write(std::string_view name, Fn&& fn) -> decltype(fn());
  // Success when the fence's node still holds the lease at the fence's epoch (on PostgreSQL the
  // lease row stays share-locked until the transaction ends, so a takeover waits for the write);
  // kConflict kLeaseLost otherwise.
  Status check_fence();

  std::unique_ptr<sql::Db> db_;
  std::vector<std::string> applied_;
  std::optional<Fence> fence_;
};

// Seconds since the Unix epoch (store timestamps are integers).
std::int64_t unix_now();

// The user of the current row of a statement selecting (id, contract_id, email, name, role).
model::User read_user_row(const sql::Stmt& q);

// Inside the caller's transaction no savepoint is opened: the caller's transaction already makes
// the whole unit atomic (each savepoint made SQLite journal every page it touched, a fifth of an
// import's cost), and a caller that wants a failed step undone alone opens its own with begin().
template <typename Fn>
auto SqlStore::in_tx(std::string_view name, Fn&& fn) -> decltype(fn()) {
  if (db_->tx_depth() > 0) return fn();
  if (auto st = db_->begin_tx(name); !st) return st.error();
  auto result = fn();
  if (!result) {
    db_->rollback_tx();
    return result;
  }
  if (auto st = db_->commit_tx(); !st) {
    db_->rollback_tx();
    return st.error();
  }
  return result;
}

template <typename Fn>
auto SqlStore::mailbox_write(std::string_view name, Fn&& fn) -> decltype(fn()) {
  if (!fence_) return fn();
  return in_tx(name, [&]() -> decltype(fn()) {
    if (auto st = check_fence(); !st) return st.error();
    return fn();
  });
}

}  // namespace hiresync::store
