// A small, lenient MIME walk for messages.get format=full (Gmail's MessagePart tree) and snippets.
// Independent of src/providers on purpose: the sandbox is a second implementation of the provider
// side. Pure functions; thread-safe; never throw and never fail (odd input gives a best-effort tree).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hiresync::sandbox::google {

using HeaderList = std::vector<std::pair<std::string, std::string>>;  // names as written, values unfolded

struct MimePart {
  std::string part_id;    // "" for the message, then "0", "1", "1.0", ... as Gmail numbers parts
  std::string mime_type;  // lower case "type/subtype"
  std::string filename;   // from Content-Disposition filename or Content-Type name; may be empty
  HeaderList headers;
  std::string body;  // decoded content (base64 / quoted-printable undone); empty for multiparts
  std::vector<MimePart> parts;
};

// Splits `raw` at the end of its header block. Values are unfolded (line breaks before folding
// whitespace removed) and trimmed. `body` views `raw`.
void split_message(std::string_view raw, HeaderList& headers, std::string_view& body);

// The first value of header `name` (case-insensitive), or "".
std::string header_value(const HeaderList& headers, std::string_view name);

// The whole tree. Nesting deeper than 32 levels is returned as leaves.
MimePart parse_mime_tree(std::string_view raw);

// Gmail-style snippet: the first text/plain part that is not an attachment (else text/html with
// tags removed), whitespace collapsed, at most 200 characters (UTF-8 safe), HTML-escaped.
std::string make_snippet(const MimePart& root);

// Decoders for Content-Transfer-Encoding; both skip what they cannot read.
std::string decode_base64(std::string_view text);
std::string decode_quoted_printable(std::string_view text);

}  // namespace hiresync::sandbox::google
