// map_error: every Google failure becomes one model::Error here (PROTOCOLS.md A.9-A.11, C).
//
// Order of the rules:
//  1. status 0 (no response at all): kTransient, problem provider_unreachable.
//  2. An OAuth body ({"error":"<code>","error_description":...}, token and revoke endpoints):
//     429 rate limited, 5xx transient, otherwise by the code (oauth_error).
//  3. A Gmail body ({"error":{"code","message","errors":[{"reason"}],"status","details"}}) or an
//     unreadable one, by status then reason:
//     401 auth expired (at an OAuth endpoint: our client credentials were refused);
//     429, or 403 with a rate reason or the "Too many concurrent requests" text: rate limited with
//     Retry-After; 5xx and 408 transient; 403 domainPolicy / insufficientPermissions /
//     accessNotConfigured; 400 failedPrecondition "Mail service not enabled"; 404 cursor invalid in
//     the "history" context, else not found; anything else internal.
// The detail names the context, status, reason and Google's message (clipped); never the body of an
// unreadable response, never a token.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "providers/google/google.hpp"
#include "providers/google/google_internal.hpp"

namespace hiresync::providers::google {
namespace {

using model::Error;
using model::ErrorCode;

constexpr std::size_t kMaxMessage = 200;

std::string clip(std::string_view s) {
  std::string out(s.substr(0, kMaxMessage));
  if (s.size() > kMaxMessage) out += "...";
  return out;
}

bool contains_nocase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

bool is_oauth_context(std::string_view context) {
  return context == "token" || context == "refresh" || context == "revoke" || context == "authorize";
}

Error make(ErrorCode code, std::string detail, std::string problem = {}, int retry_after_s = -1) {
  return Error{code, std::move(detail), std::move(problem), retry_after_s};
}

// --- Gmail error bodies --------------------------------------------------------------------------

struct GmailError {
  std::string reason;                       // errors[0].reason
  std::string message;                      // error.message
  std::string status;                       // error.status ("PERMISSION_DENIED", ...)
  std::vector<std::string> detail_reasons;  // error.details[].reason (ErrorInfo)
};

GmailError read_gmail_error(const nlohmann::json& error) {
  GmailError out;
  out.message = json_string(error, "message");
  out.status = json_string(error, "status");
  auto errors = error.find("errors");
  if (errors != error.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
    out.reason = json_string((*errors)[0], "reason");
    if (out.message.empty()) out.message = json_string((*errors)[0], "message");
  }
  auto details = error.find("details");
  if (details != error.end() && details->is_array()) {
    for (const auto& d : *details) {
      if (d.is_object()) out.detail_reasons.push_back(json_string(d, "reason"));
    }
  }
  return out;
}

bool has_detail(const GmailError& e, std::string_view reason) {
  return std::find(e.detail_reasons.begin(), e.detail_reasons.end(), reason) != e.detail_reasons.end();
}

bool is_rate_limit(int status, const GmailError& e) {
  if (status == 429) return true;
  if (status != 403) return false;
  return e.reason == "userRateLimitExceeded" || e.reason == "rateLimitExceeded" ||
         e.reason == "dailyLimitExceeded" || e.reason == "quotaExceeded" ||
         contains_nocase(e.message, "Too many concurrent requests") || has_detail(e, "RATE_LIMIT_EXCEEDED");
}

}  // namespace

namespace internal {

Error oauth_error(std::string_view error, std::string_view description, std::string_view context,
                  int status) {
  std::string detail = "google " + std::string(context) + ": ";
  if (status != 0) detail += "HTTP " + std::to_string(status) + " ";
  detail += clip(error);
  if (!description.empty()) detail += ": " + clip(description);

  if (context == "authorize") {
    // What comes back on the redirect from the consent page: a person must act, whatever it is.
    std::string problem = "authorization_failed";
    if (error == "access_denied" || error == "admin_policy_enforced" || error == "org_internal") {
      problem = std::string(error);
    }
    return make(ErrorCode::kConsentRequired, detail, problem);
  }
  if (error == "invalid_grant") {
    // On refresh the grant is dead (revoked, unused 6 months, password change); on code exchange
    // the code was bad, used, expired or did not match the PKCE verifier.
    return make(ErrorCode::kConsentRequired, detail,
                context == "token" ? "authorization_failed" : "access_revoked");
  }
  if (error == "access_denied" || error == "admin_policy_enforced" || error == "org_internal") {
    return make(ErrorCode::kConsentRequired, detail, std::string(error));
  }
  if (error == "invalid_client" || error == "unauthorized_client" || error == "deleted_client" ||
      error == "unsupported_grant_type" || error == "invalid_scope" || error == "redirect_uri_mismatch" ||
      error == "unsupported_response_type") {
    return make(ErrorCode::kInternal, detail, "provider_misconfigured");
  }
  if (error == "temporarily_unavailable" || error == "server_error")
    return make(ErrorCode::kTransient, detail);
  if (error == "slow_down") return make(ErrorCode::kRateLimited, detail);
  return make(ErrorCode::kInternal, detail, "provider_error");  // invalid_request and unknown codes
}

}  // namespace internal

Error map_error(int status, std::string_view body, std::string_view retry_after, std::string_view context) {
  const std::string where = "google " + std::string(context) + ": ";
  if (status == 0) {
    return make(ErrorCode::kTransient, where + "no response: " + clip(body), "provider_unreachable");
  }
  const auto json = parse_json(body);
  const nlohmann::json* error = nullptr;
  if (json && json->is_object()) {
    auto it = json->find("error");
    if (it != json->end()) error = &*it;
  }
  const int wait = parse_retry_after(retry_after, system_now_s());

  if (error != nullptr && error->is_string()) {  // OAuth shape (RFC 6749 §5.2)
    const auto code = error->get<std::string>();
    const auto description = json_string(*json, "error_description");
    std::string detail = where + "HTTP " + std::to_string(status) + " " + clip(code);
    if (status == 429) return make(ErrorCode::kRateLimited, detail, {}, wait);
    if (status >= 500) return make(ErrorCode::kTransient, detail);
    return internal::oauth_error(code, description, context, status);
  }

  GmailError e;
  if (error != nullptr && error->is_object()) e = read_gmail_error(*error);
  std::string detail = where + "HTTP " + std::to_string(status);
  if (!e.reason.empty()) detail += " " + clip(e.reason);
  if (!e.message.empty()) {
    detail += ": " + clip(e.message);
  } else if (error == nullptr) {
    detail += " (unreadable body, " + std::to_string(body.size()) + " bytes)";
  }

  if (status == 401) {
    // At a token endpoint a bare 401 means our client authentication failed (RFC 6749 §5.2).
    if (is_oauth_context(context)) return make(ErrorCode::kInternal, detail, "provider_misconfigured");
    return make(ErrorCode::kAuthExpired, detail);
  }
  if (is_rate_limit(status, e)) return make(ErrorCode::kRateLimited, detail, {}, wait);
  if (status >= 500 || status == 408) return make(ErrorCode::kTransient, detail);
  if (status == 403) {
    if (e.reason == "domainPolicy") return make(ErrorCode::kConsentRequired, detail, "admin_policy_enforced");
    if (e.reason == "insufficientPermissions" || has_detail(e, "ACCESS_TOKEN_SCOPE_INSUFFICIENT")) {
      return make(ErrorCode::kConsentRequired, detail, "insufficient_scope");
    }
    if (e.reason == "accessNotConfigured" || has_detail(e, "SERVICE_DISABLED")) {
      return make(ErrorCode::kInternal, detail, "provider_misconfigured");
    }
    return make(ErrorCode::kInternal, detail, "provider_error");
  }
  if (status == 400 && (e.reason == "failedPrecondition" || e.status == "FAILED_PRECONDITION") &&
      contains_nocase(e.message, "Mail service not enabled")) {
    return make(ErrorCode::kConsentRequired, detail, "no_mailbox");
  }
  if (status == 404) {
    return make(context == "history" ? ErrorCode::kCursorInvalid : ErrorCode::kNotFound, detail);
  }
  if (status >= 200 && status < 300) return make(ErrorCode::kMalformedInput, detail);
  return make(ErrorCode::kInternal, detail, "provider_error");  // 400 badRequest and other client bugs
}

}  // namespace hiresync::providers::google
