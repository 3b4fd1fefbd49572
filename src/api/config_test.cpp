#include "api/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace hiresync::api {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hiresync-config-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& text) {
    auto path = (dir_ / "hiresync.toml").string();
    std::ofstream(path) << text;
    return path;
  }
  EnvLookup env() const {
    return [this](const char* name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsWithoutFileEnvOrFlags) {
  auto c = load_serve_config({}, env());
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->public_url, "http://127.0.0.1:8080");
  EXPECT_TRUE(c->public_url_derived);
  EXPECT_EQ(c->db, "hiresync-data/hiresync.db");
  EXPECT_EQ(c->secret_key_file, "hiresync-data/secret.key");
  EXPECT_EQ(c->operator_token, "");
  EXPECT_EQ(c->sync.backfill_days, 365);
  EXPECT_EQ(c->sync.poll_interval_s, 600);
  EXPECT_EQ(c->sync.workers, 4);
  EXPECT_EQ(c->sync.gmail_units_per_minute, 6000);
  EXPECT_EQ(c->sync.gmail_max_concurrent, 8);
  EXPECT_EQ(c->sync.gmail_batch_size, 10);
  EXPECT_EQ(c->sync.gmail_quota.base, "2026");
  EXPECT_EQ(c->sync.gmail_quota.messages_get, 20);
  EXPECT_EQ(c->sync.watch_renew_s, 86400);
  EXPECT_EQ(c->sync.push_hot_window_ms, 3000);
  EXPECT_EQ(c->sync.push_hot_poll_ms, 200);
  EXPECT_EQ(c->cluster.heartbeat_ms, 2000);
  EXPECT_EQ(c->cluster.lease_ms, 10000);
  EXPECT_EQ(c->log_level, "info");
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlags) {
  ServeFlags flags;
  flags.config_file = write(R"(
listen = "0.0.0.0:9000"
db = "/var/lib/hiresync/h.db"
operator_token = "from-file"
log_level = "debug"
[google]
client_id = "id.apps.googleusercontent.com"
client_secret = "s3cret"
push_audience = "https://h.example/webhooks/google"
push_service_account = "push@p.iam.gserviceaccount.com"
push_topic = "projects/p/topics/t"
[sync]
backfill_days = 30
workers = 2
push_hot_window_ms = 0
push_hot_poll_ms = 500
)");
  env_["HIRESYNC_OPERATOR_TOKEN"] = "from-env";
  env_["HIRESYNC_SECRET_KEY"] = std::string(64, 'a');
  flags.listen = "127.0.0.1:0";
  auto c = load_serve_config(flags, env());
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->listen, "127.0.0.1:0");  // the flag wins over the file
  EXPECT_EQ(c->public_url, "http://127.0.0.1:0");
  EXPECT_EQ(c->db, "/var/lib/hiresync/h.db");
  EXPECT_EQ(c->secret_key_file, "/var/lib/hiresync/secret.key");
  EXPECT_EQ(c->operator_token, "from-env");  // the environment wins over the file
  EXPECT_EQ(c->secret_key, std::string(64, 'a'));
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->google.client_id, "id.apps.googleusercontent.com");
  EXPECT_EQ(c->google.client_secret, "s3cret");
  EXPECT_EQ(c->google.push_audience, "https://h.example/webhooks/google");
  EXPECT_EQ(c->google.push_service_account, "push@p.iam.gserviceaccount.com");
  EXPECT_EQ(c->google.push_topic, "projects/p/topics/t");
  EXPECT_EQ(c->sync.backfill_days, 30);
  EXPECT_EQ(c->sync.workers, 2);
  EXPECT_EQ(c->sync.poll_interval_s, 600);
  EXPECT_EQ(c->sync.push_hot_window_ms, 0);  // 0: no hot window, only the fallback poll
  EXPECT_EQ(c->sync.push_hot_poll_ms, 500);

  flags.db = "/tmp/x/other.db";
  flags.public_url = "https://hiresync.example/";
  flags.sandbox = "http://127.0.0.1:9090";
  c = load_serve_config(flags, env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->db, "/tmp/x/other.db");
  EXPECT_EQ(c->secret_key_file, "/tmp/x/secret.key");
  EXPECT_EQ(c->public_url, "https://hiresync.example");
  EXPECT_FALSE(c->public_url_derived);
  EXPECT_EQ(c->sandbox, "http://127.0.0.1:9090");
}

