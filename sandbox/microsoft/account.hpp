// How a sandbox Microsoft account is set up by the control API: whether it has an Exchange Online
// mailbox and how its Entra tenant answers an authorization (shared/PROTOCOLS.md B.6, B.9).
#pragma once

#include <optional>
#include <string>

namespace hiresync::sandbox::microsoft {

enum class Consent {
  kGranted,
  kAdminRequired,       // user consent disabled: AADSTS90094 "Need admin approval"
  kAdminApproval90095,  // the same with the admin consent workflow on: AADSTS90095 "Approval required"
  kAdminConsent65001,   // no delegation exists: AADSTS65001
  kNotAssigned,         // assignment required and the user is not assigned: AADSTS50105
};

struct AccountSettings {
  std::string address;            // lower case; also the userPrincipalName
  bool mailbox = true;            // false: every Graph mail call answers 404 MailboxNotEnabledForRESTAPI
  std::string hosting = "cloud";  // "on_premises": same 404 as mailbox=false
  Consent consent = Consent::kGranted;
  std::string user_id;    // stable GUID from the address
  std::string tenant_id;  // stable GUID from the domain

  bool mail_enabled() const { return mailbox && hosting != "on_premises"; }
};

// "granted", "admin_required" (also "admin_consent_required", "90094"), "admin_approval_required"
// (also "90095"), "admin_consent_required_65001" (also "65001"), "not_assigned" (also "50105");
// nullopt otherwise.
std::optional<Consent> parse_consent(const std::string& name);
const char* to_string(Consent c);

}  // namespace hiresync::sandbox::microsoft
