// Helpers shared by the handlers: JSON in and out, times, settings, session digests.
#include "api/context.hpp"

#include <array>
#include <charconv>
#include <ctime>

#include "crypto/crypto.hpp"
#include "match/canonical.hpp"

namespace hiresync::api {

using model::ErrorCode;

std::string Ctx::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

model::Result<model::Id> Ctx::id_param(std::string_view name) const {
  const std::string text = param(name);
  model::Id id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return model::make_error(ErrorCode::kNotFound, "not an id: " + std::string(name));
  }
  return id;
}

model::Result<nlohmann::json> parse_object(const net::Request& request) {
  auto parsed = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return problem_error(ErrorCode::kMalformedInput, kInvalidJson, "body is not a JSON object");
  }
  return parsed;
}

model::Result<std::optional<std::string>> string_field(const nlohmann::json& obj, const char* key,
                                                       bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || (it->is_null() && !required)) {
    if (required) return invalid_request(std::string("\"") + key + "\" is required.");
    return std::optional<std::string>();
  }
  if (!it->is_string()) return invalid_request(std::string("\"") + key + "\" must be a string.");
  return std::optional<std::string>(it->get<std::string>());
}

net::Response json_response(int status, const nlohmann::json& body) {
  return net::Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string rfc3339(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf.data(), n);
}

nlohmann::json rfc3339_or_null(std::int64_t unix_seconds) {
  if (unix_seconds == 0) return nullptr;
  return rfc3339(unix_seconds);
}

nlohmann::json user_json(const model::User& user) {
  return {{"id", user.id}, {"email", user.email}, {"name", user.name}, {"role", model::to_string(user.role)}};
}

namespace {

nlohmann::json address_json(const store::ListedAddress& a) { return {{"name", a.name}, {"email", a.email}}; }

nlohmann::json addresses_json(const std::vector<store::ListedAddress>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : list) out.push_back(address_json(a));
  return out;
}

}  // namespace

nlohmann::json listed_message_json(const store::ListedMessage& m) {
  return {{"id", m.id},
          {"kind", m.kind},
          {"direction", m.direction},
          {"from", m.from ? address_json(*m.from) : nlohmann::json(nullptr)},
          {"to", addresses_json(m.to)},
          {"cc", addresses_json(m.cc)},
          {"subject", m.subject},
          {"sent_at", rfc3339(m.sent_at)},
          {"snippet", m.snippet},
          {"visibility", m.visibility},
          {"owner_id", m.owner_user_id}};
}

model::Status apply_settings(const nlohmann::json& obj, model::ContractSettings& settings) {
  auto provider = string_field(obj, "email_provider", false);
  if (!provider) return provider.error();
  if (*provider) {
    auto p = model::parse_email_provider(**provider);
    if (!p || *p == model::EmailProvider::kImap) {
      return invalid_request("\"email_provider\" must be one of none, google, microsoft.");
    }
    settings.email_provider = *p;
  }
  auto visibility = string_field(obj, "inmail_default_visibility", false);
  if (!visibility) return visibility.error();
  if (*visibility) {
    auto v = model::parse_visibility(**visibility);
    if (!v) return invalid_request("\"inmail_default_visibility\" must be private or contract.");
    settings.inmail_default_visibility = *v;
  }
  if (auto it = obj.find("internal_domains"); it != obj.end()) {
    if (!it->is_array()) return invalid_request("\"internal_domains\" must be an array of domains.");
    std::vector<std::string> domains;
    for (const auto& d : *it) {
      if (!d.is_string() || !match::canonical_domain(d.get_ref<const std::string&>()).ok()) {
        return invalid_request("\"internal_domains\" must be an array of domains (like \"acme.co.uk\").");
      }
      domains.push_back(d.get<std::string>());
    }
    settings.internal_domains = std::move(domains);
  }
  return {};
}

nlohmann::json settings_json(const model::ContractSettings& settings) {
  return {{"email_provider", model::to_string(settings.email_provider)},
          {"inmail_default_visibility", model::to_string(settings.inmail_default_visibility)},
          {"internal_domains", settings.internal_domains}};
}

std::string session_digest(std::string_view token) { return crypto::digest_hex(token); }

std::string session_key_of(std::string_view token) {
  std::string input = "oauth-session:";
  input += token;
  return crypto::digest_hex(input);
}

std::string csrf_token_of(std::string_view token) {
  std::string input = "csrf:";
  input += token;
  return crypto::digest_hex(input);
}

std::string new_session_token() { return net::base64url_encode(crypto::random_bytes(32)); }

}  // namespace hiresync::api
