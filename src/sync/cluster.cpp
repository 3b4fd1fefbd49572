#include "sync/cluster.hpp"

#include <charconv>
#include <chrono>
#include <set>

#include "sync/engine.hpp"

namespace hiresync::sync {

using model::ErrorCode;
using model::Status;

namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The listener's poll interval: how long stop() may wait for it.
constexpr int kListenWaitMs = 500;

store::ClusterStore* cluster_store_of(store::Store& store) {
  return dynamic_cast<store::ClusterStore*>(&store);
}

}  // namespace

Cluster::Cluster(ClusterConfig config, ClusterDeps deps)
    : config_(std::move(config)), deps_(std::move(deps)) {
  if (!deps_.now_ms) deps_.now_ms = system_now_ms;
  if (!deps_.log) deps_.log = [](const char*, const std::string&) {};
}

Cluster::~Cluster() { stop(); }

Status Cluster::start(Engine& engine) {
  engine_ = &engine;
  auto opened = deps_.open_store();
  if (!opened) return opened.error();
  if (cluster_store_of(**opened) == nullptr)
    return model::make_error(ErrorCode::kInternal, "no cluster store");
  store_ = std::move(*opened);
  if (auto st = heartbeat(); !st) {
    deps_.log("warn", "cluster: first heartbeat failed: " + st.error().detail);  // the thread retries
  }
  started_ = true;
  heartbeat_thread_ = std::thread([this] { heartbeat_loop(); });
  if (deps_.open_listener) listen_thread_ = std::thread([this] { listen_loop(); });
  return {};
}

void Cluster::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(wake_mu_);
    rebalance_now_ = true;
  }
  wake_cv_.notify_all();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  if (listen_thread_.joinable()) listen_thread_.join();
  if (!started_) return;
  std::map<model::Id, std::int64_t> had;
  {
    std::lock_guard lock(mu_);
    had.swap(held_);  // from now on the engine runs nothing here (epoch_of is empty)
  }
  for (const auto& [id, epoch] : had) engine_->drop(id);
  if (auto st = cluster_store_of(*store_)->remove_node(config_.node_id, now_ms()); !st) {
    deps_.log("warn", "cluster: leaving failed (leases lapse instead): " + st.error().detail);
  } else {
    deps_.log("info", "cluster: left, " + std::to_string(had.size()) + " mailboxes handed back");
  }
}

std::optional<std::int64_t> Cluster::epoch_of(model::Id mailbox_id) {
  std::lock_guard lock(mu_);
  auto it = held_.find(mailbox_id);
  if (it == held_.end()) return std::nullopt;
  return it->second;
}

model::Result<store::ClusterStore*> Cluster::api_store() {
  if (!api_store_) {
    auto opened = deps_.open_store();
    if (!opened) return opened.error();
    api_store_ = std::move(*opened);
  }
  store::ClusterStore* cs = cluster_store_of(*api_store_);
  if (cs == nullptr) return model::make_error(ErrorCode::kInternal, "no cluster store");
  return cs;
}

void Cluster::wake_holder(model::Id mailbox_id, std::int64_t flags) {
  std::lock_guard lock(api_mu_);
  auto cs = api_store();
  auto held = cs ? (*cs)->request_wakeup(mailbox_id, now_ms(), flags) : model::Result<bool>(cs.error());
  if (!held) {
    deps_.log("warn", "cluster: wakeup of mailbox " + std::to_string(mailbox_id) +
                          " not recorded (its next poll runs it): " + held.error().detail);
  }
}

model::Result<std::vector<store::ClusterNode>> Cluster::nodes() {
  std::lock_guard lock(api_mu_);
  auto cs = api_store();
  if (!cs) return cs.error();
  return (*cs)->cluster_nodes(now_ms());
}

