// Sessions, the caller, and the operator's and administrators' people endpoints.
#include <mutex>
#include <set>

#include "api/context.hpp"
#include "crypto/crypto.hpp"
#include "match/canonical.hpp"

namespace hiresync::api::handlers {

using model::ErrorCode;
using nlohmann::json;

namespace {

constexpr std::int64_t kSessionSeconds = 30LL * 24 * 3600;
constexpr std::size_t kMinPasswordLength = 8;

// A hash to verify against when the email is unknown, so that the answer takes as long as for
// a known one and does not tell which addresses have accounts.
const std::string& decoy_hash() {
  static std::once_flag once;
  static std::string hash;
  std::call_once(once, [] {
    auto h = crypto::hash_password("decoy password for unknown accounts");
    if (h) hash = std::move(*h);
  });
  return hash;
}

std::string session_cookie(const Ctx& ctx, const std::string& value, std::int64_t max_age) {
  std::string c = std::string(kSessionCookie) + "=" + value +
                  "; HttpOnly; SameSite=Lax; Path=/; Max-Age=" + std::to_string(max_age);
  if (ctx.config.cookie_secure) c += "; Secure";
  return c;
}

// A new password's hash; 400 when it is too short.
model::Result<std::string> new_password_hash(const std::string& password) {
  if (password.size() < kMinPasswordLength) {
    return invalid_request("The password must have at least " + std::to_string(kMinPasswordLength) +
                           " characters.");
  }
  return crypto::hash_password(password);
}

model::Status check_email(const std::string& email, const char* field) {
  if (!match::canonical_address(email).ok()) {
    return invalid_request(std::string("\"") + field + "\" must be an email address.");
  }
  return {};
}

// name/email/password (and role, for `with_role`) of a new user object.
model::Result<std::pair<model::User, std::string>> read_new_user(const json& obj, bool with_role) {
  auto email = string_field(obj, "email", true);
  if (!email) return email.error();
  if (auto st = check_email(**email, "email"); !st) return st.error();
  auto name = string_field(obj, "name", true);
  if (!name) return name.error();
  auto password = string_field(obj, "password", true);
  if (!password) return password.error();
  model::User user;
  user.email = **email;
  user.name = **name;
  user.role = model::UserRole::kUser;
  if (with_role) {
    auto role = string_field(obj, "role", false);
    if (!role) return role.error();
    if (*role) {
      auto r = model::parse_user_role(**role);
      if (!r) return invalid_request("\"role\" must be admin or user.");
      user.role = *r;
    }
  }
  auto hash = new_password_hash(**password);
  if (!hash) return hash.error();
  return std::make_pair(std::move(user), std::move(*hash));
}

// emails (required unless `partial`), canonicalized; 400 naming a malformed address.
model::Result<std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>>> read_emails(
    const json& obj, bool required) {
  auto it = obj.find("emails");
  if (it == obj.end()) {
    if (required) return invalid_request("\"emails\" is required.");
    return std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>>();
  }
  if (!it->is_array() || it->empty())
    return invalid_request("\"emails\" must be a non-empty array of addresses.");
  std::vector<std::string> emails;
  std::vector<std::string> canonicals;
  for (const auto& e : *it) {
    if (!e.is_string()) return invalid_request("\"emails\" must be a non-empty array of addresses.");
    auto c = match::canonical_address(e.get_ref<const std::string&>());
    if (!c) return invalid_request("\"" + e.get<std::string>() + "\" is not an email address.");
    emails.push_back(e.get<std::string>());
    canonicals.push_back(std::move(*c));
  }
  return std::optional(std::make_pair(std::move(emails), std::move(canonicals)));
}

json member_json(const model::Member& m) {
  return {{"id", m.id},
          {"name", m.name},
          {"emails", m.emails},
          {"email_discovery", model::to_string(m.email_discovery)}};
}

}  // namespace

HandlerResult create_session(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto email = string_field(*body, "email", true);
  if (!email) return email.error();
  auto password = string_field(*body, "password", true);
  if (!password) return password.error();
  const auto bad = problem_error(ErrorCode::kAuthExpired, kInvalidCredentials, "login refused");

  auto user = ctx.store->find_user_by_email(**email);
  if (!user) {
    if (user.error().code != ErrorCode::kNotFound) return user.error();
    (void)crypto::verify_password(**password, decoy_hash());
    return bad;
  }
  auto hash = ctx.store->password_hash_of(user->id);
  if (!hash) return hash.error();
  if (!crypto::verify_password(**password, *hash)) return bad;

  std::string token = new_session_token();
  if (auto st =
          ctx.store->create_session(session_digest(token), user->id, ctx.now, ctx.now + kSessionSeconds);
      !st) {
    return st.error();
  }
  auto response = json_response(
      200, {{"token", token}, {"csrf_token", csrf_token_of(token)}, {"user", user_json(*user)}});
  response.headers.emplace_back("Set-Cookie", session_cookie(ctx, token, kSessionSeconds));
  return response;
}

HandlerResult delete_session(Ctx& ctx) {
  if (auto st = ctx.store->delete_session(session_digest(ctx.session_token)); !st) return st.error();
  net::Response response{204, {}, {}};
  response.headers.emplace_back("Set-Cookie", session_cookie(ctx, "", 0));
  return response;
}

HandlerResult get_me(Ctx& ctx) {
  auto contract = ctx.store->get_contract(ctx.user.contract_id);
  if (!contract) return contract.error();
  json out = user_json(ctx.user);
  out["contract"] = {{"id", contract->id}, {"name", contract->name}};
  out["csrf_token"] = csrf_token_of(ctx.session_token);
  return json_response(200, out);
}

HandlerResult create_contract(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto name = string_field(*body, "name", true);
  if (!name) return name.error();
  if ((*name)->empty()) return invalid_request("\"name\" must not be empty.");
  model::ContractSettings settings;
  if (auto st = apply_settings(*body, settings); !st) return st.error();
  auto admin_it = body->find("admin");
  if (admin_it == body->end() || !admin_it->is_object()) {
    return invalid_request("\"admin\" (an object with email, name and password) is required.");
  }
  auto admin = read_new_user(*admin_it, false);
  if (!admin) return admin.error();
  admin->first.role = model::UserRole::kAdmin;

  auto tx = ctx.store->begin("api_create_contract");
  if (!tx) return tx.error();
  auto contract_id = ctx.store->create_contract(**name, settings);
  if (!contract_id) return contract_id.error();
  admin->first.contract_id = *contract_id;
  auto admin_id = ctx.store->upsert_user(admin->first, admin->second);
  if (!admin_id) return admin_id.error();  // kConflict: the email is a user of another contract
  if (auto st =
          ctx.store->audit("operator", "create_contract", "contract:" + std::to_string(*contract_id), "");
      !st) {
    return st.error();
  }
  if (auto st = (*tx)->commit(); !st) return st.error();
  return json_response(201, {{"id", *contract_id}, {"admin_id", *admin_id}});
}

HandlerResult create_user(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto user = read_new_user(*body, true);
  if (!user) return user.error();
  auto existing = ctx.store->find_user_by_email(user->first.email);
  if (existing) return model::make_error(ErrorCode::kConflict, "user exists");
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  user->first.contract_id = ctx.user.contract_id;
  auto id = ctx.store->upsert_user(user->first, user->second);
  if (!id) return id.error();
  return json_response(201, {{"id", *id}});
}

HandlerResult create_member(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  model::Member member;
  auto name = string_field(*body, "name", true);
  if (!name) return name.error();
  member.name = **name;
  auto emails = read_emails(*body, true);
  if (!emails) return emails.error();
  auto discovery = string_field(*body, "email_discovery", false);
  if (!discovery) return discovery.error();
  if (*discovery) {
    auto d = model::parse_discovery(**discovery);
    if (!d) return invalid_request("\"email_discovery\" must be anyone, connections or nobody.");
    member.email_discovery = *d;
  }
  auto& [addresses, canonicals] = **emails;
  for (const auto& c : canonicals) {
    auto existing = ctx.store->find_member_by_canonical(c);
    if (existing) return model::make_error(ErrorCode::kConflict, "address belongs to another member");
    if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  }
  member.emails = addresses;
  auto id = ctx.store->upsert_member(member, canonicals);
  if (!id) return id.error();
  return json_response(201, {{"id", *id}});
}

HandlerResult update_member(Ctx& ctx) {
  auto id = ctx.id_param("id");
  if (!id) return id.error();
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto member = ctx.store->get_member(*id);
  if (!member) return member.error();
  const model::Member before = *member;

  auto name = string_field(*body, "name", false);
  if (!name) return name.error();
  if (*name) member->name = **name;
  auto discovery = string_field(*body, "email_discovery", false);
  if (!discovery) return discovery.error();
  if (*discovery) {
    auto d = model::parse_discovery(**discovery);
    if (!d) return invalid_request("\"email_discovery\" must be anyone, connections or nobody.");
    member->email_discovery = *d;
  }
  auto emails = read_emails(*body, false);
  if (!emails) return emails.error();
  std::vector<std::string> canonicals;
  if (*emails) {
    member->emails = (*emails)->first;
    canonicals = (*emails)->second;
  } else {
    for (const auto& e : member->emails) {
      auto c = match::canonical_address(e);
      if (!c) return c.error();
      canonicals.push_back(std::move(*c));
    }
  }
  if (auto st = ctx.store->update_member(*member, canonicals); !st) return st.error();
  ctx.sync.candidates_changed(0);  // a profile is global: every contract's index holds it

  // New addresses, or discovery opened to anyone: past mail may match now (a targeted backfill).
  std::set<std::string> old_canonicals;
  for (const auto& e : before.emails) {
    if (auto c = match::canonical_address(e)) old_canonicals.insert(*c);
  }
  bool widened = before.email_discovery != model::Discovery::kAnyone &&
                 member->email_discovery == model::Discovery::kAnyone;
  for (const auto& c : canonicals) widened = widened || old_canonicals.count(c) == 0;
  if (widened) {
    auto contracts = ctx.store->contracts_of_candidate(member->id);
    if (!contracts) return contracts.error();
    for (model::Id contract : *contracts) ctx.sync.candidate_added(contract, member->id);
  }
  return json_response(200, member_json(*member));
}

}  // namespace hiresync::api::handlers
