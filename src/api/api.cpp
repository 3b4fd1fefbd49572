// Api: the route table, authentication, the store pool and request metrics. The handlers live in
// handlers_*.cpp; errors become responses in errors.cpp.
#include "api/api.hpp"

#include <chrono>
#include <exception>
#include <mutex>
#include <vector>

#include "api/context.hpp"
#include "api/router.hpp"
#include "api/web_assets.hpp"
#include "crypto/crypto.hpp"

namespace hiresync::api {

using model::ErrorCode;

namespace {

constexpr const char* kRequestsTotal = "http_requests_total";
constexpr const char* kRequestSeconds = "http_request_duration_seconds";

struct Route {
  Handler handler;
  Access access;
  bool uses_store = true;
};

// The route table (shared/API.md). Adding an endpoint is one line here and one function.
Router<Route> make_routes() {
  namespace h = handlers;
  Router<Route> r;
  r.add("POST", "/api/session", {h::create_session, Access::kPublic});
  r.add("DELETE", "/api/session", {h::delete_session, Access::kUser});
  r.add("GET", "/api/me", {h::get_me, Access::kUser});
  r.add("GET", "/api/me/mailbox", {h::get_mailbox, Access::kUser});
  r.add("DELETE", "/api/me/mailbox", {h::delete_mailbox, Access::kUser});
  r.add("POST", "/api/me/mailbox/authorize", {h::authorize_mailbox, Access::kUser});
  r.add("POST", "/api/me/mailbox/sync", {h::sync_mailbox, Access::kUser});
  r.add("POST", "/api/me/mailbox/explain", {h::explain_message, Access::kUser});
  r.add("GET", "/api/me/mailbox/recent", {h::recent_messages, Access::kUser});
  r.add("GET", "/oauth/callback", {h::oauth_callback, Access::kMaybeUser});

  r.add("POST", "/api/ops/contracts", {h::create_contract, Access::kOperator});
  r.add("POST", "/api/ops/members", {h::create_member, Access::kOperator});
  r.add("PATCH", "/api/ops/members/{id}", {h::update_member, Access::kOperator});
  r.add("POST", "/api/users", {h::create_user, Access::kAdmin});

  r.add("GET", "/api/contract/settings", {h::get_settings, Access::kUser});
  r.add("PATCH", "/api/contract/settings", {h::patch_settings, Access::kAdmin});
  r.add("POST", "/api/projects", {h::create_project, Access::kUser});
  r.add("GET", "/api/projects", {h::list_projects, Access::kUser});
  r.add("POST", "/api/projects/{id}/candidates", {h::add_candidate, Access::kUser});
  r.add("DELETE", "/api/projects/{id}/candidates/{member_id}", {h::remove_candidate, Access::kUser});
  r.add("GET", "/api/candidates/{member_id}/threads", {h::candidate_threads, Access::kUser});
  r.add("GET", "/api/users", {h::list_users, Access::kUser});
  r.add("GET", "/api/projects/{id}/pipeline", {h::project_pipeline, Access::kUser});
  r.add("GET", "/api/candidates/{member_id}", {h::get_candidate, Access::kUser});
  r.add("POST", "/api/candidates/{member_id}/inmails", {h::send_inmail, Access::kUser});
  r.add("GET", "/api/messages/{id}", {h::get_message, Access::kUser});
  r.add("GET", "/api/messages/{id}/html", {h::get_message_html, Access::kUser});
  r.add("PATCH", "/api/messages/{id}", {h::patch_message, Access::kUser});
  r.add("PATCH", "/api/threads/{id}", {h::patch_thread, Access::kUser});
  r.add("POST", "/api/ops/gdpr/erase", {h::gdpr_erase, Access::kOperator});
  r.add("GET", "/api/ops/gdpr/export", {h::gdpr_export, Access::kOperator});
  r.add("GET", "/api/ops/problems", {h::ops_problems, Access::kOperator});
  r.add("GET", "/api/ops/cluster", {h::ops_cluster, Access::kOperator});
  r.add("GET", "/api/contract/problems", {h::contract_problems, Access::kAdmin});

  r.add("POST", "/webhooks/google", {h::google_webhook, Access::kPublic, false});
  r.add("POST", "/webhooks/microsoft", {h::microsoft_webhook, Access::kPublic, false});
  r.add("GET", "/api/problems", {h::list_problems, Access::kPublic, false});
  r.add("GET", "/healthz", {h::healthz, Access::kPublic});
  r.add("GET", "/metrics", {h::metrics_text, Access::kPublic, false});
  return r;
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

constexpr const char* kCsrfHeader = "X-CSRF-Token";

bool is_write(std::string_view method) {
  return method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE";
}

std::string bearer_token(const net::Request& request) {
  const std::string auth = request.header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (auth.size() <= kPrefix.size()) return {};
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(auth[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return {};
    }
  }
  return auth.substr(kPrefix.size());
}

}  // namespace

struct Api::Impl {
  StoreFactory factory;
  sync::SyncService& sync;
  metrics::Registry& metrics;
  ApiConfig config;
  Router<Route> routes = make_routes();
  std::string operator_digest;  // digest of the operator token; empty when there is none

