// parse_message(): the full parse, for messages that matched. The headers come from
// parse_headers(), so there is one definition of what a header says; GMime parses the MIME
// structure and undoes transfer encodings and charsets.
//
// Walk rules, in order, for each leaf of the MIME tree (depth-first, in document order):
//  1. message/rfc822 (and message/rfc2822, global, news) is an attachment, whatever its
//     disposition: a forwarded message is not this message's body. It is not parsed at all (see
//     gmime_support.cpp); its size is that of the attached message's bytes.
//  2. A part with "Content-Disposition: attachment", or a non-text part with a file name, is an
//     attachment: file name, type and decoded size are kept, the content is not.
//  3. The first remaining text/plain part is the text body, the first text/html part the HTML body,
//     both converted to UTF-8 from the declared charset.
//  4. Anything else (a second text part, an inline image without a name, a signature) is ignored.
// GMime itself stops nesting at 1024 levels, which bounds the recursion here and in GMime's parser:
// such a message needs about half a megabyte of stack, well within the 8 MB of a default thread.
#include <gmime/gmime.h>

#include <array>
#include <string>
#include <string_view>

#include "mime/ascii.hpp"
#include "mime/gmime_support.hpp"
#include "mime/header_scanner.hpp"
#include "mime/mime.hpp"
#include "mime/plain_body.hpp"
#include "mime/utf8.hpp"

namespace hiresync::mime {
namespace {

// Charsets converted as Windows-1252, their superset, as HTML5 and mail clients do: mail labeled
// ISO-8859-1 by Windows software routinely carries curly quotes and dashes in 0x80-0x9F.
constexpr std::array<std::string_view, 4> kWindows1252Aliases{"iso-8859-1", "iso_8859-1", "latin1",
                                                              "iso8859-1"};
constexpr const char* kWindows1252 = "windows-1252";

constexpr std::array<std::string_view, 4> kAttachedMessageTypes{"message/rfc822", "message/rfc2822",
                                                                "message/global", "message/news"};

struct WalkState {
  model::ParsedMessage& message;
  bool have_text = false;
  bool have_html = false;
};

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = to_lower_ascii(c);
  return lower;
}

template <std::size_t N>
bool is_one_of(std::string_view lower, const std::array<std::string_view, N>& names) {
  for (std::string_view name : names) {
    if (lower == name) return true;
  }
  return false;
}

// "type/subtype", lowercase. GMime defaults a missing Content-Type to text/plain.
std::string content_type_of(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const char* media = type != nullptr ? g_mime_content_type_get_media_type(type) : nullptr;
  const char* subtype = type != nullptr ? g_mime_content_type_get_media_subtype(type) : nullptr;
  std::string result = to_lower(media != nullptr ? media : "application");
  result += '/';
  result += to_lower(subtype != nullptr ? subtype : "octet-stream");
  make_valid_utf8(result);
  return result;
}

// The Content-Disposition filename, else the Content-Type name, decoded by GMime (RFC 2231 and,
// leniently, RFC 2047); empty when there is neither.
std::string filename_of(GMimePart* part) {
  const char* name = g_mime_part_get_filename(part);
  std::string filename = name != nullptr ? name : "";
  make_valid_utf8(filename);
  return filename;
}

bool has_attachment_disposition(GMimeObject* object) {
  GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(object);
  return disposition != nullptr && g_mime_content_disposition_is_attachment(disposition);
}

// Decoded size, counted by a null stream: the content is never held in memory.
std::uint64_t decoded_size(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return 0;
  GObjectPtr<GMimeStream> counter(g_mime_stream_null_new());
  g_mime_data_wrapper_write_to_stream(content, counter.get());
  return GMIME_STREAM_NULL(counter.get())->written;
}

// The content of `part` with its transfer encoding undone, passed through `filter` when not null.
std::string decoded_content(GMimePart* part, GMimeFilter* filter) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return {};
  GObjectPtr<GMimeStream> memory(g_mime_stream_mem_new());
  if (filter != nullptr) {
    GObjectPtr<GMimeStream> filtered(g_mime_stream_filter_new(memory.get()));
    g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.get()), filter);
    g_mime_data_wrapper_write_to_stream(content, filtered.get());
    g_mime_stream_flush(filtered.get());  // lets the filter emit what it held back
  } else {
    g_mime_data_wrapper_write_to_stream(content, memory.get());
  }
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(memory.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// The body of a text part in UTF-8. An unknown charset decodes like an absent one (UTF-8 where
// valid, Windows-1252 otherwise); bytes a known charset cannot map are dropped by GMime's filter.
std::string decode_text(GMimePart* part) {
  const char* declared = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
  const std::string charset = to_lower(declared != nullptr ? declared : "");
  std::string text;
  if (charset.empty() || is_pass_through_charset(charset)) {
    text = decoded_content(part, nullptr);
  } else {
    const char* from = is_one_of(charset, kWindows1252Aliases) ? kWindows1252 : charset.c_str();
    GObjectPtr<GMimeFilter> to_utf8(g_mime_filter_charset_new(from, "UTF-8"));
    text = decoded_content(part, to_utf8.get());
  }
  make_valid_utf8(text);
  return text;
}

void add_attachment(WalkState& state, std::string filename, std::string content_type, std::uint64_t size) {
  model::Attachment attachment;
  attachment.filename = std::move(filename);
  attachment.content_type = std::move(content_type);
  attachment.size = size;
  state.message.attachments.push_back(std::move(attachment));
}

void walk(GMimeObject* object, WalkState& state) {
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) walk(g_mime_multipart_get_part(multipart, i), state);
    return;
  }

  if (!GMIME_IS_PART(object)) return;
  GMimePart* part = GMIME_PART(object);
  std::string content_type = content_type_of(object);
  std::string filename = filename_of(part);
  const bool is_text = content_type.starts_with("text/");
  if (is_one_of(content_type, kAttachedMessageTypes) ||                         // rule 1
      has_attachment_disposition(object) || (!is_text && !filename.empty())) {  // rule 2
    add_attachment(state, std::move(filename), std::move(content_type), decoded_size(part));
    return;
  }

  if (content_type == "text/plain" && !state.have_text) {  // rule 3
    state.message.text = decode_text(part);
    state.have_text = true;
  } else if (content_type == "text/html" && !state.have_html) {
    state.message.html = decode_text(part);
    state.have_html = true;
  }
}

