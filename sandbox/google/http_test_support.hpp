// Test support for the Google sandbox's HTTP tests (http_test.cpp, batch_test.cpp,
// mail_kinds_test.cpp): a sandbox served on a local port, driven through the curl client, with the
// OAuth consent and token steps as helpers. In a named namespace, inline: gtest requires the one
// fixture class for a test suite across files.
#pragma once

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/client.hpp"
#include "net/http.hpp"
#include "net/server.hpp"
#include "sandbox/control.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/google/mime_tree.hpp"

namespace hiresync::sandbox::google::test_support {

// The PKCE S256 challenge of `verifier`.
inline std::string s256(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return net::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

class SandboxHttpTest : public ::testing::Test {
 protected:
  void start(GoogleOptions options) {
    auto g = GoogleSandbox::create(std::move(options), clock_);
    ASSERT_TRUE(g.ok());
    std::vector<std::unique_ptr<ProviderSandbox>> providers;
    providers.push_back(std::move(g).value());
    sandbox_ = std::make_unique<Sandbox>(std::move(providers));
    server_ = std::make_unique<net::HttpServer>([this](const net::Request& r) { return sandbox_->handle(r); },
                                                net::ServerOptions{});
    auto port = server_->start("127.0.0.1:0");
    ASSERT_TRUE(port.ok());
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  net::ClientResponse send(const std::string& method, const std::string& path, const std::string& body = "",
                           net::Fields headers = {}) {
    net::ClientRequest req;
    req.method = method;
    req.url = base_ + path;
    req.body = body;
    req.headers = std::move(headers);
    auto r = client_->send(req);
    EXPECT_TRUE(r.ok()) << path;
    return r.ok() ? *r : net::ClientResponse{};
  }
  net::ClientResponse control(const std::string& path, const nlohmann::json& body) {
    return send("POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  net::ClientResponse form(const std::string& path, const net::Fields& fields) {
    return send("POST", path, net::encode_query(fields),
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  net::ClientResponse api(const std::string& path, const std::string& token) {
    return send("GET", "/gmail/v1/users/me/" + path, "", {{"Authorization", "Bearer " + token}});
  }

  std::string auth_url(const std::string& account, const std::string& verifier, const std::string& scope) {
    return "/o/oauth2/v2/auth?" + net::encode_query({{"response_type", "code"},
                                                     {"client_id", kClientId},
                                                     {"redirect_uri", kRedirect},
                                                     {"scope", scope},
                                                     {"state", "st<8>"},
                                                     {"access_type", "offline"},
                                                     {"prompt", "consent"},
                                                     {"login_hint", account},
                                                     {"code_challenge", s256(verifier)},
                                                     {"code_challenge_method", "S256"}});
  }
  // The query of the redirect the authorize flow ended with.
  static net::Fields redirect_query(const net::ClientResponse& r) {
    EXPECT_EQ(r.status, 302);
    const std::string location = r.header("Location");
    EXPECT_EQ(location.rfind(kRedirect, 0), 0u) << location;
    return net::parse_query(location.substr(location.find('?') + 1));
  }
  static std::string value(const net::Fields& f, const std::string& name) {
    for (const auto& [n, v] : f) {
      if (n == name) return v;
    }
    return {};
  }
  // Runs the consent page: GET authorize, then POST the form with `decision`; the decision's answer.
  net::ClientResponse decide(const std::string& account, const std::string& verifier,
                             const std::string& decision, const std::string& scope = kScope) {
    const net::ClientResponse page = send("GET", auth_url(account, verifier, scope));
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find(account), std::string::npos);
    EXPECT_EQ(page.body.find("<8>"), std::string::npos);  // nothing is echoed unescaped
    std::smatch m;
    EXPECT_TRUE(std::regex_search(page.body, m, std::regex("name=\"request_id\" value=\"([^\"]+)\"")));
    return form("/o/oauth2/v2/auth/decision",
                {{"request_id", m[1].str()}, {"account", account}, {"decision", decision}});
  }
  // The same, for a decision that redirects back: the redirect's query.
  net::Fields consent(const std::string& account, const std::string& verifier, const std::string& decision,
                      const std::string& scope = kScope) {
    return redirect_query(decide(account, verifier, decision, scope));
  }
  nlohmann::json exchange(const std::string& code, const std::string& verifier, int expect_status) {
    const net::ClientResponse r = form("/token", {{"grant_type", "authorization_code"},
                                                  {"code", code},
                                                  {"redirect_uri", kRedirect},
                                                  {"client_id", kClientId},
                                                  {"client_secret", kClientSecret},
                                                  {"code_verifier", verifier}});
    EXPECT_EQ(r.status, expect_status) << r.body;
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    return nlohmann::json::parse(r.body);
  }

  static constexpr const char* kRedirect = "http://127.0.0.1:8080/oauth/callback";
  static constexpr const char* kScope = "https://www.googleapis.com/auth/gmail.readonly openid email";
  const std::string verifier_ = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  ManualClock clock_;
  std::unique_ptr<net::HttpClient> client_ = net::make_curl_client();
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<net::HttpServer> server_;
  std::string base_;
};

// An account with delivered messages, its token, and batch requests and answers (batch_test.cpp;
// mail_kinds_test.cpp uses the account).
class SandboxBatchTest : public SandboxHttpTest {
 protected:
  // An account holding `n` delivered messages; returns their ids and sets token_.
  std::vector<std::string> account_with(int n, GoogleOptions options = {}) {
    start(std::move(options));
    EXPECT_EQ(control("/control/accounts", {{"provider", "google"}, {"address", "rita@acme.com"}}).status,
              201);
    const net::Fields cb = consent("rita@acme.com", verifier_, "allow");
    token_ = exchange(value(cb, "code"), verifier_, 200)["access_token"];
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const std::string raw = "From: a" + std::to_string(i) + "@x.com\r\nTo: rita@acme.com\r\nSubject: s" +
                              std::to_string(i) + "\r\n\r\nbody\r\n";
      ids.push_back(nlohmann::json::parse(
          control("/control/accounts/rita@acme.com/messages", {{"raw", raw}}).body)["id"]);
    }
    return ids;
  }
  net::ClientResponse batch(const std::string& body, const std::string& token) {
    return send("POST", "/batch/gmail/v1", body,
                {{"Authorization", "Bearer " + token}, {"Content-Type", "multipart/mixed; boundary=b"}});
  }
  // The response's parts: Content-ID -> (status line, body).
  static std::vector<std::pair<std::string, MimePart>> parts(const net::ClientResponse& r) {
    const MimePart root = parse_mime_tree("Content-Type: " + r.header("Content-Type") + "\r\n\r\n" + r.body);
    std::vector<std::pair<std::string, MimePart>> out;
    for (const MimePart& p : root.parts) out.emplace_back(header_value(p.headers, "Content-ID"), p);
    return out;
  }
  nlohmann::json stats() {
    return nlohmann::json::parse(send("GET", "/control/stats?account=rita@acme.com").body);
  }
  std::string token_;
};

}  // namespace hiresync::sandbox::google::test_support
