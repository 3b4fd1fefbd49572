// Test support for every connector: a scripted net::HttpClient. Records every request and answers
// from a queue.
#pragma once

#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "net/client.hpp"

namespace hiresync::providers::test_support {

class FakeHttp final : public net::HttpClient {
 public:
  // Queues a response for the next request.
  void reply(int status, std::string body, net::Fields headers = {}) {
    std::lock_guard lock(mu_);
    queue_.emplace_back(net::ClientResponse{status, std::move(headers), std::move(body)});
  }
  // Queues a transport failure (no response at all) for the next request.
  void fail(std::string detail) {
    std::lock_guard lock(mu_);
    queue_.emplace_back(model::make_error(model::ErrorCode::kTransient, std::move(detail)));
  }

  model::Result<net::ClientResponse> send(const net::ClientRequest& request) override {
    std::lock_guard lock(mu_);
    requests.push_back(request);
    if (queue_.empty()) return model::make_error(model::ErrorCode::kTransient, "fake: nothing queued");
    auto next = std::move(queue_.front());
    queue_.pop_front();
    return next;
  }

  const net::ClientRequest& last() const { return requests.back(); }

  std::vector<net::ClientRequest> requests;

 private:
  std::mutex mu_;
  std::deque<model::Result<net::ClientResponse>> queue_;
};

}  // namespace hiresync::providers::test_support
