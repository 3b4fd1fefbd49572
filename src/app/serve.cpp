// `hiresync serve`: wires the store, the provider connectors, the sync engine and the API into one
// process. Only this folder knows every stage.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/api.hpp"
#include "api/config.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "crypto/secret_box.hpp"
#include "metrics/metrics.hpp"
#include "net/client.hpp"
#include "net/server.hpp"
#include "providers/google/google.hpp"
#include "providers/microsoft/microsoft.hpp"
#include "store/postgres/pg_listener.hpp"
#include "store/sql/sql_store.hpp"
#include "sync/cluster.hpp"
#include "sync/engine.hpp"

namespace hiresync::app {

namespace {

// The sandbox's built-in OAuth client (hiresync-sandbox accepts exactly these).
constexpr const char* kSandboxClientId = "hiresync-sandbox-client";
constexpr const char* kSandboxClientSecret = "hiresync-sandbox-secret";
constexpr const char* kSandboxTopic = "projects/hiresync-sandbox/topics/gmail-push";

// Structured logs: one JSON object per line on stderr. Callers never pass tokens or passwords.
class Logger {
 public:
  explicit Logger(std::ostream& err) : err_(err) {}
  void log(const char* level, std::string_view message) {
    const nlohmann::json line{{"ts", std::time(nullptr)}, {"level", level}, {"msg", message}};
    std::lock_guard lock(mu_);
    err_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
  }

