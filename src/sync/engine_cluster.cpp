// The engine's side of a cluster (sync/placement.hpp): wakeups of mailboxes another node holds go
// to it, runs are fenced by this node's lease, and GET /api/ops/cluster's view. Without a placement
// every call here behaves as a single node always has.
#include "sync/engine.hpp"

namespace hiresync::sync {

bool Engine::syncs_here(model::Id mailbox_id) const {
  return deps_.placement == nullptr || deps_.placement->epoch_of(mailbox_id).has_value();
}

void Engine::wake(model::Id mailbox_id, std::int64_t flags) {
  if (!syncs_here(mailbox_id)) {
    deps_.placement->wake_holder(mailbox_id, flags);
    return;
  }
  if ((flags & (store::kWakeRenewWatch | store::kWakeDropWatchState)) != 0) {
    std::lock_guard lock(mu_);
    auto& slot = slots_[mailbox_id];
    slot.renew_watch = slot.renew_watch || (flags & store::kWakeRenewWatch) != 0;
    slot.drop_watch_state = slot.drop_watch_state || (flags & store::kWakeDropWatchState) != 0;
  }
  if ((flags & store::kWakePush) != 0) {
    signal(mailbox_id);
  } else {
    enqueue(mailbox_id, 0);
  }
}

void Engine::drop(model::Id mailbox_id) {
  std::lock_guard lock(mu_);
  if (auto it = due_at_.find(mailbox_id); it != due_at_.end()) {
    queue_.erase(Due{it->second, mailbox_id});
    due_at_.erase(it);
  }
  if (auto it = slots_.find(mailbox_id); it != slots_.end()) it->second.rerun = false;
}

std::int64_t Engine::queue_depth() {
  // Every mailbox has its next poll queued: only what is due now measures a backlog.
  std::lock_guard lock(mu_);
  const std::int64_t now = now_ms();
  std::int64_t due = 0;
  for (auto it = queue_.begin(); it != queue_.end() && it->at_ms <= now; ++it) ++due;
  return due;
}

bool Engine::run_fenced(store::Store& store, model::Id mailbox_id) {
  if (deps_.placement == nullptr) return run_mailbox(store, mailbox_id);
  const auto epoch = deps_.placement->epoch_of(mailbox_id);
  auto* fenced = dynamic_cast<store::ClusterStore*>(&store);
  if (!epoch || fenced == nullptr) return false;  // moved to another node since it was queued
  // Every write of this run checks, in its own transaction, that the lease is still ours at this
  // epoch: a node paused past its lease writes nothing once another has taken the mailbox.
  fenced->set_fence(mailbox_id, deps_.placement->node_id(), *epoch);
  const std::unique_ptr<store::ClusterStore, void (*)(store::ClusterStore*)> unfence(
      fenced, [](store::ClusterStore* s) { s->clear_fence(); });
  return run_mailbox(store, mailbox_id);
}

model::Result<std::vector<ClusterNodeStatus>> Engine::cluster() {
  std::vector<ClusterNodeStatus> out;
  if (deps_.placement != nullptr) {
    auto nodes = deps_.placement->nodes();
    if (!nodes) return nodes.error();
    for (const auto& n : *nodes) {
      out.push_back({n.id, n.address, n.heartbeat_at_ms / 1000, n.mailboxes, n.queue_depth});
    }
    return out;
  }
  auto store = api_store();
  if (!store) return store.error();
  auto mailboxes = (*store)->syncable_mailboxes(0);
  if (!mailboxes) return mailboxes.error();
  out.push_back({deps_.node_id, deps_.node_address, now_ms() / 1000,
                 static_cast<std::int64_t>(mailboxes->size()), queue_depth()});
  return out;
}

}  // namespace hiresync::sync
