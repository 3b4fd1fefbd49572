// Which mailboxes this node syncs, when serve runs as one node of a cluster (sync/cluster.hpp). The
// engine asks it before running a mailbox and hands it the wakeups of mailboxes another node holds;
// without one (SQLite, one node) the engine syncs every mailbox, as always.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/domain.hpp"
#include "model/result.hpp"
#include "store/cluster_store.hpp"

namespace hiresync::sync {

class Placement {
 public:
  virtual ~Placement() = default;
  // This node's id (the lease holder name its fenced writes check).
  virtual const std::string& node_id() const = 0;
  // The epoch of this node's lease of the mailbox; nullopt when it does not hold it.
  virtual std::optional<std::int64_t> epoch_of(model::Id mailbox_id) = 0;
  // Hands the holder a wakeup (store/cluster_store.hpp kWake* flags): recorded in the database and
  // the holder told at once. Errors are logged, not returned: the next poll still runs the mailbox.
  virtual void wake_holder(model::Id mailbox_id, std::int64_t flags) = 0;
  // Every node of the cluster as the database knows it (GET /api/ops/cluster).
  virtual model::Result<std::vector<store::ClusterNode>> nodes() = 0;
};

}  // namespace hiresync::sync
