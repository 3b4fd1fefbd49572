// map_error: every Entra and Graph failure becomes one model::Error here (PROTOCOLS.md B.6, B.8,
// B.9, C).
//
// Order of the rules:
//  1. status 0 (no response at all): kTransient, problem provider_unreachable.
//  2. An Entra body ({"error":"<code>","error_description":"AADSTS...","error_codes":[...]}, the
//     token endpoint): 429 rate limited; 5xx, temporarily_unavailable and server_error transient;
//     then the AADSTS codes (error_codes, else the numbers in the description), because they name
//     the cause precisely; then the `error` value.
//  3. A Graph body ({"error":{"code","message","innerError":{...}}}) or an unreadable one, by status
//     and by every code of the error and its nested innerError (case-insensitive): 401 auth
//     expired (at the token endpoint: our client was refused); 429 or a throttling code rate
//     limited; 410 or a sync-state code cursor invalid; 5xx and 408 transient; a mailbox the REST
//     API cannot serve (MailboxNotEnabledForRESTAPI, MailboxNotSupportedForRESTAPI,
//     ErrorNonExistentMailbox) consent required mailbox_on_premises; a 400 on a subscription
//     (ExtensionError and the rest: never on-premises) invalid argument subscription_failed; 403
//     insufficient_scope; 404 not found; anything else internal.
// The detail names the context, status, codes and the first line of the provider's message
// (clipped); never the body of an unreadable response, never a token.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "providers/common/common.hpp"
#include "providers/microsoft/microsoft.hpp"
#include "providers/microsoft/microsoft_internal.hpp"

