#include "store/postgres/pg_listener.hpp"

#include <chrono>
#include <thread>

namespace hiresync::store::postgres {

model::Status Listener::connect() {
  conn_.reset();
  auto opened = Connection::open(uri_);
  if (!opened) return opened.error();
  for (const char* channel : {kWakeupChannel, kClusterChannel}) {
    if (auto st = (*opened)->listen(channel); !st) return st;
  }
  conn_ = std::move(*opened);
  return {};
}

std::vector<Notice> Listener::wait(int timeout_ms) {
  if (!conn_) {
    if (!connect()) {
      // The server is away: wait out the interval rather than spin, and try again next call.
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
      return {};
    }
    return {Notice{kClusterChannel, ""}};  // (re)connected: anything sent meanwhile was missed
  }
  auto got = conn_->wait_notifications(timeout_ms);
  if (!got) {
    conn_.reset();  // lost: the next call connects and listens again
    return {};
  }
  std::vector<Notice> out;
  out.reserve(got->size());
  for (auto& n : *got) out.push_back(Notice{std::move(n.channel), std::move(n.payload)});
  return out;
}

}  // namespace hiresync::store::postgres
