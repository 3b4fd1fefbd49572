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

net::Response OAuthServer::blocked_page(int status, const std::string& error, const std::string& account,
                                        const std::string& text) {
  const std::string code = "Error " + std::to_string(status) + ": " + error;
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Access blocked - Google Accounts "
      "(sandbox)</title></head><body><h1>Access blocked: HireSync (sandbox client)</h1><p "
      "id=\"account-name\">" +
      net::html_escape(account) + "</p><p>" + net::html_escape(text) + "</p><h2 id=\"error-code\">" +
      net::html_escape(code) + "</h2></body></html>";
  return net::Response::html(status, std::move(html));
}

}  // namespace hiresync::sandbox::google
