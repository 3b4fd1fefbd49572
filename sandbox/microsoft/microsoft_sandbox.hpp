// The Microsoft side of hiresync-sandbox: Entra OAuth (entra.hpp), Microsoft Graph v1.0 mail and
// subscriptions (graph_api.cpp, graph_folders.cpp, graph_subscriptions.cpp), change notifications
// (notifier.hpp), and the Microsoft part of the control API.
//
// Each Graph request goes through, in order: stats count, Bearer check (401
// InvalidAuthenticationToken), user check (users/{id|upn} must be the caller), injected faults,
// mailbox enabled (404 MailboxNotEnabledForRESTAPI for mail calls and subscription creation),
// per-mailbox concurrency (429 ApplicationThrottled beyond max_concurrent in flight), per-mailbox
// budget (429 beyond requests_per_10min in a sliding 10-minute window), then the method.
//
// Thread-safe. Locks: mu_ (accounts, mailboxes, faults, subscriptions) and stats_mu_; never held
// while calling Entra, the notifier or the network.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "net/client.hpp"
#include "sandbox/clock.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/google/quota.hpp"
#include "sandbox/microsoft/account.hpp"
#include "sandbox/microsoft/entra.hpp"
#include "sandbox/microsoft/graph_mailbox.hpp"
#include "sandbox/microsoft/notifier.hpp"
#include "sandbox/provider.hpp"

namespace hiresync::sandbox::microsoft {

struct MicrosoftOptions {
  bool auto_consent = false;
  std::int64_t token_ttl_s = 3599;
  std::int64_t refresh_grace_s = 60;
  int requests_per_10min = 10000;
  int max_concurrent = 4;
  // Outlook message subscriptions: the documented maximum lifetime (sandbox/README.md, Subscriptions).
  std::int64_t subscription_max_minutes = 4230;
  // Graph refuses http:// notification URLs; the demo and the tests on loopback opt in.
  bool allow_http_notifications = false;
  std::size_t search_max_results = 1000;  // a $search on messages returns at most this many
  std::size_t default_page_size = 10;
  std::chrono::milliseconds validation_timeout{10000};
  NotifierOptions notifier;
};

class MicrosoftSandbox final : public ProviderSandbox {
 public:
  // `clock` must outlive the object. `client` (nullptr: a curl client) makes the validation
  // handshakes and the notification POSTs.
  MicrosoftSandbox(MicrosoftOptions options, const Clock& clock,
                   std::unique_ptr<net::HttpClient> client = nullptr);
  ~MicrosoftSandbox() override;

  const char* name() const override { return "microsoft"; }
  std::optional<net::Response> handle(const net::Request& req) override;
  bool has_account(const std::string& address) override;
  net::Response upsert_account(const nlohmann::json& body) override;
  net::Response deliver(const std::string& address, const nlohmann::json& body) override;
  net::Response deliver_bulk(const std::string& address, const nlohmann::json& body) override;
  net::Response add_fault(const std::string& address, const nlohmann::json& body) override;
  net::Response expire_tokens(const std::string& address) override;
  net::Response revoke(const std::string& address) override;
  net::Response expire_history(const std::string& address) override;  // = expire-delta
  std::optional<net::Response> account_action(const std::string& address, const std::string& action,
                                              const nlohmann::json& body) override;
  nlohmann::json stats(const std::string& address) override;
  void reset_stats(const std::string& address) override;

  google::ConcurrencyLimiter& concurrency() { return concurrency_; }  // tests hold slots

 private:
  struct Account {
    AccountSettings settings;
    std::unique_ptr<GraphMailbox> mailbox;
    FaultQueue faults;
    std::deque<std::int64_t> requests;  // admitted request times in the last 10 minutes
  };
  struct Stats {
    std::map<std::string, std::int64_t> endpoints;
    std::int64_t rejected_401 = 0, rejected_429 = 0, rejected_fault = 0;
    std::int64_t sent = 0, dropped = 0, failed = 0, attempts = 0, validations = 0;
  };
  struct Caller {
    AccountSettings settings;
    std::string scope;
    bool immutable = false;
    std::string base;  // "http://host" for links
  };

  // graph_api.cpp
  net::Response handle_graph(const net::Request& req);
  net::Response graph_method(const net::Request& req, const Caller& c, const std::string& method,
                             const std::string& sub);
  net::Response me(const Caller& c);
  net::Response delta(const net::Request& req, const Caller& c, const std::string& folder);
  net::Response get_message(const net::Request& req, const Caller& c, const std::string& id, bool value);
  net::Response list_messages(const net::Request& req, const Caller& c);
  // graph_folders.cpp: folders.list, folders.get, folders.children, folders.delta (mu_ held by
  // folders() around folder_delta()).
  net::Response folders(const net::Request& req, const Caller& c, const std::string& method,
                        const std::string& folder);
  net::Response folder_delta(const net::Request& req, const Caller& c, GraphMailbox& mailbox,
                             const std::string& folder);
  // graph_subscriptions.cpp
  net::Response create_subscription(const net::Request& req, const Caller& c);
  net::Response renew_subscription(const net::Request& req, const Caller& c, const std::string& id);
  net::Response delete_subscription(const Caller& c, const std::string& id);
  net::Response get_subscriptions(const Caller& c, const std::string& id);
  net::Response reauthorize_subscription(const Caller& c, const std::string& id);
  nlohmann::json subscription_json(const Subscription& s) const;
  // Queues the change notifications of `changes` (change type, message) for `address`; locks mu_.
  void notify_changes(const std::string& address,
                      const std::vector<std::pair<std::string, const StoredMessage*>>& changes,
                      const std::string& folder, const std::string& old_folder);
  net::Response lifecycle(const std::string& address, const nlohmann::json& body);
  // POST folders {"name","parent"?,"hidden"?} and rules {"from"?,"subject_contains"?,"folder"}.
  net::Response folder_action(const std::string& address, const std::string& action,
                              const nlohmann::json& body);

  std::optional<AccountSettings> settings_of(const std::string& address);
  std::optional<ApiFault> take_fault(const std::string& account, const std::string& path);
  // Admits one request against the 10-minute budget; else the seconds until a slot frees.
  int charge(const std::string& account);
  net::Response graph_err(int status, const char* code, const std::string& message,
                          int retry_after = -1) const;
  net::Response control_ok(const nlohmann::json& j) const;

  void count(const std::string& account, const std::string& endpoint);
  template <typename F>
  void with_stats(const std::string& account, F&& f) {
    const std::lock_guard lock(stats_mu_);
    f(stats_[account]);
  }

  const MicrosoftOptions options_;
  const Clock& clock_;
  std::unique_ptr<net::HttpClient> http_;
  google::ConcurrencyLimiter concurrency_;
  std::unique_ptr<EntraServer> entra_;
  std::unique_ptr<Notifier> notifier_;

  std::mutex mu_;
  std::map<std::string, Account> accounts_;
  std::map<std::string, Subscription> subscriptions_;

  std::mutex stats_mu_;
  std::map<std::string, Stats> stats_;
};

}  // namespace hiresync::sandbox::microsoft
