// The parts shared by the consent pages of the sandbox's authorize endpoints (Google
// google/oauth_page.cpp, Entra microsoft/entra_page.cpp). Everything placed in the HTML is escaped.
#pragma once

#include <string>

namespace hiresync::sandbox {

// One <li><code>scope</code></li> per entry of a space-separated scope list (empty entries
// skipped). Pure.
std::string scope_items_html(const std::string& scope);

// The consent form's fields and the end of the page: the hidden request_id, the account input
// prefilled with `login_hint`, the Deny and `allow_label` buttons, then </form></body></html>.
// Pure.
std::string consent_form_end_html(const std::string& request_id, const std::string& login_hint,
                                  const std::string& allow_label);

}  // namespace hiresync::sandbox
