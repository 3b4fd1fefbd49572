#include "sandbox/google/account.hpp"

namespace hiresync::sandbox::google {

std::optional<Consent> parse_consent(const std::string& name) {
  if (name == "granted") return Consent::kGranted;
  if (name == "admin_policy_enforced" || name == "admin_required") return Consent::kAdminPolicyEnforced;
  if (name == "org_internal" || name == "not_assigned") return Consent::kOrgInternal;
  if (name == "access_denied") return Consent::kAccessDenied;
  return std::nullopt;
}

const char* to_string(Consent c) {
  switch (c) {
    case Consent::kGranted:
      return "granted";
    case Consent::kAdminPolicyEnforced:
      return "admin_policy_enforced";
    case Consent::kOrgInternal:
      return "org_internal";
    case Consent::kAccessDenied:
      return "access_denied";
  }
  return "access_denied";
}

}  // namespace hiresync::sandbox::google
