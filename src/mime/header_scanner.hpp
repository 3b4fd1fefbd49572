// Splits the header block of a raw message into fields, without interpreting them. Internal to
// src/mime. Allocation-free and linear in the size of the header block: this is the hot path of
// parse_headers(), run on every message of a mailbox.
//
// The rules follow GMime's own parser (gmime-parser.c, step_headers) so that parse_headers() and
// parse_message() agree on where the header block ends:
//  - a line ends at LF; a CR right before that LF belongs to the line break, any other CR is data;
//  - the block ends at the first empty line, or at the end of the input;
//  - a leading UTF-8 byte order mark and a leading mbox "From " line are skipped;
//  - a field is a name, optional blanks (obsolete syntax), ':' and the value; following lines that
//    start with SP or HT continue it (folding);
//  - when the first line is not a field the input has no header block at all; a later line that is
//    neither a field nor a continuation is skipped, as GMime does.
// Field names here are RFC 7230 tokens (letters, digits, !#$%&'*+-.^_`|~). RFC 5322 would also allow
// '"', '{', '<' and friends, but no real header uses them and accepting them would make a line of
// JSON ({"a": 1}) or prose look like a message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hiresync::mime {

struct RawField {
  std::string_view name;   // as written, without the blanks before the colon
  std::string_view value;  // everything after the colon, folded line breaks included
};

// Iterates over the fields of the header block of `raw`. The scanner views `raw`; it must outlive it.
class HeaderScanner {
 public:
  explicit HeaderScanner(std::string_view raw);

  // Moves to the next field. Returns false once the header block is exhausted.
  bool next(RawField& field);

  // Once next() has returned false: the bytes after the header block (the body), without the empty
  // line that ended the block.
  std::string_view rest() const { return raw_.substr(pos_); }

 private:
  // Returns the offset of the LF ending the line that starts at `pos`, or raw_.size().
  std::size_t line_end(std::size_t pos) const;

  std::string_view raw_;
  std::size_t pos_ = 0;
  bool seen_field_ = false;
  bool done_ = false;
};

// Returns `raw` without a leading UTF-8 byte order mark and without a leading mbox "From " line
// (the separator line of an mbox file, which some exporters keep in single-message files).
std::string_view skip_preamble(std::string_view raw);

// Returns `raw` without a leading UTF-8 byte order mark.
std::string_view skip_bom(std::string_view raw);

// Replaces `out` with the unfolded value: line breaks removed (RFC 5322 §2.2.3), TAB, lone CR and
// NUL turned into spaces, leading and trailing spaces dropped. The result never contains NUL, so it
// can be handed to GMime's C-string functions.
void unfold(std::string_view value, std::string& out);

}  // namespace hiresync::mime