 private:
  std::ostream& err_;
  std::mutex mu_;
};

providers::google::GoogleConfig google_config(const api::ServeConfig& cfg) {
  providers::google::GoogleConfig g;
  g.redirect_uri = cfg.public_url + "/oauth/callback";
  g.client_id = cfg.google.client_id;
  g.client_secret = cfg.google.client_secret;
  g.push_topic = cfg.google.push_topic;
  g.push_audience =
      cfg.google.push_audience.empty() ? cfg.public_url + "/webhooks/google" : cfg.google.push_audience;
  g.push_service_account = cfg.google.push_service_account;
  const api::GmailQuotaSettings& q = cfg.sync.gmail_quota;
  g.quota = {static_cast<int>(q.profile),       static_cast<int>(q.history_list),
             static_cast<int>(q.messages_list), static_cast<int>(q.messages_get),
             static_cast<int>(q.watch),         static_cast<int>(q.stop)};
  g.batch_size = static_cast<int>(cfg.sync.gmail_batch_size);
  if (!cfg.sandbox.empty()) {
    std::string base = cfg.sandbox;
    while (!base.empty() && base.back() == '/') base.pop_back();
    g.auth_url = base + "/o/oauth2/v2/auth";
    g.token_url = base + "/token";
    g.revoke_url = base + "/revoke";
    g.api_base = base;
    g.jwks_url = base + "/oauth2/v3/certs";
    if (g.client_id.empty()) g.client_id = kSandboxClientId;
    if (g.client_secret.empty()) g.client_secret = kSandboxClientSecret;
    if (g.push_topic.empty()) g.push_topic = kSandboxTopic;
  }
  return g;
}

providers::microsoft::MicrosoftConfig microsoft_config(const api::ServeConfig& cfg) {
  providers::microsoft::MicrosoftConfig m;
  m.redirect_uri = cfg.public_url + "/oauth/callback";
  m.client_id = cfg.microsoft.client_id;
  m.client_secret = cfg.microsoft.client_secret;
  m.tenant = cfg.microsoft.tenant;
  m.subscription_minutes = static_cast<int>(cfg.microsoft.subscription_minutes);
  if (!cfg.sandbox.empty()) {
    std::string base = cfg.sandbox;
    while (!base.empty() && base.back() == '/') base.pop_back();
    m.authority = base;
    m.graph_base = base;
    if (m.client_id.empty()) m.client_id = kSandboxClientId;
    if (m.client_secret.empty()) m.client_secret = kSandboxClientSecret;
  }
  return m;
}

// <hostname>:<port>: unique per machine and listening port, readable in GET /api/ops/cluster.
std::string default_node_id(int port) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "localhost");
  return std::string(host) + ":" + std::to_string(port);
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

int run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err) {
  // Block the stop signals before any thread starts, so every thread inherits the mask and the
  // main thread alone receives them in sigwait().
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  api::ServeFlags flags;
  auto set = [](std::optional<std::string>& field, const std::string& value) {
    if (!value.empty()) field = value;
  };
  set(flags.config_file, options.config_file);
  set(flags.listen, options.listen);
  set(flags.db, options.db);
  set(flags.public_url, options.public_url);
  set(flags.sandbox, options.sandbox);
  set(flags.log_level, options.log_level);
  auto cfg = api::load_serve_config(flags, api::process_env());
  if (!cfg) {
    err << "hiresync serve: " << cfg.error().detail << "\n";
    return 2;
  }
  Logger logger(err);

  auto box = crypto::SecretBox::load(cfg->secret_key, cfg->secret_key_file);
  if (!box) {
    err << "hiresync serve: secret key: " << box.error().detail << "\n";
    return 2;
  }
  const std::string db_path = cfg->db;
  bool clustered = false;  // PostgreSQL: one node of a cluster; SQLite: the only node, as always
  if (auto first = open_store(db_path); !first) {  // creates the file and applies migrations once
    err << "hiresync serve: cannot open " << db_path << ": " << first.error().detail << "\n";
    return 1;
  } else if (const auto* sql = dynamic_cast<const store::SqlStore*>(first->get()); sql != nullptr) {
    clustered = sql->dialect() == store::sql::Dialect::kPostgres;
  }
  auto open = [db_path]() -> model::Result<std::unique_ptr<store::Store>> { return open_store(db_path); };

  // Bind first: with "--listen host:0" the public URL (OAuth redirect, push audience) needs the
  // port the kernel chose. Requests that arrive before the API is ready get 503.
  std::atomic<api::Api*> ready{nullptr};
  net::HttpServer server(
      [&ready](const net::Request& r) {
        api::Api* a = ready.load();
        return a != nullptr ? a->handle(r) : net::Response::text(503, "starting\n");
      },
      net::ServerOptions{8});
  auto port = server.start(cfg->listen);
  if (!port) {
    err << "hiresync serve: " << port.error().detail << "\n";
    return 1;
  }
  const std::string host = cfg->listen.substr(0, cfg->listen.rfind(':'));
  if (cfg->public_url_derived) cfg->public_url = "http://" + host + ":" + std::to_string(*port);

  metrics::Registry metrics;
  auto http = net::make_curl_client();
  const auto google = google_config(*cfg);
  auto google_oauth = providers::google::make_oauth_client(google, *http);
  auto gmail = providers::google::make_mail_client(google, *http);
  providers::google::PushVerifier google_push(google, *http,
                                              [] { return static_cast<std::int64_t>(std::time(nullptr)); });

  const auto microsoft = microsoft_config(*cfg);
  auto microsoft_oauth = providers::microsoft::make_oauth_client(microsoft, *http);
  auto graph = providers::microsoft::make_mail_client(microsoft, *http);

  sync::EngineConfig engine_config;
  engine_config.workers = static_cast<int>(cfg->sync.workers);
  engine_config.backfill_days = static_cast<int>(cfg->sync.backfill_days);
  engine_config.poll_interval_s = static_cast<int>(cfg->sync.poll_interval_s);
  engine_config.watch_renew_s = static_cast<int>(cfg->sync.watch_renew_s);
  engine_config.authorization_timeout_s = static_cast<int>(cfg->sync.authorization_timeout_s);
  engine_config.units_per_minute = static_cast<int>(cfg->sync.gmail_units_per_minute);
  engine_config.push_hot_window_ms = static_cast<int>(cfg->sync.push_hot_window_ms);
  engine_config.push_hot_poll_ms = static_cast<int>(cfg->sync.push_hot_poll_ms);
  if (const char* point = std::getenv("HIRESYNC_CRASH_POINT"); point != nullptr) {
    engine_config.crash_point = point;  // crash tests only: see sync::EngineConfig
    logger.log("warn", std::string("crash point armed: ") + point);
  }
  const std::string node_id = options.node_id.empty() ? default_node_id(*port) : options.node_id;
  const std::string node_address = host + ":" + std::to_string(*port);
  std::optional<sync::Cluster> cluster;
  if (clustered) {
    sync::ClusterConfig cluster_config{node_id, node_address, static_cast<int>(cfg->cluster.heartbeat_ms),
                                       static_cast<int>(cfg->cluster.lease_ms)};
    sync::ClusterDeps cluster_deps;
    cluster_deps.open_store = open;
    cluster_deps.open_listener = [db_path]() -> std::unique_ptr<store::NoticeListener> {
      return std::make_unique<store::postgres::Listener>(db_path);
    };
    cluster_deps.log = [&logger](const char* level, const std::string& message) {
      logger.log(level, message);
    };
    cluster.emplace(cluster_config, std::move(cluster_deps));
  }

  sync::EngineDeps deps;
  deps.open_store = open;
  deps.placement = cluster ? &*cluster : nullptr;
  deps.node_id = node_id;
  deps.node_address = node_address;
  deps.box = &*box;
  deps.metrics = &metrics;
  deps.log = [&logger](const char* level, const std::string& message) { logger.log(level, message); };
  constexpr auto kGraphBudget = providers::microsoft::kMailboxBudget;
  deps.providers["microsoft"] = sync::ProviderClients{
      microsoft_oauth.get(), graph.get(),           nullptr, "", cfg->public_url + "/webhooks/microsoft",
      kGraphBudget.units,    kGraphBudget.window_ms};
  deps.providers["google"] =
      sync::ProviderClients{google_oauth.get(), gmail.get(), &google_push, google.push_topic, "", 0, 61000};
  sync::Engine engine(engine_config, std::move(deps));

  api::ApiConfig api_config;
  api_config.operator_token = cfg->operator_token;
  api_config.public_url = cfg->public_url;
  api_config.web_dir = cfg->web_dir;
  api_config.cookie_secure = cfg->public_url.rfind("https://", 0) == 0;
  api_config.log = [&logger](std::string_view line) { logger.log("error", line); };
  api::Api api(
      [open]() -> std::unique_ptr<store::Store> {
        auto s = open();
        return s ? std::move(*s) : nullptr;
      },
      engine, metrics, api_config);
  if (auto st = engine.start(); !st) {
    server.stop();
    err << "hiresync serve: sync engine: " << st.error().detail << "\n";
    return 1;
  }
  if (cluster) {
    if (auto st = cluster->start(engine); !st) {
      server.stop();
      err << "hiresync serve: cluster: " << st.error().detail << "\n";
      return 1;
    }
    logger.log("info", "cluster node " + node_id);
  }
  ready = &api;
  out << "hiresync serve listening on http://" << host << ":" << *port << "\n" << std::flush;
  logger.log("info", "serving on " + host + ":" + std::to_string(*port) +
                         (cfg->sandbox.empty() ? "" : " with providers at " + cfg->sandbox));

  int received = 0;
  sigwait(&signals, &received);
  logger.log("info", "stopping");
  server.stop();
  // Hand the mailboxes back first, at once: the other nodes claim them while this one's runs stop
  // (any write they still try is fenced).
  if (cluster) cluster->stop();
  engine.stop();
  return 0;
}

}  // namespace hiresync::app