  std::mutex pool_mu;
  std::vector<std::unique_ptr<store::Store>> idle;

  Impl(StoreFactory f, sync::SyncService& s, metrics::Registry& m, ApiConfig c)
      : factory(std::move(f)), sync(s), metrics(m), config(std::move(c)) {}

  // A store for this request: an idle one, or a new one from the factory (null when that fails).
  std::unique_ptr<store::Store> acquire() {
    {
      std::lock_guard lock(pool_mu);
      if (!idle.empty()) {
        auto s = std::move(idle.back());
        idle.pop_back();
        return s;
      }
    }
    return factory();
  }
  void release(std::unique_ptr<store::Store> s) {
    if (!s) return;
    std::lock_guard lock(pool_mu);
    idle.push_back(std::move(s));
  }

  void log(std::string_view line) const {
    if (config.log) config.log(line);
  }

  // Fills ctx.user (and the session fields) from the bearer token or the session cookie, or says
  // why not. The operator token is not a session.
  model::Status authenticate_user(Ctx& ctx) const {
    std::string token = bearer_token(ctx.request);
    bool from_cookie = false;
    if (token.empty()) {
      token = cookie_value(ctx.request.header("Cookie"), kSessionCookie);
      from_cookie = true;
    }
    if (token.empty() || ctx.store == nullptr) {
      return problem_error(ErrorCode::kAuthExpired, kUnauthorized, "no session token");
    }
    auto user = ctx.store->session_user(session_digest(token), ctx.now);
    if (!user) {
      if (user.error().code == ErrorCode::kNotFound) {
        return problem_error(ErrorCode::kAuthExpired, kUnauthorized, "unknown or expired session");
      }
      return user.error();
    }
    // A browser sends the cookie with any request, even one another site's page makes it send:
    // writes by cookie must prove they come from our page by echoing the CSRF token it read from
    // /api/me. Bearer tokens are never sent implicitly, so they need no proof.
    if (from_cookie && is_write(ctx.request.method) &&
        !crypto::constant_time_equal(ctx.request.header(kCsrfHeader), csrf_token_of(token))) {
      return problem_error(ErrorCode::kConsentRequired, kCsrfFailed,
                           "cookie write without a valid CSRF token");
    }
    ctx.user = std::move(*user);
    ctx.session_token = std::move(token);
    ctx.session_key = session_key_of(ctx.session_token);
    return {};
  }

  bool is_operator(const net::Request& request) const {
    if (operator_digest.empty()) return false;
    const std::string token = bearer_token(request);
    return !token.empty() && crypto::digest_hex(token) == operator_digest;
  }

  model::Status authorize(Ctx& ctx, Access access) const {
    switch (access) {
      case Access::kPublic:
        return {};
      case Access::kMaybeUser:
        (void)authenticate_user(ctx);
        return {};
      case Access::kOperator:
        if (is_operator(ctx.request)) return {};
        if (authenticate_user(ctx))
          return problem_error(ErrorCode::kConsentRequired, kForbidden, "not operator");
        return problem_error(ErrorCode::kAuthExpired, kUnauthorized, "operator token required");
      case Access::kUser:
        return authenticate_user(ctx);
      case Access::kAdmin: {
        if (auto st = authenticate_user(ctx); !st) return st;
        if (ctx.user.role != model::UserRole::kAdmin) {
          return problem_error(ErrorCode::kConsentRequired, kForbidden, "admin role required");
        }
        return {};
      }
    }
    return {};
  }

