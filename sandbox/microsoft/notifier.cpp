#include "sandbox/microsoft/notifier.hpp"

#include <algorithm>

#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

std::optional<std::string> parse_resource(const std::string& resource,
                                          const std::function<bool(const std::string&)>& user_ok) {
  std::string r = resource;
  if (!r.empty() && r.front() == '/') r.erase(0, 1);
  std::string rest;
  const std::string l = lower(r);
  if (l.rfind("me/", 0) == 0) {
    rest = l.substr(3);
  } else if (l.rfind("users/", 0) == 0) {
    const std::size_t slash = l.find('/', 6);
    if (slash == std::string::npos) return std::nullopt;
    std::string user = r.substr(6, slash - 6);
    if (user.size() > 4 && user.rfind("('", 0) == 0) user = user.substr(2, user.size() - 4);
    if (!user_ok(user)) return std::nullopt;
    rest = l.substr(slash + 1);
  } else {
    return std::nullopt;
  }
  if (rest == "messages") return std::string();
  std::string folder;
  if (rest.rfind("mailfolders('", 0) == 0) {
    const std::size_t end = rest.find("')/messages");
    if (end == std::string::npos || end + 11 != rest.size()) return std::nullopt;
    folder = rest.substr(13, end - 13);
  } else if (rest.rfind("mailfolders/", 0) == 0) {
    const std::size_t end = rest.find("/messages");
    if (end == std::string::npos || end + 9 != rest.size()) return std::nullopt;
    folder = rest.substr(12, end - 12);
  } else {
    return std::nullopt;
  }
  if (folder != "inbox" && folder != "sentitems") return std::nullopt;
  return folder;
}

std::string validate_endpoint(net::HttpClient& client, const std::string& url,
                              std::chrono::milliseconds timeout) {
  const std::string token =
      "Validation: Testing client application reachability for subscription Request-Id: " + random_guid();
  net::ClientRequest req;
  req.method = "POST";
  req.url =
      url + (url.find('?') == std::string::npos ? "?" : "&") + "validationToken=" + net::url_encode(token);
  req.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  req.timeout = timeout;
  const auto r = client.send(req);
  if (!r.ok()) return "Subscription validation request timed out.";
  if (r->status != 200 || r->body != token || lower(r->header("Content-Type")).rfind("text/plain", 0) != 0) {
    return "Subscription validation request failed. Notification endpoint must respond with 200 OK to "
           "validation request.";
  }
  return {};
}

Notifier::Notifier(NotifierOptions options, net::HttpClient& client, EventSink event)
    : options_(options), client_(client), event_(std::move(event)), thread_([this] { run(); }) {}

Notifier::~Notifier() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::notify(const std::string& account, const std::string& url, nlohmann::json item,
                      bool lifecycle) {
  Delivery d{std::chrono::steady_clock::now(), account, url, {std::move(item)}, lifecycle, 0};
  bool drop = false;
  {
    const std::lock_guard lock(mu_);
    auto& faults = faults_[account];
    bool duplicate = false;
    if (!faults.empty()) {
      Fault& f = faults.front();
      drop = f.kind == NotifyFault::kDrop;
      duplicate = f.kind == NotifyFault::kDuplicate;
      if (f.kind == NotifyFault::kDelay) d.due += std::chrono::milliseconds(f.delay_ms);
      if (--f.remaining <= 0) faults.pop_front();
    }
    if (!drop) {
      if (duplicate) {
        Delivery twin = d;
        twin.attempt = -1;  // not merged with its twin
        queue_.push_back(std::move(twin));
      }
      queue_.push_back(std::move(d));
      cv_.notify_all();
    }
  }
  if (drop) event_(account, "dropped");
}

void Notifier::add_fault(const std::string& account, NotifyFault fault, int count, std::int64_t delay_ms) {
  if (count <= 0) return;
  const std::lock_guard lock(mu_);
  faults_[account].push_back({fault, count, delay_ms});
}

void Notifier::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    const auto first = std::min_element(queue_.begin(), queue_.end(),
                                        [](const Delivery& a, const Delivery& b) { return a.due < b.due; });
    if (first == queue_.end()) {
      cv_.wait(lock);
      continue;
    }
    if (first->due > now) {
      cv_.wait_until(lock, first->due);
      continue;
    }
    Delivery batch = std::move(*first);
    queue_.erase(first);
    if (batch.attempt == 0) {  // merge every due, fresh item for the same URL into one POST
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->attempt == 0 && it->due <= now && it->url == batch.url && it->lifecycle == batch.lifecycle &&
            it->account == batch.account) {
          for (auto& item : it->items) batch.items.push_back(std::move(item));
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
    }
    batch.attempt = std::max(batch.attempt, 0);
    lock.unlock();
    net::ClientRequest req;
    req.method = "POST";
    req.url = batch.url;
    req.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    req.body = nlohmann::json{{"value", batch.items}}.dump();
    req.timeout = std::chrono::milliseconds(10000);
    event_(batch.account, "attempt");
    const auto response = client_.send(req);
    const bool ok = response.ok() && response->status >= 200 && response->status < 300;
    if (ok) {
      for (std::size_t i = 0; i < batch.items.size(); ++i) event_(batch.account, "sent");
    } else if (batch.attempt + 1 < options_.max_attempts) {
      batch.due = std::chrono::steady_clock::now() + options_.first_backoff * (1LL << batch.attempt);
      ++batch.attempt;
      lock.lock();
      queue_.push_back(std::move(batch));
      continue;
    } else {
      for (std::size_t i = 0; i < batch.items.size(); ++i) event_(batch.account, "failed");
    }
    lock.lock();
  }
}

}  // namespace hiresync::sandbox::microsoft
