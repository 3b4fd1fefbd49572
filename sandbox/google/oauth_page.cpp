// The consent page of the authorize endpoint (OAuthServer::consent_page). Everything placed in the
// page is HTML-escaped.
#include "sandbox/consent_page.hpp"
#include "sandbox/google/oauth.hpp"

namespace hiresync::sandbox::google {

net::Response OAuthServer::consent_page(const std::string& request_id, const Pending& p) {
  const std::string account = p.login_hint.empty() ? "an account" : net::html_escape(p.login_hint);
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in - Google Accounts (sandbox)</title>"
      "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto}button{margin-right:1em}</style>"
      "</head><body><h1>HireSync (sandbox client) wants to access your Google Account</h1>"
      "<p>Signed in as <strong id=\"account-name\">" +
      account + "</strong></p><p>This will allow HireSync to:</p><ul id=\"scopes\">" +
      scope_items_html(p.scope) + "</ul><form method=\"post\" action=\"/o/oauth2/v2/auth/decision\">" +
      consent_form_end_html(request_id, p.login_hint, "Allow");
  return net::Response::html(200, std::move(html));
}

}  // namespace hiresync::sandbox::google
