// Splitting a multipart entity (RFC 2046 §5.1) into its body parts, for protocols that carry
// several messages in one HTTP body (Gmail's batch responses: multipart/mixed of application/http
// parts). Pure; thread-safe; never throws. GMime does the parsing (as for mail in mime.hpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/result.hpp"

namespace hiresync::mime {

struct BodyPart {
  std::vector<std::pair<std::string, std::string>> headers;  // as written, in order
  std::string body;  // the part's content, its Content-Transfer-Encoding undone
  // The first value of header `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// The parts of a multipart entity whose Content-Type value is `content_type` (with its boundary
// parameter). kMalformedInput when the type is not multipart, has no boundary, or `body` holds
// no part.
model::Result<std::vector<BodyPart>> split_multipart(std::string_view content_type, std::string_view body);

}  // namespace hiresync::mime
