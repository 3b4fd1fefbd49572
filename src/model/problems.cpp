#include "model/problems.hpp"

#include <array>

namespace hiresync::model {
namespace {

// One row per code. To add a provider's codes, append rows (keep the codes stable: they are
// persisted and part of the API). Messages say what happened; remedies say what to do, both in
// words a recruiter reads.
constexpr std::array kProblems{
    Problem{"admin_policy_enforced",
            "Your Google Workspace administrator has not approved HireSync, so your organization's "
            "policy blocks it from reading your mailbox.",
            "Ask your IT team to allow HireSync in the Google Admin console under Security > Access and "
            "data control > API controls (App access control), trusting it with the Gmail read-only "
            "scope, then connect your mailbox again."},
    Problem{"org_internal",
            "This account is not part of the organization HireSync is limited to, so Google refused the "
            "sign-in.",
            "Connect again and sign in with your work account of your company, not a personal one."},
    Problem{"access_denied",
            "You declined or cancelled the permission request, so HireSync did not get access to your "
            "mailbox.",
            "Connect your mailbox again and click Allow on the permission screen."},
    Problem{"authorization_failed",
            "Connecting your mailbox did not complete: the sign-in with your email provider failed or "
            "took too long.",
            "Connect your mailbox again. If it keeps failing, contact HireSync support."},
    Problem{"no_mailbox",
            "This account has no Gmail mailbox. It may be an alias, a group, or an account that only "
            "uses other Google services such as Drive.",
            "Connect again with the address of your own mailbox, or ask your IT team to turn on Gmail "
            "for your account."},
    Problem{"insufficient_scope",
            "Not all the permissions HireSync needs were granted, so it cannot read your email.",
            "Connect your mailbox again and keep every permission box ticked on the permission screen."},
    Problem{"wrong_provider",
            "Your company chose a different email provider for syncing than the one you tried to "
            "connect.",
            "Connect the mailbox of the provider your administrator chose, or ask your administrator "
            "which one that is."},
    Problem{"sync_not_enabled", "Your company has not turned on email syncing.",
            "Ask your HireSync administrator to choose Google Workspace or Microsoft 365 in Company "
            "Settings, then connect your mailbox."},
    Problem{"access_renewing", "HireSync's access to your mailbox had just expired; it is being renewed now.",
            "Try again in a few seconds."},
    Problem{"provider_unreachable",
            "HireSync could not reach your email provider. The network or a firewall may be blocking "
            "the connection.",
            "Nothing to do if this is brief: HireSync retries automatically. If it lasts, ask your IT "
            "team to allow outbound HTTPS to your email provider's servers."},
    Problem{"access_revoked",
            "HireSync's access to your mailbox was revoked or has expired (for example after a password "
            "change or removing the app from your account).",
            "Connect your mailbox again to renew the access."},
    Problem{"provider_misconfigured",
            "HireSync's registration with your email provider is not set up correctly. This is not "
            "something you did.",
            "Contact HireSync support; syncing resumes once the registration is fixed."},
    Problem{"mailbox_in_use", "This email address is already connected by another user of your company.",
            "Connect your own mailbox instead, or ask the colleague who connected this address to "
            "disconnect it first."},
    Problem{"provider_error", "Your email provider returned an unexpected error.",
            "Try again later. If it keeps happening, contact HireSync support."},
    Problem{"provider_not_available",
            "Your company chose an email provider that this HireSync server cannot connect to yet.",
            "Ask your admin to check the email provider in Company Settings, or contact HireSync support."},
    Problem{"rate_limited", "Your email provider asked HireSync to slow down for a moment.",
            "Nothing to do: syncing resumes automatically when the provider allows it."},
    Problem{"admin_consent_required",
            "Your Microsoft 365 administrator must approve HireSync for your organization before it can "
            "read your mailbox.",
            "Ask your IT team to grant admin consent to HireSync in the Microsoft Entra admin center under "
            "Enterprise applications > HireSync > Permissions (Mail.Read, User.Read, offline_access, "
            "openid, email), then connect your mailbox again."},
    Problem{"not_assigned",
            "Your account is not assigned to the HireSync app in your organization, so Microsoft refused "
            "the sign-in.",
            "Ask your IT team to assign you (or a group you belong to) to HireSync in the Microsoft Entra "
            "admin center under Enterprise applications > HireSync > Users and groups, then connect your "
            "mailbox again."},
    Problem{"mailbox_on_premises",
            "Microsoft 365 cannot give HireSync access to your mailbox: it is hosted on your "
            "organization's own Exchange servers (on-premises), or it has no Exchange Online license.",
            "Ask your IT team to move your mailbox to Exchange Online or assign you an Exchange Online "
            "license, or connect a mailbox that is hosted in Exchange Online."},
    // An authorization that never came back: Google and Microsoft show an organization's refusal
    // on their own page and do not return to HireSync (docs/sync.md "Consent that never comes back").
    Problem{"consent_not_finished",
            "Connecting your mailbox did not finish: your email provider never sent you back to HireSync. "
            "This usually means your organization blocked the sign-in on the provider's own page (for "
            "example \"Access blocked\", \"Need admin approval\" or \"Approval required\").",
            "Check the likely causes below and ask your IT team to approve HireSync (the page For IT admins "
            "says what to allow), then connect your mailbox again. If you just closed the window, connect "
            "again."},
    // Push problems (the mailbox keeps syncing by polling); shown to the operator and the admin.
    Problem{"subscription_failed",
            "Microsoft 365 refused to set up instant change notifications for this mailbox. Mail still "
            "syncs, but only at the regular check interval.",
            "IT: HireSync's notification URL must be a public https:// address that answers Microsoft's "
            "validation request within 10 seconds; check the network and proxy rules (For IT admins, "
            "Network and firewall). HireSync retries on its own."},
    Problem{"watch_failed",
            "Gmail refused to set up instant change notifications (users.watch) for this mailbox. Mail "
            "still syncs, but only at the regular check interval.",
            "IT: the Pub/Sub topic must exist and grant gmail-api-push@system.gserviceaccount.com the "
            "Pub/Sub Publisher role (For IT admins, Google Workspace). HireSync retries on its own."},
    Problem{"push_jwt_rejected",
            "Gmail push notifications reach HireSync with a token it rejects (signature, audience, issuer "
            "or expiry), so they are ignored and mail only syncs at the regular check interval.",
            "Operator: check the Pub/Sub push subscription: authentication on, the audience set to "
            "HireSync's webhook URL (https), the service account the one HireSync is configured with, "
            "and the server's clock."},
};

}  // namespace

const Problem* find_problem(std::string_view code) {
  for (const Problem& problem : kProblems) {
    if (problem.code == code) return &problem;
  }
  return nullptr;
}

std::span<const Problem> all_problems() { return kProblems; }

}  // namespace hiresync::model
