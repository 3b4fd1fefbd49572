// One node of a cluster of `hiresync serve` on one PostgreSQL (docs/postgres.md "Cluster"). Every
// node serves the API and syncs the mailboxes it holds a lease for.
//
// Heartbeat (every heartbeat_ms): the node's row (with the engine's queue depth), its leases renewed
// for lease_ms, its fair share computed (ceil(syncable mailboxes / live nodes), live = a heartbeat
// within lease_ms), mailboxes claimed up to the share or released above it (a joining node gets its
// share as the others shed theirs), and the wakeups recorded for its mailboxes taken. Mailboxes
// gained are queued in the engine at once; lost or released ones leave its queue (a run in flight
// stops at its next write: the fence).
//
// Wakeups: a push, a notification, an OAuth callback, "sync now" or a new candidate for a mailbox
// another node holds is recorded in the database and NOTIFYed (Placement::wake_holder); each node's
// listener thread takes its own at once. A NOTIFY on hiresync_cluster (a node left) or a listener
// that reconnected makes the heartbeat run at once.
//
// stop() (SIGTERM): releases every lease and deletes the node row, with a NOTIFY so the other nodes
// claim at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "store/cluster_store.hpp"
#include "store/store.hpp"
#include "sync/placement.hpp"

namespace hiresync::sync {

class Engine;

struct ClusterConfig {
  std::string node_id;
  std::string address;  // where the node serves, for GET /api/ops/cluster
  int heartbeat_ms = 2000;
  int lease_ms = 10000;
};

struct ClusterDeps {
  // Opens a store (a ClusterStore too) for one thread: the heartbeat's, and the one wakeups use.
  std::function<model::Result<std::unique_ptr<store::Store>>()> open_store;
  // The node's notification session (PostgreSQL LISTEN); may be null: wakeups then wait for the
  // next heartbeat.
  std::function<std::unique_ptr<store::NoticeListener>()> open_listener;
  std::function<std::int64_t()> now_ms;  // defaults to the system clock
  std::function<void(const char* level, const std::string& message)> log;
};

class Cluster final : public Placement {
 public:
  Cluster(ClusterConfig config, ClusterDeps deps);
  ~Cluster() override;  // stop()
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Starts the node: one heartbeat now (its row and first share), then the heartbeat and listener
  // threads. `engine` (borrowed) runs what the node holds. kInternal when no store opens.
  model::Status start(Engine& engine);
  // Hands every mailbox back at once, leaves the cluster, joins the threads. Idempotent.
  void stop();
  // One heartbeat round (see the header comment); the thread calls it, tests may too.
  model::Status heartbeat();
  // Takes the wakeups recorded for the mailboxes this node holds and wakes them in the engine.
  model::Status take_wakeups();

  // Placement
  const std::string& node_id() const override { return config_.node_id; }
  std::optional<std::int64_t> epoch_of(model::Id mailbox_id) override;
  void wake_holder(model::Id mailbox_id, std::int64_t flags) override;
  model::Result<std::vector<store::ClusterNode>> nodes() override;

 private:
  void heartbeat_loop();
  void listen_loop();
  // Applies what the heartbeat holds now: the engine drops what left, queues what came.
  void apply_held(const std::vector<store::Lease>& held);
  std::int64_t now_ms() const { return deps_.now_ms(); }
  // The store of the API threads' wakeups and the listing (opened on first use), under api_mu_.
  model::Result<store::ClusterStore*> api_store();

  ClusterConfig config_;
  ClusterDeps deps_;
  Engine* engine_ = nullptr;

  std::mutex mu_;                           // held_; never held while calling the engine (it asks epoch_of)
  std::map<model::Id, std::int64_t> held_;  // mailbox -> lease epoch

  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool rebalance_now_ = false;  // a node left, the listener reconnected
  bool wakeups_now_ = false;    // a wakeup was NOTIFYed

  std::unique_ptr<store::Store> store_;  // the heartbeat thread's
  std::mutex api_mu_;
  std::unique_ptr<store::Store> api_store_;

  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread heartbeat_thread_;
  std::thread listen_thread_;
};

}  // namespace hiresync::sync
