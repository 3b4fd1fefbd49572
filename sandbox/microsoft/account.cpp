#include "sandbox/microsoft/account.hpp"

namespace hiresync::sandbox::microsoft {

std::optional<Consent> parse_consent(const std::string& name) {
  if (name == "granted") return Consent::kGranted;
  if (name == "admin_required" || name == "admin_consent_required" || name == "90094")
    return Consent::kAdminRequired;
  if (name == "admin_approval_required" || name == "90095") return Consent::kAdminApproval90095;
  if (name == "admin_consent_required_65001" || name == "65001") return Consent::kAdminConsent65001;
  if (name == "not_assigned" || name == "50105") return Consent::kNotAssigned;
  return std::nullopt;
}

const char* to_string(Consent c) {
  switch (c) {
    case Consent::kGranted:
      return "granted";
    case Consent::kAdminRequired:
      return "admin_required";
    case Consent::kAdminApproval90095:
      return "admin_approval_required";
    case Consent::kAdminConsent65001:
      return "admin_consent_required_65001";
    case Consent::kNotAssigned:
      return "not_assigned";
  }
  return "granted";
}

}  // namespace hiresync::sandbox::microsoft