Status Cluster::heartbeat() {
  store::ClusterStore& cs = *cluster_store_of(*store_);
  const std::int64_t now = now_ms();
  if (auto st = cs.heartbeat(config_.node_id, config_.address, now, engine_->queue_depth()); !st) return st;
  auto held = cs.renew(config_.node_id, now, config_.lease_ms);
  if (!held) return held.error();
  auto nodes = cs.cluster_nodes(now);
  if (!nodes) return nodes.error();
  auto total = cs.syncable_count();
  if (!total) return total.error();
  std::int64_t live = 0;
  for (const auto& n : *nodes) {
    if (n.heartbeat_at_ms > now - config_.lease_ms) ++live;
  }
  live = std::max<std::int64_t>(live, 1);
  const std::int64_t share = (*total + live - 1) / live;
  const auto count = static_cast<std::int64_t>(held->size());
  if (count > share) {
    // Shed the excess (the highest ids) so a joining node finds them; they are claimable at once.
    std::vector<model::Id> excess;
    for (auto it = held->end() - (count - share); it != held->end(); ++it) excess.push_back(it->mailbox_id);
    if (auto st = cs.release(config_.node_id, excess); !st) return st;
    held->resize(static_cast<std::size_t>(share));
  } else if (count < share) {
    auto claimed = cs.claim(config_.node_id, now, config_.lease_ms, share - count);
    if (!claimed) return claimed.error();
    held->insert(held->end(), claimed->begin(), claimed->end());
  }
  apply_held(*held);
  return take_wakeups();
}

void Cluster::apply_held(const std::vector<store::Lease>& held) {
  std::vector<model::Id> lost;
  std::vector<model::Id> gained;
  {
    std::lock_guard lock(mu_);
    std::map<model::Id, std::int64_t> next;
    for (const auto& l : held) next[l.mailbox_id] = l.epoch;
    for (const auto& [id, epoch] : held_) {
      if (!next.contains(id)) lost.push_back(id);
    }
    for (const auto& [id, epoch] : next) {
      auto it = held_.find(id);
      if (it == held_.end() || it->second != epoch) gained.push_back(id);
    }
    held_.swap(next);
  }
  for (const model::Id id : lost) engine_->drop(id);
  for (const model::Id id : gained) engine_->enqueue(id, 0);  // a backfill or a catch-up, at once
  if (!lost.empty() || !gained.empty()) {
    deps_.log("info", "cluster: " + std::to_string(held.size()) + " mailboxes here (+" +
                          std::to_string(gained.size()) + ", -" + std::to_string(lost.size()) + ")");
  }
}

Status Cluster::take_wakeups() {
  auto wakeups = cluster_store_of(*store_)->take_wakeups(config_.node_id);
  if (!wakeups) return wakeups.error();
  for (const auto& w : *wakeups) engine_->wake(w.mailbox_id, w.flags);
  return {};
}

void Cluster::heartbeat_loop() {
  auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.heartbeat_ms);
  while (!stopping_) {
    bool rebalance = false;
    bool wakeups = false;
    {
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait_until(lock, next, [this] { return rebalance_now_ || wakeups_now_ || stopping_; });
      rebalance = std::exchange(rebalance_now_, false) || std::chrono::steady_clock::now() >= next;
      wakeups = std::exchange(wakeups_now_, false);
    }
    if (stopping_) return;
    Status st;
    if (rebalance) {
      next = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.heartbeat_ms);
      st = heartbeat();
    } else if (wakeups) {
      st = take_wakeups();
    }
    if (!st) deps_.log("warn", "cluster: heartbeat failed: " + st.error().detail);
  }
}

void Cluster::listen_loop() {
  auto listener = deps_.open_listener();
  if (!listener) return;
  while (!stopping_) {
    bool rebalance = false;
    bool wakeups = false;
    for (const auto& n : listener->wait(kListenWaitMs)) {
      if (n.channel == store::kClusterChannel) {
        rebalance = true;
        continue;
      }
      model::Id id = 0;
      std::from_chars(n.payload.data(), n.payload.data() + n.payload.size(), id);
      // Wakeups of mailboxes other nodes hold are theirs; one nobody holds yet is claimed by the
      // next heartbeat, which queues it at once.
      if (epoch_of(id)) wakeups = true;
    }
    if (!rebalance && !wakeups) continue;
    {
      std::lock_guard lock(wake_mu_);
      rebalance_now_ = rebalance_now_ || rebalance;
      wakeups_now_ = wakeups_now_ || wakeups;
    }
    wake_cv_.notify_all();
  }
}

}  // namespace hiresync::sync
