// `hiresync serve` settings: a TOML file, then the environment, then command-line flags (flags win).
// Pure: the environment and the file name are passed in, so a test drives every layer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "model/result.hpp"

namespace hiresync::api {

struct GoogleSettings {
  std::string client_id;
  std::string client_secret;
  std::string push_audience;         // the `aud` of Pub/Sub push JWTs (usually the webhook URL)
  std::string push_service_account;  // the `email` claim push JWTs must carry
  std::string push_topic;            // projects/<p>/topics/<t> for users.watch
};

struct MicrosoftSettings {
  std::string client_id;
  std::string client_secret;
  std::string tenant = "organizations";  // or the customer's tenant id
  // Graph subscription lifetime asked for (Outlook's maximum is 4,230 minutes in the stored docs,
  // 10,080 in newer sources: PROTOCOLS.md B.4); renewed before it ends.
  std::int64_t subscription_minutes = 4230;
};

// Gmail's quota units per call (docs/sync.md "Budgets"): the 2026 table (default,
// messages.get 20, 6,000 units per user per minute), the legacy one (messages.get 5, 15,000 per
// minute), or either with some methods overridden by a [sync.gmail_quota] table.
struct GmailQuotaSettings {
  std::string base = "2026";  // "2026" or "legacy": the table the listed methods override
  std::int64_t profile = 1;
  std::int64_t history_list = 2;
  std::int64_t messages_list = 5;
  std::int64_t messages_get = 20;
  std::int64_t watch = 100;
  std::int64_t stop = 50;
  // The per-user budget of `base` (6,000 or 15,000); gmail_units_per_minute, when set, wins.
  std::int64_t units_per_minute = 6000;

  // The named table ("2026" or "legacy"); std::nullopt for another name.
  static std::optional<GmailQuotaSettings> named(std::string_view name);
};

struct SyncSettings {
  std::int64_t backfill_days = 365;
  std::int64_t poll_interval_s = 600;
  std::int64_t workers = 4;
  // `gmail_quota = "2026" | "legacy"` or a [sync.gmail_quota] table (see GmailQuotaSettings).
  GmailQuotaSettings gmail_quota;
  // Units the engine spends per user per minute: gmail_quota's budget unless set explicitly.
  std::int64_t gmail_units_per_minute = 6000;
  std::int64_t gmail_max_concurrent = 8;
  // Metadata fetches per Gmail batch request (/batch/gmail/v1); 0 or 1 sends each alone.
  std::int64_t gmail_batch_size = 10;
  std::int64_t watch_renew_s = 86400;
  std::int64_t push_hot_window_ms = 3000;  // sync::EngineConfig: short polls after a push
  std::int64_t push_hot_poll_ms = 200;
  // An authorization not back after this long shows as not finished (GET /api/me/mailbox).
  std::int64_t authorization_timeout_s = 180;
};

// A node of a cluster on PostgreSQL (docs/postgres.md "Cluster"); unused on SQLite.
struct ClusterSettings {
  std::int64_t heartbeat_ms = 2000;  // node row, lease renewal, rebalancing
  std::int64_t lease_ms = 10000;     // a node silent this long loses its mailboxes
};

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string db;          // default: $HIRESYNC_DB, else hiresync-data/hiresync.db
  std::string public_url;  // default: http://<listen>
  // True when public_url was derived from listen: with port 0, derive it again once bound.
  bool public_url_derived = false;
  std::string sandbox;          // base URL of a running hiresync-sandbox, or empty
  std::string operator_token;   // HIRESYNC_OPERATOR_TOKEN; empty: no operator endpoints
  std::string secret_key;       // HIRESYNC_SECRET_KEY; empty: use secret_key_file
  std::string secret_key_file;  // default: <folder of db>/secret.key; required (or secret_key) on PostgreSQL
  std::string log_level = "info";
  std::string web_dir;  // HIRESYNC_WEB_DIR: serve the UI from this folder (development); empty: embedded
  GoogleSettings google;
  MicrosoftSettings microsoft;
  SyncSettings sync;
  ClusterSettings cluster;
};

// Values given on the command line; unset ones leave the lower layers' values.
struct ServeFlags {
  std::optional<std::string> config_file;
  std::optional<std::string> listen;
  std::optional<std::string> db;
  std::optional<std::string> public_url;
  std::optional<std::string> sandbox;
  std::optional<std::string> log_level;
};

// Reads an environment variable: std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
// The process environment (std::getenv).
EnvLookup process_env();

// Builds the configuration: defaults, then the TOML file named by flags.config_file (when set),
// then HIRESYNC_DB / HIRESYNC_OPERATOR_TOKEN / HIRESYNC_SECRET_KEY / HIRESYNC_PUBLIC_URL /
// HIRESYNC_WEB_DIR, then the flags; finally the derived defaults (public_url, secret_key_file).
// Errors: kInvalidArgument with a sentence naming the file and line for a syntax error, an
// unknown key or a value of the wrong type or range; kNotFound naming the file when it cannot be read. Never
// logs secrets.
model::Result<ServeConfig> load_serve_config(const ServeFlags& flags, const EnvLookup& env);

}  // namespace hiresync::api
