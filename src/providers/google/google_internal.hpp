// Helpers shared by the Google connector's files (errors, OAuth, Gmail, push). Not part of the
// module's interface; exposed in a header so the unit tests can reach the pure parts. The
// provider-neutral helpers (JSON reading, Retry-After, send) are in providers/common/common.hpp.
#pragma once

#include <string_view>

#include "model/result.hpp"
#include "providers/common/common.hpp"

namespace hiresync::providers::google::internal {

// The Error for an OAuth `error` code (RFC 6749 §4.1.2.1 / §5.2 and Google's A.10 values).
// `context` "authorize" (redirect back from the consent page: always kConsentRequired), "token"
// (code exchange), "refresh", "revoke". `status` is the HTTP status (0 on the authorize redirect).
// Pure.
model::Error oauth_error(std::string_view error, std::string_view description, std::string_view context,
                         int status);

}  // namespace hiresync::providers::google::internal
