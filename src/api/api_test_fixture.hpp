// The API over a real SQLite file and a real HTTP server on a free port, with a fake SyncService
// that records its calls and answers what a test sets. Requests go through the libcurl client.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/api.hpp"
#include "net/client.hpp"
#include "net/server.hpp"
#include "store/sql/sql_store.hpp"

namespace hiresync::api::testing {

class FakeSync final : public sync::SyncService {
 public:
  model::Result<std::string> begin_authorize(const model::User& user, std::string_view session_key,
                                             std::string_view /*requested_provider*/) override {
    std::lock_guard lock(mu);
    authorize_users.push_back(user.id);
    session_keys.emplace_back(session_key);
    if (authorize_error) return *authorize_error;
    return std::string("https://accounts.example/auth?state=s1");
  }
  model::Result<sync::AuthorizeOutcome> finish_authorize(std::string_view session_key, std::string_view state,
                                                         std::string_view code, std::string_view error,
                                                         std::string_view) override {
    std::lock_guard lock(mu);
    finish_calls.push_back(
        {std::string(session_key), std::string(state), std::string(code), std::string(error)});
    if (state != "s1") return model::make_error(model::ErrorCode::kNotFound, "unknown state");
    if (finish_outcome) return *finish_outcome;
    if (!error.empty()) return sync::AuthorizeOutcome{1, false, "access_denied"};
    return sync::AuthorizeOutcome{1, true, ""};
  }
  model::Result<sync::MailboxStatus> status(model::Id user_id) override {
    std::lock_guard lock(mu);
    if (!mailbox || user_id != mailbox_user) return model::make_error(model::ErrorCode::kNotFound, "none");
    return *mailbox;
  }
  model::Status sync_now(model::Id user_id) override {
    std::lock_guard lock(mu);
    sync_now_users.push_back(user_id);
    if (sync_now_error) return *sync_now_error;
    if (!mailbox || user_id != mailbox_user) return model::make_error(model::ErrorCode::kNotFound, "none");
    return {};
  }
  model::Status deauthorize(model::Id user_id) override {
    std::lock_guard lock(mu);
    if (!mailbox || user_id != mailbox_user) return model::make_error(model::ErrorCode::kNotFound, "none");
    deauthorized.push_back(user_id);
    return {};
  }
  model::Result<sync::Explanation> explain(const model::User&, std::string_view provider_message_id,
                                           std::string_view raw) override {
    std::lock_guard lock(mu);
    explained.emplace_back(provider_message_id.empty() ? std::string(raw) : std::string(provider_message_id));
    sync::Explanation e;
    e.status = "skipped";
    e.reason = "internal_domain";
    e.participants.push_back({"from", "Bob", "bob@acme.example", "internal_domain", "same company"});
    return e;
  }
  model::Result<std::vector<sync::RecentMessage>> recent_messages(const model::User& user,
                                                                  int limit) override {
    std::lock_guard lock(mu);
    recent_limits.push_back(limit);
    if (user.id == no_mailbox_user) return model::make_error(model::ErrorCode::kNotFound, "no mailbox");
    return std::vector<sync::RecentMessage>{{"m-2", "Bob <bob@acme.example>", "Panel", 1'700'000'200, false},
                                            {"m-1", "Ann <ann@example.org>", "Hello", 1'700'000'100, true}};
  }
  void candidates_changed(model::Id contract_id) override {
    std::lock_guard lock(mu);
    changed_contracts.push_back(contract_id);
  }
  model::Status microsoft_notifications(std::string_view body) override {
    std::lock_guard lock(mu);
    microsoft_bodies.emplace_back(body);
    if (body.find("value") == std::string_view::npos)
      return model::make_error(model::ErrorCode::kMalformedInput, "x");
    return {};
  }
  model::Status google_push(std::string_view authorization_header, std::string_view body) override {
    std::lock_guard lock(mu);
    pushes.emplace_back(std::string(authorization_header), std::string(body));
    if (authorization_header != "Bearer good-jwt")
      return model::make_error(model::ErrorCode::kAuthExpired, "jwt");
    if (body.find("message") == std::string_view::npos) {
      return model::make_error(model::ErrorCode::kMalformedInput, "envelope");
    }
    return {};
  }
  model::Result<std::optional<sync::UnfinishedAuthorization>> unfinished_authorization(
      model::Id user_id) override {
    std::lock_guard lock(mu);
    if (user_id != unfinished_user) return std::optional<sync::UnfinishedAuthorization>();
    return unfinished;
  }
  // Answers every problem set, whatever the contract: the handlers must scope what they show.
  model::Result<std::vector<sync::OpsProblem>> problems(model::Id contract_id) override {
    std::lock_guard lock(mu);
    problem_queries.push_back(contract_id);
    return ops_problems;
  }
  model::Result<std::vector<sync::ClusterNodeStatus>> cluster() override {
    std::lock_guard lock(mu);
    return cluster_nodes;
  }
  void contract_settings_changed(model::Id contract_id) override {
    std::lock_guard lock(mu);
    settings_changed.push_back(contract_id);
  }
  void candidate_added(model::Id contract_id, model::Id member_id) override {
    std::lock_guard lock(mu);
    candidates_added.emplace_back(contract_id, member_id);
  }

  struct Finish {
    std::string session_key, state, code, error;
  };
  std::mutex mu;
  std::optional<model::Error> authorize_error;
  std::optional<model::Error> sync_now_error;
  std::optional<sync::AuthorizeOutcome> finish_outcome;  // what finish_authorize answers, when set
  std::optional<sync::MailboxStatus> mailbox;
  model::Id mailbox_user = 0;
  std::optional<sync::UnfinishedAuthorization> unfinished;
  model::Id unfinished_user = 0;
  std::vector<sync::OpsProblem> ops_problems;
  std::vector<sync::ClusterNodeStatus> cluster_nodes;
  std::vector<model::Id> problem_queries;
  std::vector<model::Id> authorize_users;
  std::vector<std::string> explained;
  std::vector<int> recent_limits;
  model::Id no_mailbox_user = -1;
  std::vector<std::string> microsoft_bodies;
  std::vector<model::Id> changed_contracts;
  std::vector<std::string> session_keys;
  std::vector<Finish> finish_calls;
  std::vector<model::Id> sync_now_users;
  std::vector<model::Id> deauthorized;
  std::vector<std::pair<std::string, std::string>> pushes;
  std::vector<model::Id> settings_changed;
  std::vector<std::pair<model::Id, model::Id>> candidates_added;
};

// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json's destructor is noexcept in practice
struct Reply {
  int status = 0;
  nlohmann::json json;  // discarded when the body is not JSON
  std::string body;
  net::Fields headers;
  std::string header(std::string_view name) const { return net::find_field(headers, name).value_or(""); }
};

inline constexpr const char* kOperatorToken = "operator-secret-token";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hiresync-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string path = (dir_ / "api.db").string();
    auto s = store::SqlStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().detail;
    store_ = std::move(*s);
    ApiConfig config;
    config.operator_token = kOperatorToken;
    config.public_url = "http://ui.test/";
    config.now = [this] { return now_.load(); };
    config.web_dir = web_dir_;
    api_ = std::make_unique<Api>(
        [path]() -> std::unique_ptr<store::Store> {
          auto opened = store::SqlStore::open(path);
          if (!opened) return nullptr;
          return std::move(*opened);
        },
        sync_, metrics_, config);
    server_ = std::make_unique<net::HttpServer>([this](const net::Request& r) { return api_->handle(r); },
                                                net::ServerOptions{});
    auto port = server_->start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.error().detail;
    base_ = "http://127.0.0.1:" + std::to_string(*port);
    client_ = net::make_curl_client();
  }

  void TearDown() override {
    server_.reset();
    api_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             net::Fields headers = {}) {
    net::ClientRequest req;
    req.method = method;
    req.url = base_ + path;
    req.body = body;
    req.headers = std::move(headers);
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    auto res = client_->send(req);
    EXPECT_TRUE(res.ok()) << (res.ok() ? "" : res.error().detail);
    Reply r;
    if (!res.ok()) return r;
    r.status = res->status;
    r.body = res->body;
    r.headers = res->headers;
    r.json = nlohmann::json::parse(r.body, nullptr, false);
    return r;
  }
  Reply call_as(const std::string& token, const std::string& method, const std::string& path,
                const nlohmann::json& body = nullptr) {
    return call(method, path, body.is_null() ? "" : body.dump(), {{"Authorization", "Bearer " + token}});
  }
  Reply op(const std::string& method, const std::string& path, const nlohmann::json& body) {
    return call_as(kOperatorToken, method, path, body);
  }

  // Signs in and returns the token.
  std::string login(const std::string& email, const std::string& password = "a long passphrase") {
    auto r = call("POST", "/api/session", nlohmann::json{{"email", email}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.value("token", "");
  }

  // Acme (admin rita, user sam) and Other (admin olga); member Ann saved to Acme's project "Backend".
  struct World {
    model::Id acme = 0, other = 0, rita = 0, sam = 0, olga = 0, ann = 0, project = 0;
    std::string rita_token, sam_token, olga_token;
  };
  World make_world() {
    World w;
    auto c =
        op("POST", "/api/ops/contracts",
           {{"name", "Acme"},
            {"email_provider", "google"},
            {"admin", {{"email", "rita@acme.com"}, {"name", "Rita"}, {"password", "a long passphrase"}}}});
    EXPECT_EQ(c.status, 201) << c.body;
    w.acme = c.json.value("id", 0);
    w.rita = c.json.value("admin_id", 0);
    auto o =
        op("POST", "/api/ops/contracts",
           {{"name", "Other"},
            {"admin", {{"email", "olga@other.com"}, {"name", "Olga"}, {"password", "a long passphrase"}}}});
    EXPECT_EQ(o.status, 201) << o.body;
    w.other = o.json.value("id", 0);
    w.olga = o.json.value("admin_id", 0);
    w.rita_token = login("rita@acme.com");
    w.olga_token = login("olga@other.com");
    auto u = call_as(
        w.rita_token, "POST", "/api/users",
        {{"email", "sam@acme.com"}, {"name", "Sam"}, {"password", "a long passphrase"}, {"role", "user"}});
    EXPECT_EQ(u.status, 201) << u.body;
    w.sam = u.json.value("id", 0);
    w.sam_token = login("sam@acme.com");
    auto m = op("POST", "/api/ops/members",
                {{"name", "Ann Lee"}, {"emails", {"ann@example.org"}}, {"email_discovery", "anyone"}});
    EXPECT_EQ(m.status, 201) << m.body;
    w.ann = m.json.value("id", 0);
    auto p = call_as(w.rita_token, "POST", "/api/projects", {{"name", "Backend"}});
    EXPECT_EQ(p.status, 201) << p.body;
    w.project = p.json.value("id", 0);
    auto a = call_as(w.rita_token, "POST", "/api/projects/" + std::to_string(w.project) + "/candidates",
                     {{"member_id", w.ann}});
    EXPECT_EQ(a.status, 200) << a.body;
    return w;
  }

  std::filesystem::path dir_;
  std::string web_dir_;                     // set before ApiTest::SetUp to serve the UI from a folder
  std::unique_ptr<store::SqlStore> store_;  // the test's own connection, for direct inserts
  FakeSync sync_;
  metrics::Registry metrics_;
  std::atomic<std::int64_t> now_{1'700'000'000};
  std::unique_ptr<Api> api_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpClient> client_;
  std::string base_;
};

}  // namespace hiresync::api::testing
