// One emulated provider (sandbox/google/, sandbox/microsoft/) as the control API and
// the router see it. Implementations are thread-safe: the server calls them from several threads.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "net/http.hpp"

namespace hiresync::sandbox {

class ProviderSandbox {
 public:
  virtual ~ProviderSandbox() = default;

  // "google" / "microsoft": the `provider` value of POST /control/accounts.
  virtual const char* name() const = 0;

  // A provider-facing request (OAuth, API, keys). nullopt when the path is not this provider's.
  virtual std::optional<net::Response> handle(const net::Request& req) = 0;

  // Whether `address` (lower case) is one of this provider's accounts.
  virtual bool has_account(const std::string& address) = 0;

  // Control operations (sandbox/control.hpp documents the paths). Each returns the whole response:
  // JSON on success, the provider's error shape on bad input (400) or an unknown account (404).
  virtual net::Response upsert_account(const nlohmann::json& body) = 0;
  virtual net::Response deliver(const std::string& address, const nlohmann::json& body) = 0;
  virtual net::Response deliver_bulk(const std::string& address, const nlohmann::json& body) = 0;
  virtual net::Response add_fault(const std::string& address, const nlohmann::json& body) = 0;
  virtual net::Response expire_tokens(const std::string& address) = 0;
  virtual net::Response revoke(const std::string& address) = 0;
  virtual net::Response expire_history(const std::string& address) = 0;
  // Any other POST /control/accounts/{address}/{action...} (action may contain '/', e.g.
  // "messages/{id}/move"). nullopt when the provider has no such action (the router answers 404).
  virtual std::optional<net::Response> account_action(const std::string& /*address*/,
                                                      const std::string& /*action*/,
                                                      const nlohmann::json& /*body*/) {
    return std::nullopt;
  }
  // Counters of one account, or summed over all accounts when `address` is empty.
  virtual nlohmann::json stats(const std::string& address) = 0;
  virtual void reset_stats(const std::string& address) = 0;
};

}  // namespace hiresync::sandbox
