// ClusterStore over SQL (store/cluster_store.hpp): node rows, mailbox leases with a fencing epoch,
// wakeups. SQLite runs them too (its BEGIN IMMEDIATE serializes them); on PostgreSQL (READ
// COMMITTED) every takeover is one conditional upsert, atomic per lease row, and lease rows another
// transaction holds are skipped rather than waited for.
#include "store/sql/sql_store.hpp"

namespace hiresync::store {

using model::ErrorCode;
using model::make_error;

namespace {

constexpr const char* kUpsertNode =
    "INSERT INTO cluster_nodes (id, address, started_at, heartbeat_at_ms, queue_depth)"
    " VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT (id) DO UPDATE SET address = excluded.address,"
    " heartbeat_at_ms = excluded.heartbeat_at_ms, queue_depth = excluded.queue_depth";
constexpr const char* kSelectNodes =
    "SELECT n.id, n.address, n.started_at, n.heartbeat_at_ms, n.queue_depth,"
    " (SELECT COUNT(*) FROM mailbox_leases l WHERE l.holder = n.id AND l.expires_at_ms > ?1)"
    " FROM cluster_nodes n ORDER BY n.id";
constexpr const char* kDeleteNode = "DELETE FROM cluster_nodes WHERE id = ?1";
constexpr const char* kCountSyncable = "SELECT COUNT(*) FROM mailboxes m WHERE " HIRESYNC_SYNCABLE;

// Mailboxes never leased: read without locks, since the upsert below decides a race by itself.
constexpr const char* kSelectUnleased =
    "SELECT m.id FROM mailboxes m WHERE " HIRESYNC_SYNCABLE
    " AND NOT EXISTS (SELECT 1 FROM mailbox_leases l WHERE l.mailbox_id = m.id) ORDER BY m.id LIMIT ?1";
// Lapsed leases. On PostgreSQL a lease row locked by another claimer, or share-locked by its
// holder's write in flight, is skipped (taken at a later heartbeat) instead of waited for.
constexpr sql::DialectSql kSelectLapsed{
    "SELECT l.mailbox_id FROM mailbox_leases l JOIN mailboxes m ON m.id = l.mailbox_id"
    " WHERE l.expires_at_ms <= ?1 AND " HIRESYNC_SYNCABLE " ORDER BY l.mailbox_id LIMIT ?2",
    "SELECT l.mailbox_id FROM mailbox_leases l JOIN mailboxes m ON m.id = l.mailbox_id"
    " WHERE l.expires_at_ms <= ?1 AND " HIRESYNC_SYNCABLE
    " ORDER BY l.mailbox_id LIMIT ?2"
    " FOR UPDATE OF l SKIP LOCKED"};
// Takes the lease when there is none or it has lapsed; otherwise changes nothing (0 rows). The
// epoch grows on every take, so an earlier holder's fence no longer matches.
constexpr const char* kTakeLease =
    "INSERT INTO mailbox_leases (mailbox_id, holder, expires_at_ms, epoch) VALUES (?1, ?2, ?3, 1)"
    " ON CONFLICT (mailbox_id) DO UPDATE SET holder = excluded.holder,"
    " expires_at_ms = excluded.expires_at_ms, epoch = mailbox_leases.epoch + 1"
    " WHERE mailbox_leases.expires_at_ms <= ?4";
constexpr const char* kSelectEpoch = "SELECT epoch FROM mailbox_leases WHERE mailbox_id = ?1";
// A released lease keeps its row (and epoch) with no holder, lapsed: claimable at once.
constexpr const char* kReleaseUnsyncable =
    "UPDATE mailbox_leases SET holder = '', expires_at_ms = 0 WHERE holder = ?1 AND mailbox_id NOT IN"
    " (SELECT m.id FROM mailboxes m WHERE " HIRESYNC_SYNCABLE ")";
constexpr const char* kRenew = "UPDATE mailbox_leases SET expires_at_ms = ?2 WHERE holder = ?1";
constexpr const char* kSelectHeld =
    "SELECT mailbox_id, epoch FROM mailbox_leases WHERE holder = ?1 ORDER BY mailbox_id";
constexpr const char* kReleaseAll =
    "UPDATE mailbox_leases SET holder = '', expires_at_ms = 0 WHERE holder = ?1";
constexpr const char* kReleaseOne =
    "UPDATE mailbox_leases SET holder = '', expires_at_ms = 0 WHERE holder = ?1 AND mailbox_id = ?2";
constexpr const char* kUpsertWakeup =
    "INSERT INTO mailbox_wakeups (mailbox_id, requested_at_ms, flags) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (mailbox_id) DO UPDATE SET flags = mailbox_wakeups.flags | excluded.flags";
constexpr const char* kCountLiveLease =
    "SELECT COUNT(*) FROM mailbox_leases WHERE mailbox_id = ?1 AND holder != '' AND expires_at_ms > ?2";
constexpr const char* kSelectWakeups =
    "SELECT w.mailbox_id, w.flags FROM mailbox_wakeups w JOIN mailbox_leases l"
    " ON l.mailbox_id = w.mailbox_id WHERE l.holder = ?1 ORDER BY w.mailbox_id";
constexpr const char* kDeleteWakeup = "DELETE FROM mailbox_wakeups WHERE mailbox_id = ?1";
// NOTIFY is sent when the transaction commits; SQLite has no listeners (one node), so its text
// only evaluates the parameter.
constexpr sql::DialectSql kNotifyWakeup{"SELECT CAST(?1 AS TEXT)",
                                        "SELECT pg_notify('hiresync_wakeup', CAST(?1 AS TEXT))"};
constexpr sql::DialectSql kNotifyCluster{"SELECT 0", "SELECT pg_notify('hiresync_cluster', '')"};
// FOR SHARE: a takeover's upsert of this row waits until the fenced write commits or rolls back,
// so a write is either before the takeover or sees its new epoch and fails.
constexpr sql::DialectSql kCheckFence{
    "SELECT epoch FROM mailbox_leases WHERE mailbox_id = ?1 AND holder = ?2 AND epoch = ?3",
    "SELECT epoch FROM mailbox_leases WHERE mailbox_id = ?1 AND holder = ?2 AND epoch = ?3 FOR SHARE"};

}  // namespace

Status SqlStore::check_fence() {
  auto q = db_->prepare(kCheckFence);
  if (!q) return q.error();
  auto held = q->bind_all(fence_->mailbox_id, fence_->node, fence_->epoch).single_int();
  if (held) return Status();
  if (held.error().code == ErrorCode::kNotFound) return make_error(ErrorCode::kConflict, kLeaseLost);
  return held.error();
}

Status SqlStore::heartbeat(const std::string& node, const std::string& address, std::int64_t now_ms,
                           std::int64_t queue_depth) {
  auto q = db_->prepare(kUpsertNode);
  if (!q) return q.error();
  return q->bind_all(node, address, now_ms, queue_depth).run();
}

Result<std::vector<ClusterNode>> SqlStore::cluster_nodes(std::int64_t now_ms) {
  auto q = db_->prepare(kSelectNodes);
  if (!q) return q.error();
  q->bind_all(now_ms);
  std::vector<ClusterNode> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(
        ClusterNode{q->text_at(0), q->text_at(1), q->int_at(2), q->int_at(3), q->int_at(4), q->int_at(5)});
  }
}

