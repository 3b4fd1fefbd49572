// The cluster's shared state (docs/postgres.md "Cluster"): which nodes are alive, which node syncs
// which mailbox (a lease with a fencing epoch), and the wakeups waiting for a mailbox's holder.
// Implemented by SqlStore next to Store; the same contract as Store: errors are values, one object
// per thread, every write in a transaction.
//
// Times are unix milliseconds given by the caller (a lease is short, and tests drive the clock).
// A lease is live while now < expires_at_ms; a lapsed lease stays its holder's until another node
// takes it, and taking it (claim) raises the epoch. A fence (set_fence) makes every later write of
// that store object about the mailbox check, in the write's own transaction, that the node still
// holds the lease at that epoch; otherwise the write fails with lease_lost() and changes nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/domain.hpp"
#include "model/result.hpp"

namespace hiresync::store {

using model::Id;
using model::Result;
using model::Status;

// The detail of the kConflict a fenced write fails with when its node no longer holds the lease.
inline constexpr const char* kLeaseLost = "lease_lost";
inline bool is_lease_lost(const model::Error& error) {
  return error.code == model::ErrorCode::kConflict && error.detail == kLeaseLost;
}

// The channels nodes LISTEN on (PostgreSQL): a wakeup's payload is the mailbox id; a cluster
// message (a node left) has an empty payload.
inline constexpr const char* kWakeupChannel = "hiresync_wakeup";
inline constexpr const char* kClusterChannel = "hiresync_cluster";

struct Lease {
  Id mailbox_id = 0;
  std::int64_t epoch = 0;
  bool operator==(const Lease&) const = default;
};

struct ClusterNode {
  std::string id;
  std::string address;
  std::int64_t started_at_ms = 0;
  std::int64_t heartbeat_at_ms = 0;
  std::int64_t queue_depth = 0;
  std::int64_t mailboxes = 0;  // leases held and not expired
};

// What a wakeup asks of the holder besides running the mailbox once (bits; requests merge by OR).
inline constexpr std::int64_t kWakePush = 1;            // a change signal: the hot window follows
inline constexpr std::int64_t kWakeRenewWatch = 2;      // renew push now (a new grant, Graph asked)
inline constexpr std::int64_t kWakeDropWatchState = 4;  // Graph removed the subscriptions

struct Wakeup {
  Id mailbox_id = 0;
  std::int64_t flags = 0;  // kWake* bits
};

// A notification a node received (PostgreSQL NOTIFY on one of the channels above).
struct Notice {
  std::string channel;
  std::string payload;
};

// A database session that receives the cluster's notifications: one per node, on its own thread.
class NoticeListener {
 public:
  virtual ~NoticeListener() = default;
  // Waits up to timeout_ms and returns what arrived (often nothing). After a lost connection it
  // connects and listens again, and reports a kClusterChannel notice: notifications may have been
  // missed meanwhile, so the node looks at the database again.
  virtual std::vector<Notice> wait(int timeout_ms) = 0;
};

class ClusterStore {
 public:
  virtual ~ClusterStore() = default;

  // Upserts the node's row: its address, heartbeat time and queue depth (started_at on insert).
  virtual Status heartbeat(const std::string& node, const std::string& address, std::int64_t now_ms,
                           std::int64_t queue_depth) = 0;
  // Every node row, by id, with the leases each holds that have not expired at now_ms.
  virtual Result<std::vector<ClusterNode>> cluster_nodes(std::int64_t now_ms) = 0;
  // Deletes the node's row and releases every lease it holds, then tells the other nodes (NOTIFY
  // hiresync_cluster on PostgreSQL) so they take the mailboxes at once: a node that stops cleanly.
  virtual Status remove_node(const std::string& node, std::int64_t now_ms) = 0;

  // How many mailboxes there are to sync (Store::syncable_mailboxes(0)): the fair share's numerator.
  virtual Result<std::int64_t> syncable_count() = 0;
  // Takes up to `max` syncable mailboxes that have no lease or a lapsed one (lowest ids first),
  // each for lease_ms, with its epoch one higher than before (1 for a first lease). On PostgreSQL
  // rows another node is claiming are skipped, not waited for. Returns what was taken.
  virtual Result<std::vector<Lease>> claim(const std::string& node, std::int64_t now_ms,
                                           std::int64_t lease_ms, std::int64_t max) = 0;
  // Extends every lease the node still holds to now_ms + lease_ms (a lapsed one too, when nobody
  // took it: no one else wrote meanwhile) and drops its leases of mailboxes no longer syncable.
  // Returns what it holds, by mailbox id.
  virtual Result<std::vector<Lease>> renew(const std::string& node, std::int64_t now_ms,
                                           std::int64_t lease_ms) = 0;
  // Gives up the node's leases of `mailbox_ids` (every one when empty): claimable at once by any
  // node, and the node's own fenced writes about them fail from now on.
  virtual Status release(const std::string& node, const std::vector<Id>& mailbox_ids) = 0;

  // Records that the mailbox should run (with kWake* `flags`) and tells the nodes at commit (on
  // PostgreSQL): NOTIFY hiresync_wakeup '<id>' for its holder, or, when no node holds a live lease
  // of it (a mailbox just connected), NOTIFY hiresync_cluster so that the nodes claim it at once.
  // Pending requests merge: the first time stays, the flags add up. Returns whether it is held.
  virtual Result<bool> request_wakeup(Id mailbox_id, std::int64_t now_ms, std::int64_t flags) = 0;
  // Removes and returns the pending wakeups of the mailboxes the node holds.
  virtual Result<std::vector<Wakeup>> take_wakeups(const std::string& node) = 0;

  // Fences this store object's writes about `mailbox_id` (see the header comment) until
  // clear_fence(): set by a worker for the length of one mailbox run.
  virtual void set_fence(Id mailbox_id, const std::string& node, std::int64_t epoch) = 0;
  virtual void clear_fence() = 0;
};

}  // namespace hiresync::store