namespace hiresync::providers::microsoft {
namespace {

using model::Error;
using model::ErrorCode;

constexpr std::size_t kMaxMessage = 200;
constexpr int kMaxInnerDepth = 8;

// The first line of a provider message, clipped (Entra appends Trace ID / Correlation ID lines).
std::string clip(std::string_view s) {
  s = s.substr(0, s.find_first_of("\r\n"));
  std::string out(s.substr(0, kMaxMessage));
  if (s.size() > kMaxMessage) out += "...";
  return out;
}

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool any_code(const std::vector<std::string>& codes, std::initializer_list<std::string_view> wanted) {
  return std::any_of(codes.begin(), codes.end(), [&](const std::string& code) {
    return std::any_of(wanted.begin(), wanted.end(),
                       [&](std::string_view w) { return equals_nocase(code, w); });
  });
}

bool any_number(const std::vector<long long>& codes, std::initializer_list<long long> wanted) {
  return std::any_of(codes.begin(), codes.end(), [&](long long code) {
    return std::find(wanted.begin(), wanted.end(), code) != wanted.end();
  });
}

bool is_token_context(std::string_view context) { return context == "token" || context == "refresh"; }

Error make(ErrorCode code, std::string detail, std::string problem = {}, int retry_after_s = -1) {
  return Error{code, std::move(detail), std::move(problem), retry_after_s};
}

// --- Entra (token endpoint) ----------------------------------------------------------------------

// The problem for AADSTS codes that name a cause a person can act on, or "" (B.9).
// `context` "token" is a code exchange, anything else a refresh.
Error entra_by_code(const std::vector<long long>& codes, const std::string& detail, std::string_view context,
                    bool* matched) {
  *matched = true;
  if (any_number(codes, {90094, 90095, 65001})) {
    return make(ErrorCode::kConsentRequired, detail, "admin_consent_required");
  }
  if (any_number(codes, {50105})) return make(ErrorCode::kConsentRequired, detail, "not_assigned");
  if (any_number(codes, {65004})) return make(ErrorCode::kConsentRequired, detail, "access_denied");
  if (any_number(codes, {700016, 7000215, 7000222, 50011, 50194})) {
    // The app registration, its secret or its redirect URI: ours to fix, not the user's.
    return make(ErrorCode::kInternal, detail, "provider_misconfigured");
  }
  if (any_number(codes, {70008, 700082, 50173, 70043, 50076, 50079})) {
    // The grant expired, was revoked, or needs a fresh interactive sign-in. On a code exchange the
    // same codes mean the authorization code itself expired: the sign-in did not complete.
    return make(ErrorCode::kConsentRequired, detail,
                context == "token" ? "authorization_failed" : "access_revoked");
  }
  *matched = false;
  return {};
}

Error entra_error(int status, const internal::EntraError& e, std::string_view context, int wait) {
  std::string detail = "microsoft " + std::string(context) + ": ";
  if (status != 0) detail += "HTTP " + std::to_string(status) + " ";
  detail += clip(e.error);
  if (!e.codes.empty()) {
    detail += " [";
    for (std::size_t i = 0; i < e.codes.size(); ++i) detail += (i ? "," : "") + std::to_string(e.codes[i]);
    detail += "]";
  }
  if (!e.description.empty()) detail += ": " + clip(e.description);

  if (context == "authorize") {
    // What comes back on the redirect from the sign-in page: a person must act, whatever it is.
    std::string problem = "authorization_failed";
    if (any_number(e.codes, {90094, 90095, 65001})) {
      problem = "admin_consent_required";
    } else if (any_number(e.codes, {50105})) {
      problem = "not_assigned";
    } else if (any_number(e.codes, {65004}) || e.error == "access_denied") {
      problem = "access_denied";
    }
    return make(ErrorCode::kConsentRequired, detail, problem);
  }
  if (status == 429) return make(ErrorCode::kRateLimited, detail, {}, wait);
  if (status >= 500 || e.error == "temporarily_unavailable" || e.error == "server_error") {
    return make(ErrorCode::kTransient, detail, {}, wait);
  }
  bool matched = false;
  Error by_code = entra_by_code(e.codes, detail, context, &matched);
  if (matched) return by_code;

  if (e.error == "invalid_grant" || e.error == "interaction_required" || e.error == "consent_required" ||
      e.error == "login_required") {
    return make(ErrorCode::kConsentRequired, detail,
                context == "token" ? "authorization_failed" : "access_revoked");
  }
  if (e.error == "access_denied") return make(ErrorCode::kConsentRequired, detail, "access_denied");
  if (e.error == "invalid_client" || e.error == "unauthorized_client" ||
      e.error == "unsupported_grant_type" || e.error == "invalid_scope" || e.error == "invalid_resource" ||
      e.error == "unsupported_response_type") {
    return make(ErrorCode::kInternal, detail, "provider_misconfigured");
  }
  return make(ErrorCode::kInternal, detail, "provider_error");  // invalid_request and unknown values
}

// --- Graph ---------------------------------------------------------------------------------------

struct GraphError {
  std::vector<std::string> codes;  // error.code, then each nested innerError's code
  std::string message;             // error.message
};

GraphError read_graph_error(const nlohmann::json& error) {
  GraphError out;
  out.message = json_string(error, "message");
  const nlohmann::json* level = &error;
  for (int depth = 0; depth < kMaxInnerDepth && level != nullptr && level->is_object(); ++depth) {
    if (auto code = json_string(*level, "code"); !code.empty()) out.codes.push_back(std::move(code));
    const nlohmann::json* next = nullptr;
    for (const char* key : {"innerError", "innererror"}) {
      auto it = level->find(key);
      if (it != level->end() && it->is_object()) next = &*it;
    }
    level = next;
  }
  return out;
}

}  // namespace

namespace internal {

std::vector<long long> aadsts_codes(std::string_view text) {
  std::vector<long long> out;
  constexpr std::string_view kPrefix = "AADSTS";
  for (auto at = text.find(kPrefix); at != std::string_view::npos; at = text.find(kPrefix, at + 1)) {
    std::size_t i = at + kPrefix.size();
    long long value = 0;
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && digits < 12) {
      value = value * 10 + (text[i] - '0');
      ++i, ++digits;
    }
    if (digits > 0 && std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
  }
  return out;
}

EntraError read_entra_error(const nlohmann::json& body) {
  EntraError out;
  out.error = json_string(body, "error");
  out.description = json_string(body, "error_description");
  auto codes = body.find("error_codes");
  if (codes != body.end() && codes->is_array()) {
    for (const auto& code : *codes) {
      if (code.is_number_integer()) out.codes.push_back(code.get<long long>());
    }
  }
  if (out.codes.empty()) out.codes = aadsts_codes(out.description);
  return out;
}

}  // namespace internal

Error authorize_error(std::string_view error, std::string_view description) {
  internal::EntraError e;
  e.error = std::string(error);
  e.description = std::string(description);
  e.codes = internal::aadsts_codes(description);
  return entra_error(0, e, "authorize", -1);
}

Error map_error(int status, std::string_view body, std::string_view retry_after, std::string_view context) {
  const std::string where = "microsoft " + std::string(context) + ": ";
  if (status == 0) {
    return make(ErrorCode::kTransient, where + "no response: " + clip(body), "provider_unreachable");
  }
  const int wait = parse_retry_after(retry_after, system_now_s());
  const auto json = parse_json(body);
  const nlohmann::json* error = nullptr;
  if (json && json->is_object()) {
    auto it = json->find("error");
    if (it != json->end()) error = &*it;
  }
  if (error != nullptr && error->is_string()) {
    return entra_error(status, internal::read_entra_error(*json), context, wait);
  }

  GraphError e;
  if (error != nullptr && error->is_object()) e = read_graph_error(*error);
  std::string detail = where + "HTTP " + std::to_string(status);
  for (const auto& code : e.codes) detail += " " + clip(code);
  if (!e.message.empty()) {
    detail += ": " + clip(e.message);
  } else if (error == nullptr) {
    detail += " (unreadable body, " + std::to_string(body.size()) + " bytes)";
  }

  if (status == 401) {
    // At the token endpoint a bare 401 means our client authentication failed (RFC 6749 §5.2).
    if (is_token_context(context)) return make(ErrorCode::kInternal, detail, "provider_misconfigured");
    return make(ErrorCode::kAuthExpired, detail);
  }
  if (status == 429 ||
      any_code(e.codes, {"ApplicationThrottled", "TooManyRequests", "activityLimitReached"})) {
    return make(ErrorCode::kRateLimited, detail, {}, wait);
  }
  if (status == 410 || any_code(e.codes, {"SyncStateNotFound", "resyncRequired", "SyncStateInvalid"})) {
    return make(ErrorCode::kCursorInvalid, detail);
  }
  if (status >= 500 || status == 408) return make(ErrorCode::kTransient, detail, {}, wait);
  if (any_code(e.codes,
               {"MailboxNotEnabledForRESTAPI", "MailboxNotSupportedForRESTAPI", "ErrorNonExistentMailbox"})) {
    // On-premises (hybrid), no Exchange Online licence, inactive or a consumer mailbox: permanent
    // until an administrator acts. Only these codes say so (docs/sync.md, "Push for Microsoft 365").
    return make(ErrorCode::kConsentRequired, detail, "mailbox_on_premises");
  }
  if (context == "subscription" && status == 400 && !e.codes.empty()) {
    // A subscription Graph would not create or renew (ExtensionError for a bad expiry,
    // InvalidRequest for an http:// URL, ValidationError for a failed handshake): push is off, the
    // poll still syncs; never a reason to sign in again.
    return make(ErrorCode::kInvalidArgument, detail, "subscription_failed");
  }
  if (status == 403) return make(ErrorCode::kConsentRequired, detail, "insufficient_scope");
  if (status == 404) return make(ErrorCode::kNotFound, detail);
  if (status >= 200 && status < 300) return make(ErrorCode::kMalformedInput, detail);
  return make(ErrorCode::kInternal, detail, "provider_error");  // 400 and other client bugs
}

}  // namespace hiresync::providers::microsoft