// The message as a MIME part: its Content-* and MIME-Version fields (as written, folding kept),
// an empty line, and the body.
std::string mime_part_of(std::string_view raw) {
  HeaderScanner scanner(raw);
  RawField field;
  std::string part;
  while (scanner.next(field)) {
    const bool mime_field = (field.name.size() >= 8 && equals_lower(field.name.substr(0, 8), "content-")) ||
                            equals_lower(field.name, "mime-version");
    if (mime_field) part.append(field.name).append(":").append(field.value).append("\n");
  }
  const std::string_view body = scanner.rest();
  part.reserve(part.size() + 1 + body.size());
  part.append("\n").append(body);
  return part;
}

}  // namespace

model::Result<model::ParsedMessage> parse_message(std::string_view raw) {
  auto text = plain_text_body(raw);
  if (!text) return parse_message_with_gmime(raw);
  model::Result<model::MessageHeaders> headers = parse_headers(raw);
  if (!headers.ok()) return headers.error();
  model::ParsedMessage message;
  message.headers = std::move(headers).value();
  message.text = std::move(*text);
  return message;
}

model::Result<model::ParsedMessage> parse_message_with_gmime(std::string_view raw) {
  model::Result<model::MessageHeaders> headers = parse_headers(raw);
  if (!headers.ok()) return headers.error();

  model::ParsedMessage message;
  message.headers = std::move(headers).value();

  // GMime parses the body as a MIME part, not as a message: parse_headers() already read the
  // header fields, and GMime's message code would parse the address headers again, recursively
  // (see gmime_support.cpp). It is handed only the MIME fields of the top header block: building
  // and freeing an object per Received: line was a third of the cost of a full parse.
  const std::string bytes = mime_part_of(raw);
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GObjectPtr<GMimeObject> body(g_mime_parser_construct_part(parser.get(), nullptr));

  // parse_headers() found a header block, so GMime should too; if it does not, the headers are
  // still worth returning.
  if (body == nullptr) return message;

  WalkState state{message};
  walk(body.get(), state);
  return message;
}

}  // namespace hiresync::mime
