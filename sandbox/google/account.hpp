// How a sandbox Google account is set up by the control API: whether Gmail is enabled and how its
// tenant answers an authorization (shared/PROTOCOLS.md A.10).
#pragma once

#include <optional>
#include <string>

namespace hiresync::sandbox::google {

enum class Consent {
  kGranted,
  kAdminPolicyEnforced,  // the Workspace admin blocks the app (alias "admin_required")
  kOrgInternal,          // an Internal app and a user of another organisation (alias "not_assigned")
  kAccessDenied,
};

struct AccountSettings {
  std::string address;  // lower case
  bool mailbox = true;  // false: Gmail API calls answer 400 failedPrecondition
  Consent consent = Consent::kGranted;
  std::string hosting = "cloud";
};

// Accepts the canonical names and the aliases; nullopt otherwise.
std::optional<Consent> parse_consent(const std::string& name);
// The canonical name, which is also the OAuth `error` value for the refusals.
const char* to_string(Consent c);

}  // namespace hiresync::sandbox::google
