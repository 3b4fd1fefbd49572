// The common case of a full parse without GMime: a message that is a single text/plain part in
// 7bit/8bit/binary with a UTF-8-compatible charset (most person-to-person mail). For such a
// message GMime's walk would hand back the body bytes unchanged, so the body is taken as it is
// (then made valid UTF-8, as the GMime path does). Internal to src/mime; equality with the GMime
// path is tested on every fixture and on the whole corpus (mime_robustness_test.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/message.hpp"
#include "model/result.hpp"

namespace hiresync::mime {

// The text body when `raw` is such a message; std::nullopt for anything else (multipart, another
// type, an encoding to undo, another charset, an attachment disposition, RFC 2231 parameters,
// comments, or a MIME field given twice), which then goes to GMime.
std::optional<std::string> plain_text_body(std::string_view raw);

// Charsets whose bytes pass through as they are (then made valid UTF-8) rather than through iconv:
// UTF-8 itself, and ASCII, which in practice labels 8-bit text just as often as ASCII. One list
// for both paths, so the shortcut and GMime's path cannot disagree about a charset.
bool is_pass_through_charset(std::string_view charset);

// parse_message() without this shortcut: always GMime. For the equality tests.
model::Result<model::ParsedMessage> parse_message_with_gmime(std::string_view raw);

}  // namespace hiresync::mime