TEST_F(ConfigTest, ErrorsNameTheFileAndLine) {
  ServeFlags flags;
  flags.config_file = write("listen = \"a:1\"\n[sync]\nworkers = \n");
  auto syntax = load_serve_config(flags, env());
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, model::ErrorCode::kInvalidArgument);
  EXPECT_NE(syntax.error().detail.find(*flags.config_file + ":3"), std::string::npos)
      << syntax.error().detail;

  write("listen = \"a:1\"\n\n[sync]\nworkers = \"four\"\n");
  auto type = load_serve_config(flags, env());
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.error().detail.find(":4: sync.workers must be an integer"), std::string::npos)
      << type.error().detail;

  write("[sync]\nworkers = 0\n");
  EXPECT_NE(load_serve_config(flags, env()).error().detail.find(":2: sync.workers"), std::string::npos);

  write("[google]\nclient_ide = \"x\"\n");
  auto unknown = load_serve_config(flags, env());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().detail.find(":2: unknown setting google.client_ide"), std::string::npos)
      << unknown.error().detail;

  write("sync = 3\n");
  EXPECT_NE(load_serve_config(flags, env()).error().detail.find(":1: sync must be a table"),
            std::string::npos);

  write("log_level = \"loud\"\n");
  EXPECT_FALSE(load_serve_config(flags, env()).ok());

  flags.config_file = (dir_ / "missing.toml").string();
  auto missing = load_serve_config(flags, env());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, model::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().detail.find("missing.toml"), std::string::npos);
}

TEST_F(ConfigTest, ClusterTimingsFromTheFileWithALeaseOfSeveralHeartbeats) {
  ServeFlags flags;
  flags.config_file = write("[cluster]\nheartbeat_ms = 500\nlease_ms = 3000\n");
  auto c = load_serve_config(flags, env());
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->cluster.heartbeat_ms, 500);
  EXPECT_EQ(c->cluster.lease_ms, 3000);

  write("[cluster]\nheartbeat_ms = 2000\nlease_ms = 3000\n");
  auto short_lease = load_serve_config(flags, env());
  ASSERT_FALSE(short_lease.ok());
  EXPECT_NE(short_lease.error().detail.find("cluster.lease_ms must be at least twice"), std::string::npos)
      << short_lease.error().detail;

  write("[cluster]\nheartbeat_ms = 0\n");
  EXPECT_NE(load_serve_config(flags, env()).error().detail.find(":2: cluster.heartbeat_ms"),
            std::string::npos);
  write("[cluster]\nleases = 1\n");
  EXPECT_NE(load_serve_config(flags, env()).error().detail.find("unknown setting cluster.leases"),
            std::string::npos);
}

TEST_F(ConfigTest, ListenMustBeHostAndPort) {
  ServeFlags flags;
  flags.listen = "8080";
  EXPECT_EQ(load_serve_config(flags, env()).error().code, model::ErrorCode::kInvalidArgument);
}

TEST_F(ConfigTest, GmailQuotaByNameSetsCostsAndTheMatchingBudget) {
  ServeFlags flags;
  flags.config_file = write("[sync]\ngmail_quota = \"legacy\"\n");
  auto legacy = load_serve_config(flags, env());
  ASSERT_TRUE(legacy.ok()) << legacy.error().detail;
  const GmailQuotaSettings& q = legacy->sync.gmail_quota;
  EXPECT_EQ(q.base, "legacy");
  EXPECT_EQ(q.messages_get, 5);
  EXPECT_EQ(q.messages_list, 5);
  EXPECT_EQ(q.history_list, 2);
  EXPECT_EQ(q.profile, 1);
  EXPECT_EQ(q.watch, 100);
  EXPECT_EQ(legacy->sync.gmail_units_per_minute, 15000);

  flags.config_file = write("[sync]\ngmail_quota = \"2026\"\n");
  auto current = load_serve_config(flags, env());
  ASSERT_TRUE(current.ok()) << current.error().detail;
  EXPECT_EQ(current->sync.gmail_quota.messages_get, 20);
  EXPECT_EQ(current->sync.gmail_units_per_minute, 6000);

  // An explicit budget wins over the table's, wherever it is written.
  flags.config_file = write("[sync]\ngmail_units_per_minute = 900\ngmail_quota = \"legacy\"\n");
  auto explicit_budget = load_serve_config(flags, env());
  ASSERT_TRUE(explicit_budget.ok()) << explicit_budget.error().detail;
  EXPECT_EQ(explicit_budget->sync.gmail_units_per_minute, 900);
}

TEST_F(ConfigTest, GmailQuotaTableOverridesMethodsOfItsBase) {
  ServeFlags flags;
  flags.config_file = write(R"(
[sync]
gmail_batch_size = 25
[sync.gmail_quota]
base = "legacy"
messages_get = 7
watch = 3
)");
  auto c = load_serve_config(flags, env());
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->sync.gmail_quota.messages_get, 7);
  EXPECT_EQ(c->sync.gmail_quota.watch, 3);
  EXPECT_EQ(c->sync.gmail_quota.messages_list, 5);
  EXPECT_EQ(c->sync.gmail_units_per_minute, 15000);
  EXPECT_EQ(c->sync.gmail_batch_size, 25);

  for (const char* bad : {"[sync]\ngmail_quota = \"2019\"\n", "[sync]\ngmail_quota = 5\n",
                          "[sync.gmail_quota]\nmessages_get = -1\n", "[sync.gmail_quota]\nthreads_get = 40\n",
                          "[sync.gmail_quota]\nbase = \"new\"\n", "[sync]\ngmail_batch_size = 101\n"}) {
    flags.config_file = write(bad);
    auto r = load_serve_config(flags, env());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, model::ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().detail.find("hiresync.toml"), std::string::npos) << r.error().detail;
  }
}

}  // namespace
}  // namespace hiresync::api
