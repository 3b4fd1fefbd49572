// Graph change and lifecycle notifications (shared/PROTOCOLS.md B.4): the subscription record, the
// validation handshake and the background dispatcher.
//
// Dispatcher: notify() only queues; one background thread POSTs {"value":[...]} to the URL, merging
// every due item queued for the same URL (and kind) into one batch, and retries a non-2xx answer or
// no answer with exponential backoff (max_attempts in all). Faults per account: drop (counted as
// dropped), duplicate (the batch is delivered twice), delay (delivered late).
//
// Thread-safe. The destructor stops the thread; queued deliveries are abandoned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/client.hpp"

namespace hiresync::sandbox::microsoft {

struct Subscription {
  std::string id, account, resource, change_type, client_state, notification_url, lifecycle_url;
  std::string folder;  // "" for every folder (me/messages)
  std::set<std::string> change_types;
  std::int64_t expiration_ms = 0;
  bool immutable_ids = false;  // created with Prefer: IdType="ImmutableId"
};

// Parses `resource` (me/messages, users/{id|upn}/messages, me/mailFolders('inbox')/messages,
// me/mailFolders/inbox/messages, an optional leading '/', any case). `user_ok(name)` says whether a
// users/{name} segment is the caller. Returns the folder ("" for all) or nullopt when unsupported.
std::optional<std::string> parse_resource(const std::string& resource,
                                          const std::function<bool(const std::string&)>& user_ok);

// The validation handshake: POST url?validationToken=<token> (text/plain), which must answer 200
// with the token as the body within `timeout`. Returns "" on success, else Graph's message.
std::string validate_endpoint(net::HttpClient& client, const std::string& url,
                              std::chrono::milliseconds timeout);

struct NotifierOptions {
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{500};
};

enum class NotifyFault { kDrop, kDuplicate, kDelay };

class Notifier {
 public:
  // `event(account, what)`: "sent", "dropped", "failed", "attempt". `client` must outlive this.
  using EventSink = std::function<void(const std::string& account, const char* what)>;
  Notifier(NotifierOptions options, net::HttpClient& client, EventSink event);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues `item` (one element of value[]) for `url`, subject to the account's faults.
  void notify(const std::string& account, const std::string& url, nlohmann::json item, bool lifecycle);
  void add_fault(const std::string& account, NotifyFault fault, int count, std::int64_t delay_ms);

 private:
  struct Delivery {
    std::chrono::steady_clock::time_point due;
    std::string account, url;
    std::vector<nlohmann::json> items;
    bool lifecycle = false;
    int attempt = 0;
  };
  struct Fault {
    NotifyFault kind;
    int remaining;
    std::int64_t delay_ms;
  };
  void run();

  const NotifierOptions options_;
  net::HttpClient& client_;
  EventSink event_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Delivery> queue_;
  std::map<std::string, std::deque<Fault>> faults_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hiresync::sandbox::microsoft
