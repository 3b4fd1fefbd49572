#include "sandbox/google/push.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "sandbox/google/random.hpp"

namespace hiresync::sandbox::google {

namespace {

std::string rfc3339_ms(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace

PushDispatcher::PushDispatcher(PushOptions options, const Clock& clock, const RsaSigner& signer,
                               net::HttpClient& client, EventSink event)
    : options_(std::move(options)),
      clock_(clock),
      signer_(signer),
      client_(client),
      event_(std::move(event)) {
  if (enabled()) thread_ = std::thread([this] { run(); });
}

PushDispatcher::~PushDispatcher() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string PushDispatcher::envelope(const std::string& account, std::uint64_t history_id,
                                     const std::string& message_id) const {
  const nlohmann::json data = {{"emailAddress", account}, {"historyId", std::to_string(history_id)}};
  const nlohmann::json body = {{"message",
                                {{"data", net::base64url_encode(data.dump())},
                                 {"messageId", message_id},
                                 {"message_id", message_id},
                                 {"publishTime", rfc3339_ms(clock_.now_ms())},
                                 {"publish_time", rfc3339_ms(clock_.now_ms())}}},
                               {"subscription", kPushSubscription}};
  return body.dump();
}

std::string PushDispatcher::token() const {
  const std::int64_t now = clock_.now_ms() / 1000;
  return signer_.sign({{"iss", "https://accounts.google.com"},
                       {"aud", options_.audience.empty() ? options_.endpoint : options_.audience},
                       {"azp", "100000000000000000001"},
                       {"email", kPushServiceAccount},
                       {"email_verified", true},
                       {"sub", "100000000000000000001"},
                       {"iat", now},
                       {"exp", now + 3600}});
}

bool PushDispatcher::notify(const std::string& account, std::uint64_t history_id) {
  if (!enabled()) return false;
  const std::int64_t now = clock_.now_ms();
  Delivery d{std::chrono::steady_clock::now(), account, {}, 0};
  bool duplicate = false;
  {
    const std::lock_guard lock(mu_);
    const auto last = last_accepted_ms_.find(account);
    bool drop = options_.min_interval_ms > 0 && last != last_accepted_ms_.end() &&
                now - last->second < options_.min_interval_ms;
    auto& faults = faults_[account];
    if (!drop && !faults.empty()) {
      Fault& f = faults.front();
      if (f.kind == PushFault::kDrop) drop = true;
      if (f.kind == PushFault::kDuplicate) duplicate = true;
      if (f.kind == PushFault::kDelay) d.due += std::chrono::milliseconds(f.delay_ms);
      if (--f.remaining <= 0) faults.pop_front();
    }
    if (!drop) {
      last_accepted_ms_[account] = now;
      const std::string message_id =
          std::to_string(1'000'000'000'000'000ULL + random_below(9'000'000'000'000'000ULL));
      d.body = envelope(account, history_id, message_id);
      if (duplicate) queue_.push(d);  // the same Pub/Sub message, twice
      queue_.push(std::move(d));
      cv_.notify_all();
      return true;
    }
  }
  event_(account, "dropped");
  return false;
}

void PushDispatcher::add_fault(const std::string& account, PushFault fault, int count,
                               std::int64_t delay_ms) {
  if (count <= 0) return;
  const std::lock_guard lock(mu_);
  faults_[account].push_back({fault, count, delay_ms});
}

void PushDispatcher::enqueue(Delivery d) {
  const std::lock_guard lock(mu_);
  queue_.push(std::move(d));
  cv_.notify_all();
}

void PushDispatcher::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    if (queue_.top().due > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, queue_.top().due);
      continue;
    }
    Delivery d = queue_.top();
    queue_.pop();
    lock.unlock();
    net::ClientRequest req;
    req.method = "POST";
    req.url = options_.endpoint;
    req.headers = {
        {"Content-Type", "application/json"},
        {"Authorization", "Bearer " + token()},
        {"User-Agent", "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"}};
    req.body = d.body;
    req.timeout = std::chrono::milliseconds(10000);
    event_(d.account, "attempt");
    const auto response = client_.send(req);
    const bool ok = response.ok() && response->status >= 200 && response->status < 300;
    if (ok) {
      event_(d.account, "sent");
    } else if (d.attempt + 1 < options_.max_attempts) {
      d.due = std::chrono::steady_clock::now() + options_.first_backoff * (1LL << d.attempt);
      ++d.attempt;
      enqueue(std::move(d));
    } else {
      event_(d.account, "failed");
    }
    lock.lock();
  }
}

}  // namespace hiresync::sandbox::google
