// The consent page of the authorize endpoint (OAuthServer::consent_page). Everything placed in the
// page is HTML-escaped.
#include "sandbox/google/oauth.hpp"

namespace hiresync::sandbox::google {

net::Response OAuthServer::consent_page(const std::string& request_id, const Pending& p) {
  std::string scopes;
  std::size_t pos = 0;
  while (pos < p.scope.size()) {
    const std::size_t end = std::min(p.scope.find(' ', pos), p.scope.size());
    if (end > pos) scopes += "<li><code>" + net::html_escape(p.scope.substr(pos, end - pos)) + "</code></li>";
    pos = end + 1;
  }
  const std::string account = p.login_hint.empty() ? "an account" : net::html_escape(p.login_hint);
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in - Google Accounts (sandbox)</title>"
      "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto}button{margin-right:1em}</style>"
      "</head><body><h1>HireSync (sandbox client) wants to access your Google Account</h1>"
      "<p>Signed in as <strong id=\"account-name\">" +
      account + "</strong></p><p>This will allow HireSync to:</p><ul id=\"scopes\">" + scopes +
      "</ul><form method=\"post\" action=\"/o/oauth2/v2/auth/decision\">"
      "<input type=\"hidden\" name=\"request_id\" value=\"" +
      net::html_escape(request_id) + "\"><p><label>Account <input type=\"email\" name=\"account\" value=\"" +
      net::html_escape(p.login_hint) +
      "\" required></label></p>"
      "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
      "<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>"
      "</form></body></html>";
  return net::Response::html(200, std::move(html));
}

}  // namespace hiresync::sandbox::google
