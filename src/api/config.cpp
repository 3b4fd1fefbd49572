#include "api/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hiresync::api {

using model::ErrorCode;
using model::make_error;

namespace {

std::string where(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line);
}

// Reads one table's keys into their targets; rejects unknown keys and wrong types.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string file, std::string prefix)
      : table_(table), file_(std::move(file)), prefix_(std::move(prefix)) {}

  TableReader& text(const char* key, std::string& out) {
    seen_.emplace_back(key);
    if (!error_.empty()) return *this;
    const toml::node* n = table_.get(key);
    if (n == nullptr) return *this;
    if (const auto* s = n->as_string()) {
      out = s->get();
    } else {
      error_ = where(file_, n->source()) + ": " + prefix_ + key + " must be a string";
    }
    return *this;
  }

  TableReader& integer(const char* key, std::int64_t& out, std::int64_t min) {
    seen_.emplace_back(key);
    if (!error_.empty()) return *this;
    const toml::node* n = table_.get(key);
    if (n == nullptr) return *this;
    const auto* i = n->as_integer();
    if (i == nullptr || i->get() < min) {
      error_ = where(file_, n->source()) + ": " + prefix_ + key + " must be an integer of at least " +
               std::to_string(min);
    } else {
      out = i->get();
    }
    return *this;
  }

  // Call after reading every key: the first problem, or "" when none.
  std::string finish(const std::vector<std::string>& subtables = {}) {
    if (!error_.empty()) return error_;
    for (const auto& [k, v] : table_) {
      const std::string name(k.str());
      bool known = false;
      for (const auto& s : seen_) known = known || s == name;
      for (const auto& s : subtables) known = known || s == name;
      if (!known) return where(file_, v.source()) + ": unknown setting " + prefix_ + name;
    }
    return {};
  }

 private:
  const toml::table& table_;
  std::string file_;
  std::string prefix_;
  std::vector<std::string> seen_;
  std::string error_;
};

// `gmail_quota` of [sync]: a table name, or a table of units per method over a base table (whose
// per-minute budget comes along). Returns "" or the error.
std::string read_gmail_quota(const toml::table& sync, const std::string& file, GmailQuotaSettings& out) {
  const toml::node* n = sync.get("gmail_quota");
  if (n == nullptr) return {};
  const std::string bad_name =
      ": sync.gmail_quota must be \"2026\", \"legacy\" or a table of units per method";
  if (const auto* s = n->as_string()) {
    auto named = GmailQuotaSettings::named(s->get());
    if (!named) return where(file, n->source()) + bad_name;
    out = *named;
    return {};
  }
  const auto* t = n->as_table();
  if (t == nullptr) return where(file, n->source()) + bad_name;
  if (const toml::node* b = t->get("base")) {
    const auto* name = b->as_string();
    auto named = name != nullptr ? GmailQuotaSettings::named(name->get()) : std::nullopt;
    if (!named) return where(file, b->source()) + ": sync.gmail_quota.base must be \"2026\" or \"legacy\"";
    out = *named;
  }
  std::string ignored = out.base;
  return TableReader(*t, file, "sync.gmail_quota.")
      .text("base", ignored)
      .integer("profile", out.profile, 0)
      .integer("history_list", out.history_list, 0)
      .integer("messages_list", out.messages_list, 0)
      .integer("messages_get", out.messages_get, 0)
      .integer("watch", out.watch, 0)
      .integer("stop", out.stop, 0)
      .finish();
}

