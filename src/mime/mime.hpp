// Raw RFC 5322 -> parsed message, with GMime 3. No I/O: callers hand in the bytes.
//
// Two entry points, because matching must be cheap and bodies must be read only for matched mail:
//  - parse_headers(): scans the header block only (stops at the first empty line), unfolds the few
//    fields matching and threading need, and parses their address lists with GMime's RFC 5322 address
//    parser (RFC 2047 encoded words, groups, comments, obsolete syntax, raw UTF-8 per RFC 6532).
//    It never builds a GMimeMessage and never looks at the body.
//  - parse_message(): the full parse (GMime), for a message that matched: the same headers plus
//    text and HTML bodies decoded to UTF-8 and attachment metadata (content is not kept).
//
// Both are thread-safe (GMime is initialized once, on first use) and never throw. Malformed input
// gives Error{kMalformedInput, detail} where detail is a short reason fit for a skip record
// ("no header fields", "binary data", ...); a message with odd but recoverable headers parses with
// what could be read.
#pragma once

#include <string_view>

#include "model/message.hpp"
#include "model/result.hpp"

namespace hiresync::mime {

// Header fields only. Returns kMalformedInput when `raw` has no RFC 5322 header field at all
// (empty, binary, or not a message). A leading mbox "From " line is tolerated and ignored.
model::Result<model::MessageHeaders> parse_headers(std::string_view raw);

// Only the participants (From, Sender, Reply-To, To, Cc, Bcc): all that matching needs. The other
// fields of the result stay empty; decoding them (subject charsets, dates, id lists) is left for
// the messages that match. Same errors as parse_headers().
model::Result<model::MessageHeaders> parse_participants(std::string_view raw);

// Full message. The headers part equals what parse_headers() returns for the same input.
model::Result<model::ParsedMessage> parse_message(std::string_view raw);

}  // namespace hiresync::mime