Status SqlStore::remove_node(const std::string& node, std::int64_t /*now_ms*/) {
  return in_tx("remove_node", [&]() -> Status {
    auto del = db_->prepare(kDeleteNode);
    if (!del) return del.error();
    if (auto st = del->bind_all(node).run(); !st) return st;
    auto rel = db_->prepare(kReleaseAll);
    if (!rel) return rel.error();
    if (auto st = rel->bind_all(node).run(); !st) return st;
    auto notify = db_->prepare(kNotifyCluster);
    if (!notify) return notify.error();
    return notify->run();
  });
}

Result<std::int64_t> SqlStore::syncable_count() {
  auto q = db_->prepare(kCountSyncable);
  if (!q) return q.error();
  return q->single_int();
}

Result<std::vector<Lease>> SqlStore::claim(const std::string& node, std::int64_t now_ms,
                                           std::int64_t lease_ms, std::int64_t max) {
  if (max <= 0) return std::vector<Lease>{};
  return in_tx("claim", [&]() -> Result<std::vector<Lease>> {
    auto unleased = db_->prepare(kSelectUnleased);
    if (!unleased) return unleased.error();
    auto ids = unleased->bind_all(max).ints();
    if (!ids) return ids.error();
    if (static_cast<std::int64_t>(ids->size()) < max) {
      auto lapsed = db_->prepare(kSelectLapsed);
      if (!lapsed) return lapsed.error();
      auto more = lapsed->bind_all(now_ms, max - static_cast<std::int64_t>(ids->size())).ints();
      if (!more) return more.error();
      ids->insert(ids->end(), more->begin(), more->end());
    }
    std::vector<Lease> taken;
    for (const Id id : *ids) {
      auto take = db_->prepare(kTakeLease);
      if (!take) return take.error();
      if (auto st = take->bind_all(id, node, now_ms + lease_ms, now_ms).run(); !st) return st.error();
      if (db_->changes() == 0) continue;  // another node took it first
      auto epoch = db_->prepare(kSelectEpoch);
      if (!epoch) return epoch.error();
      auto value = epoch->bind_all(id).single_int();
      if (!value) return value.error();
      taken.push_back(Lease{id, *value});
    }
    return taken;
  });
}

