#include "sandbox/control.hpp"

#include <algorithm>
#include <cctype>

#include "sandbox/google/errors.hpp"

namespace hiresync::sandbox {

namespace {

using google::api_error;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

net::Response control_error(int code, const std::string& message) {
  const char* status = code == 404   ? "NOT_FOUND"
                       : code == 501 ? "UNIMPLEMENTED"
                       : code == 405 ? "METHOD_NOT_ALLOWED"
                                     : "INVALID_ARGUMENT";
  const char* reason = code == 404 ? "notFound" : code == 501 ? "notImplemented" : "badRequest";
  return api_error(code, message, "global", reason, status);
}

}  // namespace

ProviderSandbox* Sandbox::owner_of(const std::string& address, const std::string& provider) {
  for (const auto& p : providers_) {
    if ((provider.empty() || provider == p->name()) && p->has_account(address)) return p.get();
  }
  return nullptr;
}

ProviderSandbox* Sandbox::by_name(const std::string& name) {
  for (const auto& p : providers_) {
    if (name == p->name()) return p.get();
  }
  return nullptr;
}

net::Response Sandbox::handle(const net::Request& req) {
  try {
    if (req.path == "/healthz") return net::Response::json(200, R"({"status":"ok"})");
    if (req.path.rfind("/control/", 0) == 0) return control(req);
    for (const auto& p : providers_) {
      if (auto r = p->handle(req)) return std::move(*r);
    }
    return google::not_found();
  } catch (const std::exception& e) {
    return api_error(500, std::string("sandbox error: ") + e.what(), "global", "backendError", "INTERNAL");
  }
}

net::Response Sandbox::control(const net::Request& req) {
  const std::string& path = req.path;
  if (req.method == "GET" && path == "/control/stats") {
    const std::string account = lower(req.param("account").value_or(""));
    if (account.empty()) {
      // Summed over one provider's accounts: ?provider= (default the first, Google).
      ProviderSandbox* p = providers_.empty() ? nullptr : providers_.front().get();
      if (const auto name = req.param("provider")) p = by_name(*name);
      if (p == nullptr) return control_error(404, "no such provider");
      return net::Response::json(200, p->stats("").dump());
    }
    ProviderSandbox* p = owner_of(account, req.param("provider").value_or(""));
    if (p == nullptr) return control_error(404, "Unknown account: " + account);
    return net::Response::json(200, p->stats(account).dump());
  }
  if (req.method != "POST") return control_error(405, "control requests are POST (GET for stats)");
  if (path == "/control/reset-stats") {
    const std::string account = lower(req.param("account").value_or(""));
    for (const auto& p : providers_) p->reset_stats(account);
    return net::Response::json(200, R"({"reset":true})");
  }

  nlohmann::json body = nlohmann::json::object();
  if (!req.body.empty()) {
    body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return control_error(400, "the body must be a JSON object");
  }
  if (path == "/control/accounts") {
    const std::string provider = body.contains("provider") && body["provider"].is_string()
                                     ? body["provider"].get<std::string>()
                                     : "google";
    ProviderSandbox* p = by_name(provider);
    if (p == nullptr) return control_error(501, "provider not emulated yet: " + provider);
    return p->upsert_account(body);
  }
  // An address may have an account on both providers; "provider" (body or ?provider=) picks one,
  // else the first that has the address (Google before Microsoft).
  std::string chosen = req.param("provider").value_or("");
  if (body.contains("provider") && body["provider"].is_string()) chosen = body["provider"].get<std::string>();
  if (path == "/control/faults") {
    const std::string account = body.contains("account") && body["account"].is_string()
                                    ? lower(body["account"].get<std::string>())
                                    : "";
    ProviderSandbox* p = owner_of(account, chosen);
    if (p == nullptr) return control_error(404, "Unknown account: " + account);
    return p->add_fault(account, body);
  }
  constexpr std::string_view kPrefix = "/control/accounts/";
  if (path.rfind(kPrefix, 0) == 0) {
    const std::string rest = path.substr(kPrefix.size());
    const std::size_t slash = rest.find('/');  // addresses hold no '/'; actions may
    if (slash == std::string::npos) return control_error(404, "unknown control path");
    const std::string address = lower(rest.substr(0, slash));
    const std::string action = rest.substr(slash + 1);
    ProviderSandbox* p = owner_of(address, chosen);
    if (p == nullptr) return control_error(404, "Unknown account: " + address);
    if (action == "messages") return p->deliver(address, body);
    if (action == "messages:bulk") return p->deliver_bulk(address, body);
    if (action == "expire-tokens") return p->expire_tokens(address);
    if (action == "revoke") return p->revoke(address);
    if (action == "expire-history") return p->expire_history(address);
    if (auto r = p->account_action(address, action, body)) return std::move(*r);
  }
  return control_error(404, "unknown control path");
}

}  // namespace hiresync::sandbox
