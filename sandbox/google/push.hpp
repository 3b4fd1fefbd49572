// Gmail push notifications as Cloud Pub/Sub delivers them (shared/PROTOCOLS.md A.6): a POST of
// {"message":{"data":base64url({"emailAddress","historyId"}),"messageId","publishTime"},
//  "subscription":"projects/hiresync-sandbox/subscriptions/gmail-push"}
// with `Authorization: Bearer <OIDC JWT>` signed by the sandbox key (aud = the configured audience).
//
// Deliveries run on one background thread, never on the caller's: notify() only queues. A non-2xx
// answer or no answer is retried with exponential backoff (max_attempts in all), keeping the
// Pub/Sub messageId. Google's 1 notification/second/user cap: a notification within
// min_interval_ms (by the injected clock) of the previous accepted one for that user is dropped.
// Injected faults: drop (counted as dropped), duplicate (delivered twice), delay (delivered late).
//
// Thread-safe. The destructor stops the thread; queued deliveries are abandoned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "net/client.hpp"
#include "sandbox/clock.hpp"
#include "sandbox/google/jwt.hpp"

namespace hiresync::sandbox::google {

inline constexpr const char* kPushServiceAccount = "gmail-push@hiresync-sandbox.iam.gserviceaccount.com";
inline constexpr const char* kPushSubscription = "projects/hiresync-sandbox/subscriptions/gmail-push";

struct PushOptions {
  std::string endpoint;  // empty: push disabled
  std::string audience;  // JWT aud; empty: the endpoint
  std::int64_t min_interval_ms = 1000;
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{500};
};

enum class PushFault { kDrop, kDuplicate, kDelay };

class PushDispatcher {
 public:
  // `event(account, what)` is called with "sent" (a 2xx answer), "dropped" (rate cap or drop
  // fault), "failed" (gave up after max_attempts) and "attempt" (each POST). `clock`, `signer` and
  // `client` must outlive the dispatcher.
  using EventSink = std::function<void(const std::string& account, const char* what)>;
  PushDispatcher(PushOptions options, const Clock& clock, const RsaSigner& signer, net::HttpClient& client,
                 EventSink event);
  ~PushDispatcher();
  PushDispatcher(const PushDispatcher&) = delete;
  PushDispatcher& operator=(const PushDispatcher&) = delete;

  bool enabled() const { return !options_.endpoint.empty(); }

  // Queues a notification that `account` changed up to `history_id`, subject to the rate cap and
  // the account's faults. Returns false when it was dropped (or push is disabled).
  bool notify(const std::string& account, std::uint64_t history_id);

  // The next `count` notifications of `account` get `fault` (delay_ms for kDelay).
  void add_fault(const std::string& account, PushFault fault, int count, std::int64_t delay_ms);

  // Builds the JSON envelope and the JWT (exposed for tests).
  std::string envelope(const std::string& account, std::uint64_t history_id,
                       const std::string& message_id) const;
  std::string token() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Delivery {
    SteadyTime due;
    std::string account;
    std::string body;
    int attempt = 0;
    bool operator>(const Delivery& o) const { return due > o.due; }
  };
  struct Fault {
    PushFault kind;
    int remaining;
    std::int64_t delay_ms;
  };
  void run();
  void enqueue(Delivery d);

  const PushOptions options_;
  const Clock& clock_;
  const RsaSigner& signer_;
  net::HttpClient& client_;
  EventSink event_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> queue_;
  std::map<std::string, std::int64_t> last_accepted_ms_;
  std::map<std::string, std::deque<Fault>> faults_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hiresync::sandbox::google
