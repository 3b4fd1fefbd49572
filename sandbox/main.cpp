// `hiresync-sandbox`: the provider emulator (Google and Microsoft) for the demo and the tests.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "net/server.hpp"
#include "sandbox/clock.hpp"
#include "sandbox/control.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/microsoft/microsoft_sandbox.hpp"

namespace {

namespace google = hiresync::sandbox::google;
namespace microsoft = hiresync::sandbox::microsoft;

int run_main(int argc, char** argv) {
  CLI::App app{"hiresync-sandbox: emulates the Google and Microsoft provider sides for HireSync"};
  std::string listen = "127.0.0.1:9090";
  google::GoogleOptions g;
  std::string quota_table = "2026";
  int user_quota = -1;
  app.add_option("--listen", listen, "HOST:PORT to serve on (port 0 picks a free one)");
  app.add_flag("--auto-consent", g.auto_consent, "approve authorizations at once for the login_hint account");
  app.add_option("--google-push-endpoint", g.push_endpoint, "URL that receives Gmail Pub/Sub pushes");
  app.add_option("--google-push-audience", g.push_audience,
                 "aud of the push JWT (default: the push endpoint)");
  app.add_option("--gmail-quota-table", quota_table, "2026 or legacy (per-method units)")
      ->check(CLI::IsMember({"2026", "legacy"}));
  app.add_option("--gmail-user-quota", user_quota, "units per user per minute (default 6000; legacy 15000)");
  app.add_option("--gmail-max-concurrent", g.max_concurrent,
                 "requests in flight per user before 429 (default 10)");
  app.add_option("--gmail-latency-ms", g.latency_ms,
                 "answer each Gmail API request (a batch counts once) this many ms late (default 0)");
  app.add_option("--history-retention", g.history_retention,
                 "history records kept per account (default 100000)");
  app.add_option(
      "--push-min-interval-ms", g.push_min_interval_ms,
      "drop a push within this many ms of the previous one for the user (default 1000; 0 disables)");
  app.add_option("--token-ttl", g.token_ttl_s, "access token lifetime in seconds (default 3599)");
  microsoft::MicrosoftOptions m;
  app.add_option("--ms-refresh-grace-s", m.refresh_grace_s,
                 "seconds a rotated Entra refresh token keeps working (default 60)");
  app.add_option("--graph-requests-per-10min", m.requests_per_10min,
                 "Graph requests per mailbox per 10 minutes before 429 (default 10000)");
  app.add_option("--graph-max-concurrent", m.max_concurrent,
                 "Graph requests in flight per mailbox before 429 (default 4)");
  app.add_option("--graph-subscription-max-minutes", m.subscription_max_minutes,
                 "maximum subscription lifetime in minutes (default 4230, the documented limit for "
                 "messages; newer tenants allow 10080)");
  app.add_flag("--allow-http-notifications", m.allow_http_notifications,
               "accept http:// notification URLs (real Graph requires https; for loopback demos and tests)");
  app.add_option("--graph-search-max-results", m.search_max_results,
                 "results a $search on messages returns at most, over all pages (default 1000)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  g.quota_table = *google::parse_quota_table(quota_table);
  g.user_quota_per_minute =
      user_quota > 0 ? user_quota : (g.quota_table == google::QuotaTable::kLegacy ? 15000 : 6000);

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  hiresync::sandbox::SystemClock clock;
  auto google_sandbox = google::GoogleSandbox::create(g, clock);
  if (!google_sandbox.ok()) {
    std::cerr << "hiresync-sandbox: " << google_sandbox.error().detail << "\n";
    return 1;
  }
  std::vector<std::unique_ptr<hiresync::sandbox::ProviderSandbox>> providers;
  providers.push_back(std::move(google_sandbox).value());
  m.auto_consent = g.auto_consent;
  m.token_ttl_s = g.token_ttl_s;
  providers.push_back(std::make_unique<microsoft::MicrosoftSandbox>(m, clock));
  hiresync::sandbox::Sandbox sandbox(std::move(providers));

  hiresync::net::HttpServer server(
      [&sandbox](const hiresync::net::Request& req) { return sandbox.handle(req); },
      hiresync::net::ServerOptions{});
  const auto port = server.start(listen);
  if (!port.ok()) {
    std::cerr << "hiresync-sandbox: cannot listen on " << listen << ": " << port.error().detail << "\n";
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "hiresync-sandbox listening on http://" << host << ":" << *port << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Last net for an allocation failure or a library bug: say what happened instead of aborting.
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "hiresync-sandbox: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "hiresync-sandbox: internal error\n";
  }
  return 1;
}