model::Status apply_file(const std::string& file, ServeConfig& cfg) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the config file " + file);
  std::stringstream buf;
  buf << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(buf.str(), file);
  } catch (const toml::parse_error& e) {
    return make_error(ErrorCode::kInvalidArgument,
                      where(file, e.source()) + ": " + std::string(e.description()));
  }
  static const toml::table kEmpty;
  auto sub = [&](const char* name, const toml::table*& out) -> std::string {
    out = &kEmpty;
    const toml::node* n = root.get(name);
    if (n == nullptr) return {};
    if (const auto* t = n->as_table()) {
      out = t;
      return {};
    }
    return where(file, n->source()) + ": " + name + " must be a table ([" + name + "])";
  };
  const toml::table* google = nullptr;
  const toml::table* microsoft = nullptr;
  const toml::table* sync = nullptr;
  const toml::table* cluster = nullptr;
  std::string err = sub("google", google);
  if (err.empty()) err = sub("microsoft", microsoft);
  if (err.empty()) err = sub("sync", sync);
  if (err.empty()) err = sub("cluster", cluster);
  if (err.empty()) {
    err = TableReader(root, file, "")
              .text("listen", cfg.listen)
              .text("db", cfg.db)
              .text("public_url", cfg.public_url)
              .text("sandbox", cfg.sandbox)
              .text("operator_token", cfg.operator_token)
              .text("secret_key", cfg.secret_key)
              .text("secret_key_file", cfg.secret_key_file)
              .text("log_level", cfg.log_level)
              .finish({"google", "microsoft", "sync", "cluster"});
  }
  if (err.empty()) {
    err = TableReader(*google, file, "google.")
              .text("client_id", cfg.google.client_id)
              .text("client_secret", cfg.google.client_secret)
              .text("push_audience", cfg.google.push_audience)
              .text("push_service_account", cfg.google.push_service_account)
              .text("push_topic", cfg.google.push_topic)
              .finish();
  }
  if (err.empty()) {
    err = TableReader(*microsoft, file, "microsoft.")
              .text("client_id", cfg.microsoft.client_id)
              .text("client_secret", cfg.microsoft.client_secret)
              .text("tenant", cfg.microsoft.tenant)
              .integer("subscription_minutes", cfg.microsoft.subscription_minutes, 1)
              .finish();
  }
  if (err.empty()) err = read_gmail_quota(*sync, file, cfg.sync.gmail_quota);
  if (err.empty()) {
    cfg.sync.gmail_units_per_minute = cfg.sync.gmail_quota.units_per_minute;  // unless set below
    err = TableReader(*sync, file, "sync.")
              .integer("backfill_days", cfg.sync.backfill_days, 0)
              .integer("poll_interval_s", cfg.sync.poll_interval_s, 1)
              .integer("workers", cfg.sync.workers, 1)
              .integer("gmail_units_per_minute", cfg.sync.gmail_units_per_minute, 1)
              .integer("gmail_max_concurrent", cfg.sync.gmail_max_concurrent, 1)
              .integer("gmail_batch_size", cfg.sync.gmail_batch_size, 0)
              .integer("watch_renew_s", cfg.sync.watch_renew_s, 60)
              .integer("push_hot_window_ms", cfg.sync.push_hot_window_ms, 0)
              .integer("push_hot_poll_ms", cfg.sync.push_hot_poll_ms, 50)
              .integer("authorization_timeout_s", cfg.sync.authorization_timeout_s, 0)
              .finish({"gmail_quota"});
  }
  if (err.empty()) {
    err = TableReader(*cluster, file, "cluster.")
              .integer("heartbeat_ms", cfg.cluster.heartbeat_ms, 100)
              .integer("lease_ms", cfg.cluster.lease_ms, 1000)
              .finish();
  }
  // A lease must outlive a few heartbeats, or a node loses mailboxes between two renewals.
  if (err.empty() && cfg.cluster.lease_ms < 2 * cfg.cluster.heartbeat_ms) {
    err = file + ": cluster.lease_ms must be at least twice cluster.heartbeat_ms";
  }
  if (err.empty() && cfg.sync.gmail_batch_size > 100) {
    err = file + ": sync.gmail_batch_size must be at most 100 (Gmail's limit per batch request)";
  }
  if (!err.empty()) return make_error(ErrorCode::kInvalidArgument, err);
  return {};
}

}  // namespace

std::optional<GmailQuotaSettings> GmailQuotaSettings::named(std::string_view name) {
  GmailQuotaSettings q;  // the 2026 table
  if (name == "2026") return q;
  if (name != "legacy") return std::nullopt;
  q.base = "legacy";
  q.messages_get = 5;
  q.units_per_minute = 15000;
  return q;
}

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at startup
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

model::Result<ServeConfig> load_serve_config(const ServeFlags& flags, const EnvLookup& env) {
  ServeConfig cfg;
  if (flags.config_file) {
    if (auto st = apply_file(*flags.config_file, cfg); !st) return st.error();
  }
  auto from_env = [&](const char* name, std::string& out) {
    if (auto v = env(name); v && !v->empty()) out = *v;
  };
  from_env("HIRESYNC_DB", cfg.db);
  from_env("HIRESYNC_OPERATOR_TOKEN", cfg.operator_token);
  from_env("HIRESYNC_SECRET_KEY", cfg.secret_key);
  from_env("HIRESYNC_PUBLIC_URL", cfg.public_url);
  from_env("HIRESYNC_WEB_DIR", cfg.web_dir);

  if (flags.listen) cfg.listen = *flags.listen;
  if (flags.db) cfg.db = *flags.db;
  if (flags.public_url) cfg.public_url = *flags.public_url;
  if (flags.sandbox) cfg.sandbox = *flags.sandbox;
  if (flags.log_level) cfg.log_level = *flags.log_level;

  if (cfg.listen.find(':') == std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "listen must be host:port, not \"" + cfg.listen + "\"");
  }
  if (cfg.db.empty()) cfg.db = "hiresync-data/hiresync.db";
  if (cfg.public_url.empty()) {
    cfg.public_url = "http://" + cfg.listen;
    cfg.public_url_derived = true;
  }
  while (cfg.public_url.size() > 1 && cfg.public_url.back() == '/') cfg.public_url.pop_back();
  const bool shared_db = cfg.db.starts_with("postgresql://") || cfg.db.starts_with("postgres://");
  if (shared_db && cfg.secret_key.empty() && cfg.secret_key_file.empty()) {
    // Every node must open the tokens any other node sealed: a key file made up by each node would
    // fail only later, and only on the other nodes.
    return make_error(
        ErrorCode::kInvalidArgument,
        "a PostgreSQL database is shared by the cluster's nodes, and so must be their secret key:"
        " set HIRESYNC_SECRET_KEY or secret_key_file (docs/postgres.md)");
  }
  if (cfg.secret_key_file.empty()) {
    const auto parent = std::filesystem::path(cfg.db).parent_path();
    cfg.secret_key_file =
        (parent.empty() ? std::filesystem::path("secret.key") : parent / "secret.key").string();
  }
  static const char* const kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok = level_ok || cfg.log_level == l;
  if (!level_ok) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "log_level must be one of trace, debug, info, warn, error, off; not \"" + cfg.log_level + "\"");
  }
  return cfg;
}

}  // namespace hiresync::api