Result<std::vector<Lease>> SqlStore::renew(const std::string& node, std::int64_t now_ms,
                                           std::int64_t lease_ms) {
  return in_tx("renew", [&]() -> Result<std::vector<Lease>> {
    auto drop = db_->prepare(kReleaseUnsyncable);
    if (!drop) return drop.error();
    if (auto st = drop->bind_all(node).run(); !st) return st.error();
    auto up = db_->prepare(kRenew);
    if (!up) return up.error();
    if (auto st = up->bind_all(node, now_ms + lease_ms).run(); !st) return st.error();
    auto held = db_->prepare(kSelectHeld);
    if (!held) return held.error();
    held->bind_all(node);
    std::vector<Lease> out;
    for (;;) {
      auto row = held->step();
      if (!row) return row.error();
      if (!*row) return out;
      out.push_back(Lease{held->int_at(0), held->int_at(1)});
    }
  });
}

Status SqlStore::release(const std::string& node, const std::vector<Id>& mailbox_ids) {
  return in_tx("release", [&]() -> Status {
    if (mailbox_ids.empty()) {
      auto all = db_->prepare(kReleaseAll);
      if (!all) return all.error();
      return all->bind_all(node).run();
    }
    for (const Id id : mailbox_ids) {
      auto one = db_->prepare(kReleaseOne);
      if (!one) return one.error();
      if (auto st = one->bind_all(node, id).run(); !st) return st;
    }
    return Status();
  });
}

Result<bool> SqlStore::request_wakeup(Id mailbox_id, std::int64_t now_ms, std::int64_t flags) {
  return in_tx("request_wakeup", [&]() -> Result<bool> {
    auto up = db_->prepare(kUpsertWakeup);
    if (!up) return up.error();
    if (auto st = up->bind_all(mailbox_id, now_ms, flags).run(); !st) return st.error();
    auto live = db_->prepare(kCountLiveLease);
    if (!live) return live.error();
    auto count = live->bind_all(mailbox_id, now_ms).single_int();
    if (!count) return count.error();
    const bool held = *count > 0;
    auto notify = held ? db_->prepare(kNotifyWakeup) : db_->prepare(kNotifyCluster);
    if (!notify) return notify.error();
    if (held) notify->bind_all(std::to_string(mailbox_id));
    if (auto st = notify->run(); !st) return st.error();
    return held;
  });
}

Result<std::vector<Wakeup>> SqlStore::take_wakeups(const std::string& node) {
  return in_tx("take_wakeups", [&]() -> Result<std::vector<Wakeup>> {
    auto q = db_->prepare(kSelectWakeups);
    if (!q) return q.error();
    q->bind_all(node);
    std::vector<Wakeup> out;
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back(Wakeup{q->int_at(0), q->int_at(1)});
    }
    for (const auto& w : out) {
      auto del = db_->prepare(kDeleteWakeup);
      if (!del) return del.error();
      if (auto st = del->bind_all(w.mailbox_id).run(); !st) return st.error();
    }
    return out;
  });
}

}  // namespace hiresync::store
