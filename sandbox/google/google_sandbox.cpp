#include "sandbox/google/google_sandbox.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "sandbox/google/errors.hpp"
#include "sandbox/google/random.hpp"

namespace hiresync::sandbox::google {

namespace {

constexpr std::uint64_t kMaxHistoryGap = 40;  // history ids grow by 1..40 per record

const char* const kEndpointNames[] = {"profile",
                                      "messages.list",
                                      "messages.get.minimal",
                                      "messages.get.metadata",
                                      "messages.get.full",
                                      "messages.get.raw",
                                      "history.list",
                                      "watch",
                                      "stop",
                                      "batch",
                                      "token",
                                      "revoke"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

net::Response ok_json(const nlohmann::json& j) { return net::Response::json(200, j.dump()); }

net::Response unknown_account(const std::string& address) {
  return api_error(404, "Unknown account: " + address, "global", "notFound", "NOT_FOUND");
}

}  // namespace

model::Result<std::unique_ptr<GoogleSandbox>> GoogleSandbox::create(GoogleOptions options,
                                                                    const Clock& clock) {
  auto signer = RsaSigner::generate();
  if (!signer.ok()) return signer.error();
  return std::unique_ptr<GoogleSandbox>(
      new GoogleSandbox(std::move(options), clock, std::move(signer).value()));
}

GoogleSandbox::GoogleSandbox(GoogleOptions options, const Clock& clock, std::unique_ptr<RsaSigner> signer)
    : options_(std::move(options)),
      clock_(clock),
      signer_(std::move(signer)),
      http_(net::make_curl_client()),
      quota_(clock, options_.user_quota_per_minute),
      concurrency_(options_.max_concurrent),
      last_history_id_(1'000'000 + random_below(1'000'000)) {
  oauth_ = std::make_unique<OAuthServer>(
      OAuthOptions{options_.auto_consent, options_.token_ttl_s}, clock_, *signer_,
      [this](const std::string& address) { return settings_of(address); },
      [this](const std::string& account, const char* endpoint) { count(account, endpoint); });
  PushOptions push;
  push.endpoint = options_.push_endpoint;
  push.audience = options_.push_audience.empty() ? options_.push_endpoint : options_.push_audience;
  push.min_interval_ms = options_.push_min_interval_ms;
  push_ = std::make_unique<PushDispatcher>(
      push, clock_, *signer_, *http_,
      [this](const std::string& account, const char* what) { count_push(account, what); });
}

GoogleSandbox::~GoogleSandbox() { push_.reset(); }  // stop the push thread before the rest goes

std::optional<net::Response> GoogleSandbox::handle(const net::Request& req) {
  const std::string& p = req.path;
  if (p == "/o/oauth2/v2/auth" || p == "/o/oauth2/auth") return oauth_->authorize(req);
  if (p == "/o/oauth2/v2/auth/decision" && req.method == "POST") return oauth_->decision(req);
  if (p == "/token" || p == "/oauth2/v4/token") {
    if (req.method != "POST") return oauth_error(405, "invalid_request", "POST required");
    return oauth_->token(req);
  }
  if (p == "/revoke" || p == "/o/oauth2/revoke") return oauth_->revoke(req);
  if (p == "/oauth2/v3/certs") return ok_json(signer_->jwks());
  if (p.rfind("/gmail/v1/users/", 0) == 0) return handle_gmail(req);
  if (p == "/batch/gmail/v1") return handle_batch(req);
  return std::nullopt;
}

void GoogleSandbox::delay_answer() const {
  if (options_.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
}

std::optional<AccountSettings> GoogleSandbox::settings_of(const std::string& address) {
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(lower(address));
  if (it == accounts_.end()) return std::nullopt;
  return it->second.settings;
}

bool GoogleSandbox::has_account(const std::string& address) { return settings_of(address).has_value(); }

std::uint64_t GoogleSandbox::next_history_id() {
  last_history_id_ += 1 + random_below(kMaxHistoryGap);
  return last_history_id_;
}

std::string GoogleSandbox::new_message_id(const Mailbox& mailbox) {
  for (;;) {
    std::string id = random_hex(8);
    if (id[0] == '0') id[0] = '1';
    if (!mailbox.contains(id)) return id;
  }
}

net::Response GoogleSandbox::upsert_account(const nlohmann::json& body) {
  if (!body.contains("address") || !body["address"].is_string() ||
      body["address"].get<std::string>().empty()) {
    return bad_request("address is required");
  }
  const std::string address = lower(body["address"].get<std::string>());
  std::optional<Consent> consent;
  if (body.contains("consent")) {
    consent = body["consent"].is_string() ? parse_consent(body["consent"].get<std::string>()) : std::nullopt;
    if (!consent) {
      return bad_request(
          "consent must be granted, admin_policy_enforced (admin_required), org_internal "
          "(not_assigned) or access_denied");
    }
  }
  if (body.contains("mailbox") && !body["mailbox"].is_boolean())
    return bad_request("mailbox must be a boolean");
  if (body.contains("hosting") && !body["hosting"].is_string())
    return bad_request("hosting must be a string");
  const std::lock_guard lock(mu_);
  auto [it, created] = accounts_.try_emplace(address);
  Account& a = it->second;
  if (created) {
    a.settings.address = address;
    a.mailbox = std::make_unique<Mailbox>(next_history_id(), options_.history_retention);
  }
  if (consent) a.settings.consent = *consent;
  if (body.contains("mailbox")) a.settings.mailbox = body["mailbox"].get<bool>();
  if (body.contains("hosting")) a.settings.hosting = body["hosting"].get<std::string>();
  return net::Response::json(created ? 201 : 200, nlohmann::json{{"provider", "google"},
                                                                 {"address", address},
                                                                 {"mailbox", a.settings.mailbox},
                                                                 {"consent", to_string(a.settings.consent)},
                                                                 {"hosting", a.settings.hosting},
                                                                 {"created", created}}
                                                      .dump());
}

bool GoogleSandbox::watch_wants(const Account& a, const std::vector<std::string>& labels) const {
  if (!a.watch.active || a.watch.expiration_ms <= clock_.now_ms()) return false;
  if (a.watch.label_ids.empty()) return true;
  const bool any = std::any_of(a.watch.label_ids.begin(), a.watch.label_ids.end(), [&](const std::string& l) {
    return std::find(labels.begin(), labels.end(), l) != labels.end();
  });
  return a.watch.exclude ? !any : any;
}

namespace {

// Reads one {folder, raw, internal_date_ms?} entry. Returns "" or the error text.
std::string read_delivery(const nlohmann::json& j, std::int64_t now_ms, PreparedMessage& out) {
  if (!j.is_object() || !j.contains("raw") || !j["raw"].is_string()) return "raw (RFC 5322 text) is required";
  const std::string folder =
      j.contains("folder") && j["folder"].is_string() ? j["folder"].get<std::string>() : "inbox";
  std::int64_t date = now_ms;
  if (j.contains("internal_date_ms")) {
    if (!j["internal_date_ms"].is_number_integer()) return "internal_date_ms must be an integer";
    date = j["internal_date_ms"].get<std::int64_t>();
  }
  auto prepared = prepare_message(folder, j["raw"].get<std::string>(), date);
  if (!prepared.ok()) return prepared.error().detail;
  out = std::move(prepared).value();
  return {};
}

}  // namespace

net::Response GoogleSandbox::deliver(const std::string& address, const nlohmann::json& body) {
  PreparedMessage m;
  if (const std::string bad = read_delivery(body, clock_.now_ms(), m); !bad.empty()) return bad_request(bad);
  nlohmann::json out;
  bool push = false;
  std::uint64_t history_id = 0;
  {
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown_account(address);
    Account& a = it->second;
    push = watch_wants(a, m.labels);
    history_id = next_history_id();
    const StoredMessage& s = a.mailbox->deliver(std::move(m), new_message_id(*a.mailbox), history_id);
    out = {{"id", s.id}, {"thread_id", s.thread_id}, {"history_id", std::to_string(history_id)}};
  }
  if (push) push_->notify(address, history_id);
  return ok_json(out);
}

net::Response GoogleSandbox::deliver_bulk(const std::string& address, const nlohmann::json& body) {
  if (!body.contains("messages") || !body["messages"].is_array())
    return bad_request("messages (array) is required");
  const bool want_push = body.contains("push") && body["push"].is_boolean() && body["push"].get<bool>();
  std::vector<PreparedMessage> prepared(body["messages"].size());
  const std::int64_t now = clock_.now_ms();
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    if (const std::string bad = read_delivery(body["messages"][i], now, prepared[i]); !bad.empty()) {
      return bad_request("messages[" + std::to_string(i) + "]: " + bad);
    }
  }
  nlohmann::json ids = nlohmann::json::array();
  bool push = false;
  std::uint64_t history_id = 0;
  {
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown_account(address);
    Account& a = it->second;
    for (PreparedMessage& m : prepared) {
      push |= want_push && watch_wants(a, m.labels);
      history_id = next_history_id();
      ids.push_back(a.mailbox->deliver(std::move(m), new_message_id(*a.mailbox), history_id).id);
    }
  }
  if (push) push_->notify(address, history_id);
  return ok_json({{"ids", std::move(ids)}, {"history_id", std::to_string(history_id)}});
}

net::Response GoogleSandbox::add_fault(const std::string& address, const nlohmann::json& body) {
  const int count = fault_count(body);
  if (body.contains("push")) {
    const std::string kind = body["push"].is_string() ? body["push"].get<std::string>() : "";
    const std::int64_t delay = fault_delay_ms(body);
    const auto fault = push_fault_kind<PushFault>(kind);
    if (!fault) return bad_request("push must be drop, duplicate or delay");
    if (!has_account(address)) return unknown_account(address);
    push_->add_fault(address, *fault, count, delay);
    return ok_json({{"account", address}, {"push", kind}, {"count", count}, {"delay_ms", delay}});
  }
  if (!body.contains("status") || !body["status"].is_number_integer())
    return bad_request("status or push is required");
  ApiFault f;
  if (const std::string bad = read_api_fault(body, f); !bad.empty()) return bad_request(bad);
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(address);
  if (it == accounts_.end()) return unknown_account(address);
  it->second.faults.add(f);
  return ok_json({{"account", address}, {"status", f.status}, {"count", count}});
}

std::optional<ApiFault> GoogleSandbox::take_fault(const std::string& account, const std::string& path) {
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(account);
  if (it == accounts_.end()) return std::nullopt;
  return it->second.faults.take(path);
}

net::Response GoogleSandbox::expire_tokens(const std::string& address) {
  if (!has_account(address)) return unknown_account(address);
  oauth_->expire_tokens(address);
  return ok_json({{"account", address}, {"expired", true}});
}

net::Response GoogleSandbox::revoke(const std::string& address) {
  if (!has_account(address)) return unknown_account(address);
  oauth_->revoke_account(address);
  return ok_json({{"account", address}, {"revoked", true}});
}

net::Response GoogleSandbox::expire_history(const std::string& address) {
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(address);
  if (it == accounts_.end()) return unknown_account(address);
  it->second.mailbox->expire_history();
  return ok_json(
      {{"account", address}, {"history_id", std::to_string(it->second.mailbox->current_history_id())}});
}

void GoogleSandbox::count(const std::string& account, const std::string& endpoint) {
  with_stats(account, [&](Stats& s) { ++s.endpoints[endpoint]; });
}

void GoogleSandbox::count_push(const std::string& account, const char* what) {
  const std::string w = what;
  with_stats(account, [&](Stats& s) {
    if (w == "sent")
      ++s.pushes_sent;
    else if (w == "dropped")
      ++s.pushes_dropped;
    else if (w == "failed")
      ++s.pushes_failed;
    else
      ++s.push_attempts;
  });
}

nlohmann::json GoogleSandbox::stats(const std::string& address) {
  Stats total;
  {
    const std::lock_guard lock(stats_mu_);
    for (const auto& [account, s] : stats_) {
      if (!address.empty() && account != address) continue;
      for (const auto& [name, n] : s.endpoints) total.endpoints[name] += n;
      total.units += s.units;
      total.rejected_403 += s.rejected_403;
      total.rejected_429 += s.rejected_429;
      total.rejected_fault += s.rejected_fault;
      total.batched_calls += s.batched_calls;
      total.http_requests += s.http_requests;
      total.pushes_sent += s.pushes_sent;
      total.pushes_dropped += s.pushes_dropped;
      total.pushes_failed += s.pushes_failed;
      total.push_attempts += s.push_attempts;
    }
  }
  nlohmann::json endpoints = nlohmann::json::object();
  for (const char* name : kEndpointNames) endpoints[name] = 0;
  for (const auto& [name, n] : total.endpoints) endpoints[name] = n;
  return {{"endpoints", std::move(endpoints)},
          {"units", total.units},
          {"batched_calls", total.batched_calls},
          {"http_requests", total.http_requests},
          {"rejected",
           {{"403", total.rejected_403}, {"429", total.rejected_429}, {"fault", total.rejected_fault}}},
          {"pushes",
           {{"sent", total.pushes_sent},
            {"dropped", total.pushes_dropped},
            {"failed", total.pushes_failed},
            {"attempts", total.push_attempts}}}};
}

void GoogleSandbox::reset_stats(const std::string& address) {
  const std::lock_guard lock(stats_mu_);
  if (address.empty()) {
    stats_.clear();
  } else {
    stats_.erase(address);
  }
}

}  // namespace hiresync::sandbox::google
