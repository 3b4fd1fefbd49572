// Helpers shared by the Google connector's files (errors, OAuth, Gmail, push). Not part of the
// module's interface; exposed in a header so the unit tests can reach the pure parts. The
// provider-neutral helpers (JSON reading, Retry-After, send) are in providers/common/common.hpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "providers/common/common.hpp"

namespace hiresync::providers::google::internal {

// The Error for an OAuth `error` code (RFC 6749 §4.1.2.1 / §5.2 and Google's A.10 values).
// `context` "authorize" (redirect back from the consent page: always kConsentRequired), "token"
// (code exchange), "refresh", "revoke". `status` is the HTTP status (0 on the authorize redirect).
// Pure.
model::Error oauth_error(std::string_view error, std::string_view description, std::string_view context,
                         int status);

// --- Gmail batch requests (batch.cpp; docs/sync.md "Budgets") ---------------------------------

// One call of a batch: its Content-ID and the path (with query) of a GET, e.g.
// "/gmail/v1/users/me/messages/ID?format=metadata".
struct BatchCall {
  std::string content_id;
  std::string path;
};
// One answer of a batch, as Gmail sent it: the Content-ID of its call (the "response-" prefix and
// angle brackets removed), the HTTP status, Retry-After ("" when absent) and body.
struct BatchReply {
  std::string content_id;
  int status = 0;
  std::string retry_after;
  std::string body;
};

// The multipart/mixed body of a batch request: one application/http part per call. Pure.
std::string batch_body(const std::string& boundary, const std::vector<BatchCall>& calls);
// The parts of a batch response (`content_type` is the response's Content-Type, with its boundary),
// in the order Gmail sent them (any order: pair them by content_id). kMalformedInput when the body
// is not multipart or a part is not an HTTP response. Pure.
model::Result<std::vector<BatchReply>> parse_batch_response(std::string_view content_type,
                                                            std::string_view body);

}  // namespace hiresync::providers::google::internal
