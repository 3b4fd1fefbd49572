// Internal to src/api: what a handler receives, the route table's vocabulary, and the small JSON
// helpers every handler shares. Not part of the module's interface.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.hpp"
#include "api/errors.hpp"
#include "model/domain.hpp"

namespace hiresync::api {

using Params = std::vector<std::pair<std::string, std::string>>;
using HandlerResult = model::Result<net::Response>;

// Who may call a route. kUser and kAdmin need a session; kOperator the operator token;
// kMaybeUser reads the session when there is one (ctx.user.id stays 0 otherwise).
enum class Access { kPublic, kMaybeUser, kUser, kAdmin, kOperator };

struct Ctx {
  const net::Request& request;
  const Params& params;
  store::Store* store;  // null only for routes that do not use the store
  sync::SyncService& sync;
  metrics::Registry& metrics;
  const ApiConfig& config;
  std::int64_t now = 0;
  // The signed-in user (routes with kUser/kAdmin access) and their session token's digests.
  model::User user;
  std::string session_token;  // never logged, never stored
  std::string session_key;    // the digest SyncService binds OAuth state to

  // The route parameter `name` ("" when absent).
  std::string param(std::string_view name) const;
  // The route parameter `name` as a positive id; kNotFound (it names nothing) when it is not one.
  model::Result<model::Id> id_param(std::string_view name) const;
};

using Handler = HandlerResult (*)(Ctx&);

// --- JSON helpers -----------------------------------------------------------------------------
// The request body as a JSON object: 400 invalid_json when it does not parse or is not an object.
model::Result<nlohmann::json> parse_object(const net::Request& request);
// A string member: nullopt when absent; 400 invalid_request when present but not a string, or
// absent while `required`.
model::Result<std::optional<std::string>> string_field(const nlohmann::json& obj, const char* key,
                                                       bool required);
// A JSON response (UTF-8 errors replaced, never thrown).
net::Response json_response(int status, const nlohmann::json& body);
// RFC 3339 UTC ("2024-05-01T10:00:00Z") of unix seconds; JSON null for 0 (never).
nlohmann::json rfc3339_or_null(std::int64_t unix_seconds);
std::string rfc3339(std::int64_t unix_seconds);

nlohmann::json user_json(const model::User& user);
// A message in the listed form of shared/API.md (id, kind, direction, from, to, cc, subject,
// sent_at, snippet, visibility, owner_id).
nlohmann::json listed_message_json(const store::ListedMessage& m);

// Applies a settings object (email_provider, inmail_default_visibility, internal_domains; each
// optional) onto `settings`; 400 invalid_request naming the bad field. Unknown fields are ignored.
model::Status apply_settings(const nlohmann::json& obj, model::ContractSettings& settings);
nlohmann::json settings_json(const model::ContractSettings& settings);

// --- digests ----------------------------------------------------------------------------------
// What the sessions table stores for a token.
std::string session_digest(std::string_view token);
// The opaque key SyncService binds OAuth state to (a different digest of the same token).
std::string session_key_of(std::string_view token);
// The CSRF token of a session (X-CSRF-Token of cookie-authenticated writes): a third digest of the
// token, so it reveals neither the token nor the other two.
std::string csrf_token_of(std::string_view token);
// A fresh session token: 32 random bytes, base64url.
std::string new_session_token();

// --- handlers (one file per area) -------------------------------------------------------------
namespace handlers {
// handlers_people.cpp
HandlerResult create_session(Ctx& ctx);
HandlerResult delete_session(Ctx& ctx);
HandlerResult get_me(Ctx& ctx);
HandlerResult create_contract(Ctx& ctx);
HandlerResult create_member(Ctx& ctx);
HandlerResult update_member(Ctx& ctx);
HandlerResult create_user(Ctx& ctx);
// handlers_contract.cpp
HandlerResult get_settings(Ctx& ctx);
HandlerResult patch_settings(Ctx& ctx);
HandlerResult create_project(Ctx& ctx);
HandlerResult list_projects(Ctx& ctx);
HandlerResult add_candidate(Ctx& ctx);
HandlerResult remove_candidate(Ctx& ctx);
HandlerResult candidate_threads(Ctx& ctx);
// handlers_messages.cpp
HandlerResult list_users(Ctx& ctx);
HandlerResult project_pipeline(Ctx& ctx);
HandlerResult get_candidate(Ctx& ctx);
HandlerResult get_message(Ctx& ctx);
HandlerResult get_message_html(Ctx& ctx);
HandlerResult patch_message(Ctx& ctx);
HandlerResult patch_thread(Ctx& ctx);
HandlerResult send_inmail(Ctx& ctx);
// handlers_ops.cpp
HandlerResult gdpr_erase(Ctx& ctx);
HandlerResult gdpr_export(Ctx& ctx);
HandlerResult ops_problems(Ctx& ctx);
HandlerResult ops_cluster(Ctx& ctx);
HandlerResult contract_problems(Ctx& ctx);
// handlers_mailbox.cpp
HandlerResult get_mailbox(Ctx& ctx);
HandlerResult authorize_mailbox(Ctx& ctx);
HandlerResult oauth_callback(Ctx& ctx);
HandlerResult sync_mailbox(Ctx& ctx);
HandlerResult delete_mailbox(Ctx& ctx);
HandlerResult explain_message(Ctx& ctx);
HandlerResult recent_messages(Ctx& ctx);
HandlerResult google_webhook(Ctx& ctx);
HandlerResult microsoft_webhook(Ctx& ctx);
HandlerResult healthz(Ctx& ctx);
HandlerResult list_problems(Ctx& ctx);
HandlerResult metrics_text(Ctx& ctx);
}  // namespace handlers

}  // namespace hiresync::api
