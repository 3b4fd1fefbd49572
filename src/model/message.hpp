// A message as the pipeline sees it: participants and ids from the header (cheap, used for
// matching), and the full content (parsed only once a message matched). No I/O here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hiresync::model {

struct Address {
  std::string name;   // display name, decoded to UTF-8 (RFC 2047 / RFC 6532); may be empty
  std::string email;  // addr-spec as written (local@domain), not canonicalized
};

// Which header an address came from. Sender and Reply-To count as From for matching.
enum class HeaderRole { kFrom, kSender, kReplyTo, kTo, kCc, kBcc };
const char* to_string(HeaderRole r);

struct Participant {
  HeaderRole role = HeaderRole::kFrom;
  Address address;
};

struct MessageHeaders {
  std::vector<Participant> participants;  // in header order: From, Sender, Reply-To, To, Cc, Bcc
  std::string message_id;                 // without angle brackets; empty when absent
  std::string in_reply_to;                // first msg-id of In-Reply-To, without brackets
  std::vector<std::string> references;    // msg-ids of References, oldest first, without brackets
  std::string subject;                    // decoded to UTF-8
  std::int64_t date = 0;                  // Unix seconds from Date:, 0 when absent or unparseable
};

struct Attachment {
  std::string filename;      // decoded; may be empty
  std::string content_type;  // "type/subtype"
  std::uint64_t size = 0;    // decoded size in bytes; the content itself is never kept
};

struct ParsedMessage {
  MessageHeaders headers;
  std::string text;  // text/plain body decoded to UTF-8 (first inline text part)
  std::string html;  // text/html body decoded to UTF-8 (first inline html part)
  std::vector<Attachment> attachments;
};

}  // namespace hiresync::model