  // Runs the matched route; errors (and exceptions, which should not happen) become responses.
  net::Response dispatch(const net::Request& request, const Route& route, const Params& params) {
    std::unique_ptr<store::Store> store;
    if (route.uses_store || route.access != Access::kPublic) {
      store = acquire();
      if (!store) {
        log("api: cannot open the store");
        return error_response(
            problem_error(ErrorCode::kTransient, kStoreUnavailable, "store factory failed"));
      }
    }
    Ctx ctx{request, params, store.get(), sync, metrics, config};
    ctx.now = config.now();
    net::Response response;
    try {
      auto run = [&]() -> HandlerResult {
        auto st = authorize(ctx, route.access);
        return st ? route.handler(ctx) : HandlerResult(st.error());
      };
      HandlerResult result = run();
      // A read that met a lost database connection (PostgreSQL restarted, a failover) is answered
      // from the connection the store opens again at once, not with a 503 for the user to retry.
      // Only reads: a write whose outcome the lost connection hid must not run twice.
      if (!result && result.error().code == ErrorCode::kTransient && request.method == "GET" && store &&
          !store->in_transaction()) {
        result = run();
      }
      if (result) {
        response = std::move(*result);
      } else {
        const int status = http_status(result.error());
        if (status >= 500) log("api: " + request.method + " " + request.path + ": " + result.error().detail);
        response = error_response(result.error());
      }
    } catch (const std::exception& e) {
      log("api: " + request.method + " " + request.path + ": exception: " + e.what());
      response = error_response(model::make_error(ErrorCode::kInternal, e.what()));
    }
    // A store left inside a transaction (a handler bug) is not reused.
    if (store && !store->in_transaction()) release(std::move(store));
    return response;
  }
};

Api::Api(StoreFactory store_factory, sync::SyncService& sync, metrics::Registry& metrics, ApiConfig config)
    : impl_(std::make_unique<Impl>(std::move(store_factory), sync, metrics, std::move(config))) {
  if (!impl_->config.now) {
    impl_->config.now = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  while (!impl_->config.public_url.empty() && impl_->config.public_url.back() == '/') {
    impl_->config.public_url.pop_back();
  }
  if (!impl_->config.operator_token.empty())
    impl_->operator_digest = crypto::digest_hex(impl_->config.operator_token);
  metrics.describe_counter(kRequestsTotal, "HTTP requests answered, by route pattern and status.");
  metrics.describe_histogram(kRequestSeconds, "Time to answer an HTTP request, by route pattern.",
                             {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
}

Api::~Api() = default;

net::Response Api::handle(const net::Request& request) {
  const auto start = std::chrono::steady_clock::now();
  auto match = impl_->routes.match(request.method, request.path);
  std::string route_label = "unmatched";
  net::Response response;
  if (match.value != nullptr) {
    route_label = *match.pattern;
    response = impl_->dispatch(request, *match.value, match.params);
  } else if (!match.path_matched && request.method == "GET" && is_ui_path(request.path)) {
    route_label = "ui";
    response = serve_ui(request.path, impl_->config.web_dir);
  } else if (match.path_matched) {
    response = error_response(problem_error(ErrorCode::kInvalidArgument, kMethodNotAllowed, request.method));
  } else {
    response = error_response(problem_error(ErrorCode::kNotFound, kRouteNotFound, request.path));
  }
  if (net::find_field(response.headers, "Cache-Control") == std::nullopt) {
    response.headers.emplace_back("Cache-Control", "no-store");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  impl_->metrics.increment(kRequestsTotal,
                           {{"route", route_label}, {"status", std::to_string(response.status)}});
  impl_->metrics.observe(kRequestSeconds, {{"route", route_label}}, seconds);
  return response;
}

}  // namespace hiresync::api
