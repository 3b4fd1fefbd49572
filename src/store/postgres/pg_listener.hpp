// The cluster's NoticeListener on PostgreSQL (store/cluster_store.hpp): a dedicated libpq session
// that LISTENs on hiresync_wakeup and hiresync_cluster, reconnecting by itself.
#pragma once

#include <memory>
#include <string>

#include "store/cluster_store.hpp"
#include "store/postgres/pg_connection.hpp"

namespace hiresync::store::postgres {

class Listener final : public NoticeListener {
 public:
  // Connects now when it can; otherwise the first wait() keeps trying.
  explicit Listener(std::string uri) : uri_(std::move(uri)) {}
  std::vector<Notice> wait(int timeout_ms) override;

 private:
  // A session listening on both channels, or an Error (kTransient while the server is away).
  model::Status connect();

  std::string uri_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace hiresync::store::postgres
