#include "app/seed.hpp"

#include <nlohmann/json.hpp>

#include "crypto/crypto.hpp"
#include "match/canonical.hpp"

namespace hiresync::app {

using model::ErrorCode;
using model::make_error;
using nlohmann::json;

namespace {

model::Error bad(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kMalformedInput, path + ": " + what);
}

// Reads a required string field; sets `error` and returns "" when missing or not a string.
std::string required_string(const json& obj, const char* key, const std::string& path,
                            std::optional<model::Error>& error) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
    if (!error) error = bad(path + "." + key, "required, a non-empty string");
    return {};
  }
  return it->get<std::string>();
}

std::string optional_string(const json& obj, const char* key, const std::string& fallback) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

const json& array_at(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : kEmpty;
}

model::Status check_array(const json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it != obj.end() && !it->is_array()) return bad(path + "." + key, "must be an array");
  return {};
}

model::Result<model::Id> seed_member(store::Store& store, const json& m, const std::string& path) {
  if (!m.is_object()) return bad(path, "must be an object");
  std::optional<model::Error> error;
  model::Member member;
  member.name = required_string(m, "name", path, error);
  if (error) return *error;
  if (auto st = check_array(m, "emails", path); !st) return st.error();
  std::vector<std::string> canonicals;
  for (std::size_t i = 0; const auto& e : array_at(m, "emails")) {
    const std::string epath = path + ".emails[" + std::to_string(i++) + "]";
    if (!e.is_string()) return bad(epath, "must be a string");
    auto c = match::canonical_address(e.get<std::string>());
    if (!c) return bad(epath, "not an email address: " + e.get<std::string>());
    member.emails.push_back(e.get<std::string>());
    canonicals.push_back(*c);
  }
  if (member.emails.empty()) return bad(path + ".emails", "at least one email is required");
  const std::string discovery = optional_string(m, "email_discovery", "nobody");
  auto d = model::parse_discovery(discovery);
  if (!d) return bad(path + ".email_discovery", "must be anyone, connections or nobody");
  member.email_discovery = *d;
  return store.upsert_member(member, canonicals);
}

model::Status seed_user(store::Store& store, model::Id contract_id, const json& u, const std::string& path) {
  if (!u.is_object()) return bad(path, "must be an object");
  std::optional<model::Error> error;
  model::User user;
  user.contract_id = contract_id;
  user.email = required_string(u, "email", path, error);
  user.name = required_string(u, "name", path, error);
  const std::string password = required_string(u, "password", path, error);
  if (error) return *error;
  if (!match::canonical_address(user.email)) return bad(path + ".email", "not an email address");
  auto role = model::parse_user_role(optional_string(u, "role", "user"));
  if (!role) return bad(path + ".role", "must be admin or user");
  user.role = *role;

  // Hash only when the password changed: argon2id is slow by design, and re-seeding must be cheap.
  std::string hash;
  auto existing = store.find_user_by_email(user.email);
  bool same_password = false;
  if (existing && existing->contract_id == contract_id) {
    auto stored = store.password_hash_of(existing->id);
    same_password = stored && crypto::verify_password(password, *stored);
  }
  if (!same_password) {
    auto h = crypto::hash_password(password);
    if (!h) return h.error();
    hash = *h;
  }
  auto id = store.upsert_user(user, hash);
  if (!id) return id.error();
  return {};
}

}  // namespace

model::Result<SeedSummary> apply_seed(store::Store& store, const std::string& json_text) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return make_error(ErrorCode::kMalformedInput, "the seed is not valid JSON");
  if (!doc.is_object()) return bad("$", "the seed must be a JSON object");
  for (const char* key : {"members", "contracts"}) {
    if (auto st = check_array(doc, key, "$"); !st) return st.error();
  }

  SeedSummary summary;
  auto tx = store.begin("seed");
  if (!tx) return tx.error();

  for (std::size_t i = 0; const auto& m : array_at(doc, "members")) {
    auto id = seed_member(store, m, "members[" + std::to_string(i++) + "]");
    if (!id) return id.error();
    ++summary.members;
  }

  for (std::size_t ci = 0; const auto& c : array_at(doc, "contracts")) {
    const std::string cpath = "contracts[" + std::to_string(ci++) + "]";
    if (!c.is_object()) return bad(cpath, "must be an object");
    std::optional<model::Error> error;
    const std::string name = required_string(c, "name", cpath, error);
    if (error) return *error;
    model::ContractSettings settings;
    auto provider = model::parse_email_provider(optional_string(c, "email_provider", "none"));
    if (!provider) return bad(cpath + ".email_provider", "must be none, google, microsoft or imap");
    settings.email_provider = *provider;
    auto visibility = model::parse_visibility(optional_string(c, "inmail_default_visibility", "private"));
    if (!visibility) return bad(cpath + ".inmail_default_visibility", "must be private or contract");
    settings.inmail_default_visibility = *visibility;
    for (const char* key : {"internal_domains", "users", "projects"}) {
      if (auto st = check_array(c, key, cpath); !st) return st.error();
    }
    for (const auto& d : array_at(c, "internal_domains")) {
      if (!d.is_string() || !match::canonical_domain(d.get<std::string>())) {
        return bad(cpath + ".internal_domains", "every entry must be a domain name");
      }
      settings.internal_domains.push_back(d.get<std::string>());
    }
    auto contract_id = store.upsert_contract(name, settings);
    if (!contract_id) return contract_id.error();
    ++summary.contracts;

    for (std::size_t ui = 0; const auto& u : array_at(c, "users")) {
      if (auto st = seed_user(store, *contract_id, u, cpath + ".users[" + std::to_string(ui++) + "]"); !st) {
        return st.error();
      }
      ++summary.users;
    }

    for (std::size_t pi = 0; const auto& p : array_at(c, "projects")) {
      const std::string ppath = cpath + ".projects[" + std::to_string(pi++) + "]";
      if (!p.is_object()) return bad(ppath, "must be an object");
      const std::string pname = required_string(p, "name", ppath, error);
      if (error) return *error;
      if (auto st = check_array(p, "candidates", ppath); !st) return st.error();
      auto project_id = store.upsert_project(*contract_id, pname);
      if (!project_id) return project_id.error();
      std::vector<model::Id> members;
      for (std::size_t k = 0; const auto& addr : array_at(p, "candidates")) {
        const std::string apath = ppath + ".candidates[" + std::to_string(k++) + "]";
        if (!addr.is_string()) return bad(apath, "must be an email address");
        auto canonical = match::canonical_address(addr.get<std::string>());
        if (!canonical) return bad(apath, "not an email address");
        auto member = store.find_member_by_canonical(*canonical);
        if (!member) {
          if (member.error().code == ErrorCode::kNotFound) {
            return make_error(ErrorCode::kNotFound, apath + ": no member lists " + addr.get<std::string>());
          }
          return member.error();
        }
        members.push_back(member->id);
      }
      if (auto st = store.set_project_candidates(*project_id, members); !st) return st.error();
      ++summary.projects;
      summary.candidates += static_cast<int>(members.size());
    }
  }
  if (auto st = store.audit(
          "cli", "seed", "",
          std::to_string(summary.members) + " members, " + std::to_string(summary.contracts) + " contracts");
      !st) {
    return st.error();
  }
  if (auto st = (*tx)->commit(); !st) return st.error();
  return summary;
}

}  // namespace hiresync::app
