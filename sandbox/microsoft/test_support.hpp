// Shared fixture of the Microsoft sandbox tests: an in-process Sandbox (Google + Microsoft) on a
// ManualClock, and helpers to call it the way an HTTP client would.
#pragma once

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "sandbox/control.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/microsoft/microsoft_sandbox.hpp"

namespace hiresync::sandbox::microsoft::testing {

using nlohmann::json;

inline std::string s256(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return net::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// The value of query parameter `name` in a URL, or "".
inline std::string url_param(const std::string& url, const std::string& name) {
  const std::size_t q = url.find('?');
  if (q == std::string::npos) return {};
  for (const auto& [n, v] : net::parse_query(url.substr(q + 1))) {
    if (n == name) return v;
  }
  return {};
}

inline const std::string kVerifier = "verifier-0123456789-0123456789-0123456789-abcdef";

class MsFixture : public ::testing::Test {
 protected:
  void build(MicrosoftOptions options = {}, std::unique_ptr<net::HttpClient> client = nullptr) {
    auto g = google::GoogleSandbox::create(google::GoogleOptions{}, clock_);
    ASSERT_TRUE(g.ok());
    auto ms = std::make_unique<MicrosoftSandbox>(std::move(options), clock_, std::move(client));
    ms_ = ms.get();
    std::vector<std::unique_ptr<ProviderSandbox>> providers;
    providers.push_back(std::move(g).value());
    providers.push_back(std::move(ms));
    sandbox_ = std::make_unique<Sandbox>(std::move(providers));
  }

  net::Response call(const std::string& method, const std::string& target, const std::string& body = "",
                     net::Fields headers = {}) {
    net::Request req;
    req.method = method;
    req.target = target;
    const std::size_t q = target.find('?');
    req.path = net::url_decode(target.substr(0, q), false);
    if (q != std::string::npos) req.query = net::parse_query(target.substr(q + 1));
    req.headers = std::move(headers);
    req.headers.emplace_back("Host", "sandbox.test");
    req.body = body;
    return sandbox_->handle(req);
  }

  // A Graph call with the bearer token; `url` may be absolute (a nextLink).
  net::Response graph(const std::string& url, const std::string& token, net::Fields headers = {},
                      const std::string& method = "GET", const std::string& body = "") {
    std::string target = url;
    if (target.rfind("http://sandbox.test", 0) == 0) target = target.substr(19);
    headers.emplace_back("Authorization", "Bearer " + token);
    return call(method, target, body, std::move(headers));
  }

  json control(const std::string& path, const json& body, int expect = 200) {
    const net::Response r = call("POST", path, body.dump());
    EXPECT_EQ(r.status, expect) << path << " " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  void account(const std::string& address, json extra = json::object()) {
    extra["provider"] = "microsoft";
    extra["address"] = address;
    control("/control/accounts", extra, 201);
  }

  json deliver(const std::string& address, const std::string& raw, const std::string& folder = "inbox") {
    return control("/control/accounts/" + address + "/messages", {{"folder", folder}, {"raw", raw}});
  }

  // Runs authorize (auto consent) for `address`; returns the redirect Location.
  std::string authorize(const std::string& address, const std::string& scope,
                        const std::string& tenant = "organizations") {
    const net::Response r = authorize_response(address, scope, tenant);
    EXPECT_EQ(r.status, 302) << r.body;
    return r.header("Location");
  }
  // The authorize endpoint's answer as it is (a redirect, or Entra's own page).
  net::Response authorize_response(const std::string& address, const std::string& scope,
                                   const std::string& tenant = "organizations") {
    return call("GET",
                "/" + tenant + "/oauth2/v2.0/authorize?" +
                    net::encode_query({{"client_id", "hiresync-sandbox-client"},
                                       {"response_type", "code"},
                                       {"redirect_uri", "http://127.0.0.1:8080/oauth/microsoft/callback"},
                                       {"scope", scope},
                                       {"state", "st-1"},
                                       {"login_hint", address},
                                       {"code_challenge", s256(kVerifier)},
                                       {"code_challenge_method", "S256"}}));
  }

  net::Response token_request(const net::Fields& form) {
    net::Fields f = {{"client_id", "hiresync-sandbox-client"}, {"client_secret", "hiresync-sandbox-secret"}};
    f.insert(f.end(), form.begin(), form.end());
    return call("POST", "/organizations/oauth2/v2.0/token", net::encode_query(f),
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  }

  net::Response redeem(const std::string& code) {
    return token_request({{"grant_type", "authorization_code"},
                          {"code", code},
                          {"redirect_uri", "http://127.0.0.1:8080/oauth/microsoft/callback"},
                          {"code_verifier", kVerifier}});
  }

  // A full code flow; returns the token response.
  json sign_in(const std::string& address,
               const std::string& scope = "offline_access openid User.Read Mail.Read") {
    const net::Response r = redeem(url_param(authorize(address, scope), "code"));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  static std::string raw_message(const std::string& from, const std::string& to, const std::string& subject,
                                 const std::string& message_id, const std::string& extra = "") {
    return "From: Sender Name <" + from + ">\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" +
           message_id + ">\r\nDate: Mon, 10 Jun 2024 09:39:05 +0000\r\n" + extra + "\r\nHello there.\r\n";
  }

  ManualClock clock_{1'750'000'000'000};
  std::unique_ptr<Sandbox> sandbox_;
  MicrosoftSandbox* ms_ = nullptr;
};

}  // namespace hiresync::sandbox::microsoft::testing
