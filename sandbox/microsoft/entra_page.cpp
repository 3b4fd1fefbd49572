// The consent page of the Entra authorize endpoint (EntraServer::consent_page). Everything placed
// in the page is HTML-escaped.
#include "sandbox/consent_page.hpp"
#include "sandbox/microsoft/entra.hpp"
#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

net::Response EntraServer::consent_page(const std::string& request_id, const std::string& tenant,
                                        const Pending& p) {
  const std::string account = p.login_hint.empty() ? "your account" : net::html_escape(p.login_hint);
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Permissions requested - Microsoft "
      "(sandbox)</title><style>body{font-family:sans-serif;max-width:36em;margin:3em "
      "auto}button{margin-right:"
      "1em}</style></head><body><h1>Permissions requested</h1><p>HireSync (sandbox) wants to access "
      "<strong id=\"account-name\">" +
      account + "</strong></p><p>This app would like to:</p><ul id=\"scopes\">" + scope_items_html(p.scope) +
      "</ul><form method=\"post\" action=\"/" + net::html_escape(net::url_encode(tenant)) +
      "/oauth2/v2.0/authorize/decision\">" + consent_form_end_html(request_id, p.login_hint, "Accept");
  return net::Response::html(200, std::move(html));
}

net::Response EntraServer::interrupt_page(int status, const std::string& title, int aadsts,
                                          const std::string& text, const std::string& account) const {
  std::string html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + net::html_escape(title) +
                     " - Microsoft (sandbox)</title></head><body><h1>" + net::html_escape(title) +
                     "</h1><p id=\"account-name\">" + net::html_escape(account) +
                     "</p><pre id=\"error-description\">" +
                     net::html_escape(entra_description(aadsts, text, clock_.now_ms())) +
                     "</pre><p>Have an admin account? Sign in with that account.</p></body></html>";
  return net::Response::html(status, std::move(html));
}

}  // namespace hiresync::sandbox::microsoft
