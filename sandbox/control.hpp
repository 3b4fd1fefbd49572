// hiresync-sandbox's front door: routes each request to the control API, /healthz, or the provider
// whose paths it is (shared/API.md "The sandbox").
//
// Control API (JSON in and out; errors in Google's error shape):
//   POST /control/accounts {"provider","address","mailbox"?,"consent"?,"hosting"?}   create or update
//   POST /control/accounts/{address}/messages {"folder","raw","internal_date_ms"?}
//   POST /control/accounts/{address}/messages:bulk {"messages":[...],"push"?}
//   POST /control/accounts/{address}/expire-tokens | /revoke | /expire-history
//   POST /control/faults {"account","status","count"?,"retry_after"?,"endpoint"?,"reason"?,"message"?}
//   POST /control/faults {"account","push":"drop|duplicate|delay","count"?,"delay_ms"?}
//   POST /control/accounts/{address}/<other action> -> ProviderSandbox::account_action (Microsoft:
//        expire-delta, expire-refresh, lifecycle, messages/{id}/move, messages/{id}/delete)
//   GET  /control/stats[?account=|?provider=]   POST /control/reset-stats[?account=]
//   GET  /healthz
// An unknown provider in POST /control/accounts answers 501; an unknown account 404.
//
// Thread-safe when the providers are.
#pragma once

#include <memory>
#include <vector>

#include "net/http.hpp"
#include "sandbox/provider.hpp"

namespace hiresync::sandbox {

class Sandbox {
 public:
  explicit Sandbox(std::vector<std::unique_ptr<ProviderSandbox>> providers)
      : providers_(std::move(providers)) {}

  // Answers one request; never throws.
  net::Response handle(const net::Request& req);

 private:
  net::Response control(const net::Request& req);
  // The provider holding an account for `address`: only `provider` when given, else the first.
  ProviderSandbox* owner_of(const std::string& address, const std::string& provider = "");
  ProviderSandbox* by_name(const std::string& name);

  std::vector<std::unique_ptr<ProviderSandbox>> providers_;
};

}  // namespace hiresync::sandbox
