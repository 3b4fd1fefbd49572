#include "sandbox/consent_page.hpp"

#include <algorithm>

#include "net/http.hpp"

namespace hiresync::sandbox {

std::string scope_items_html(const std::string& scope) {
  std::string items;
  std::size_t pos = 0;
  while (pos < scope.size()) {
    const std::size_t end = std::min(scope.find(' ', pos), scope.size());
    if (end > pos) items += "<li><code>" + net::html_escape(scope.substr(pos, end - pos)) + "</code></li>";
    pos = end + 1;
  }
  return items;
}

std::string consent_form_end_html(const std::string& request_id, const std::string& login_hint,
                                  const std::string& allow_label) {
  return "<input type=\"hidden\" name=\"request_id\" value=\"" + net::html_escape(request_id) +
         "\"><p><label>Account <input type=\"email\" name=\"account\" value=\"" +
         net::html_escape(login_hint) +
         "\" required></label></p>"
         "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
         "<button type=\"submit\" name=\"decision\" value=\"allow\">" +
         net::html_escape(allow_label) + "</button></form></body></html>";
}

}  // namespace hiresync::sandbox
