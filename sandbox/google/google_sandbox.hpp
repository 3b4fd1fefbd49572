// The Google side of hiresync-sandbox: OAuth (oauth.hpp), the Gmail API under
// /gmail/v1/users/{userId}/ (profile, messages, messages/{id}, history, watch, stop), Pub/Sub push
// (push.hpp), the JWKS at /oauth2/v3/certs, and the Google part of the control API.
//
// POST /batch/gmail/v1 runs up to 100 Gmail calls in one request (batch.cpp).
//
// Each Gmail API request goes through, in order: stats count, Bearer check (401 authError), userId
// check, injected faults, mailbox enabled (400 failedPrecondition), scope check (403),
// per-user concurrency (429), per-user quota units (403 userRateLimitExceeded), then the method.
//
// Thread-safe. Locks: mu_ (accounts, mailboxes, faults, watches) and stats_mu_ (counters); never
// held while calling the OAuth server or the push dispatcher.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "net/client.hpp"
#include "sandbox/clock.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/google/account.hpp"
#include "sandbox/google/jwt.hpp"
#include "sandbox/google/mailbox.hpp"
#include "sandbox/google/oauth.hpp"
#include "sandbox/google/push.hpp"
#include "sandbox/google/quota.hpp"
#include "sandbox/provider.hpp"

namespace hiresync::sandbox::google {

struct GoogleOptions {
  bool auto_consent = false;
  std::string push_endpoint;
  std::string push_audience;  // empty: push_endpoint
  QuotaTable quota_table = QuotaTable::k2026;
  int user_quota_per_minute = 6000;
  int max_concurrent = 10;
  std::int64_t latency_ms = 0;  // added to every Gmail API request (a batch once): the network's share
  std::size_t history_retention = 100000;
  std::int64_t push_min_interval_ms = 1000;
  std::int64_t token_ttl_s = 3599;
};

class GoogleSandbox final : public ProviderSandbox {
 public:
  // `clock` must outlive the object. kInternal when the signing key cannot be made.
  static model::Result<std::unique_ptr<GoogleSandbox>> create(GoogleOptions options, const Clock& clock);
  ~GoogleSandbox() override;

  const char* name() const override { return "google"; }
  std::optional<net::Response> handle(const net::Request& req) override;
  bool has_account(const std::string& address) override;
  net::Response upsert_account(const nlohmann::json& body) override;
  net::Response deliver(const std::string& address, const nlohmann::json& body) override;
  net::Response deliver_bulk(const std::string& address, const nlohmann::json& body) override;
  net::Response add_fault(const std::string& address, const nlohmann::json& body) override;
  net::Response expire_tokens(const std::string& address) override;
  net::Response revoke(const std::string& address) override;
  net::Response expire_history(const std::string& address) override;
  // drafts, drafts/{id}/send, messages/{id}/modify|trash|spam (mail_actions.cpp; sandbox/README.md).
  std::optional<net::Response> account_action(const std::string& address, const std::string& action,
                                              const nlohmann::json& body) override;
  nlohmann::json stats(const std::string& address) override;
  void reset_stats(const std::string& address) override;

  const RsaSigner& signer() const { return *signer_; }
  OAuthServer& oauth() { return *oauth_; }

 private:
  struct Watch {
    bool active = false;
    std::vector<std::string> label_ids;
    bool exclude = false;
    std::int64_t expiration_ms = 0;
  };
  struct Account {
    AccountSettings settings;
    std::unique_ptr<Mailbox> mailbox;
    FaultQueue faults;
    Watch watch;
    std::map<std::string, std::string> drafts;  // draft id -> its current message id
  };
  struct Stats {
    std::map<std::string, std::int64_t> endpoints;
    std::int64_t units = 0;
    std::int64_t rejected_403 = 0, rejected_429 = 0, rejected_fault = 0;
    std::int64_t batched_calls = 0;  // calls that came as parts of a batch (also in `endpoints`)
    std::int64_t http_requests = 0;  // Gmail API requests on the wire: a batch is one
    std::int64_t pushes_sent = 0, pushes_dropped = 0, pushes_failed = 0, push_attempts = 0;
  };

  GoogleSandbox(GoogleOptions options, const Clock& clock, std::unique_ptr<RsaSigner> signer);

  // gmail_api.cpp
  // `batched`: a part of a batch request, whose concurrency slot the batch already holds.
  net::Response handle_gmail(const net::Request& req, bool batched = false);
  // batch.cpp: POST /batch/gmail/v1.
  net::Response handle_batch(const net::Request& req);
  net::Response gmail_method(const net::Request& req, const std::string& account, const std::string& method,
                             const std::string& rest);
  net::Response profile(const std::string& account);
  net::Response list_messages(const net::Request& req, const std::string& account);
  net::Response get_message(const net::Request& req, const std::string& account, const std::string& id);
  net::Response list_history(const net::Request& req, const std::string& account);
  net::Response watch(const net::Request& req, const std::string& account);
  net::Response stop(const std::string& account);

  // mail_actions.cpp
  net::Response save_draft(const std::string& address, const nlohmann::json& body);
  net::Response send_draft(const std::string& address, const std::string& draft_id);
  net::Response modify_labels(const std::string& address, const std::string& id,
                              const std::vector<std::string>& add, const std::vector<std::string>& remove);

  // Sleeps options_.latency_ms (a request's round trip over a real network).
  void delay_answer() const;

  std::optional<AccountSettings> settings_of(const std::string& address);
  // Takes the first matching fault of `account` for `path`, if any. Locks mu_.
  std::optional<ApiFault> take_fault(const std::string& account, const std::string& path);
  // Whether a change with `labels` should be pushed for `account`. Caller holds mu_.
  bool watch_wants(const Account& a, const std::vector<std::string>& labels) const;
  std::uint64_t next_history_id();                     // caller holds mu_
  std::string new_message_id(const Mailbox& mailbox);  // caller holds mu_

  void count(const std::string& account, const std::string& endpoint);
  void count_push(const std::string& account, const char* what);
  template <typename F>
  void with_stats(const std::string& account, F&& f) {
    const std::lock_guard lock(stats_mu_);
    f(stats_[account]);
  }

  const GoogleOptions options_;
  const Clock& clock_;
  std::unique_ptr<RsaSigner> signer_;
  std::unique_ptr<net::HttpClient> http_;
  UserQuota quota_;
  ConcurrencyLimiter concurrency_;
  std::unique_ptr<OAuthServer> oauth_;
  std::unique_ptr<PushDispatcher> push_;

  std::mutex mu_;
  std::map<std::string, Account> accounts_;
  std::uint64_t last_history_id_;

  std::mutex stats_mu_;
  std::map<std::string, Stats> stats_;
};

}  // namespace hiresync::sandbox::google
