#include "mime/multipart.hpp"

#include <algorithm>
#include <cctype>

#include "mime/gmime_support.hpp"

namespace hiresync::mime {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

std::string content_of(GMimePart* part) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(part);  // transfer none
  if (wrapper == nullptr) return {};
  GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(wrapper, out.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));  // owned by the stream
  return bytes == nullptr ? std::string()
                          : std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace

std::string BodyPart::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

model::Result<std::vector<BodyPart>> split_multipart(std::string_view content_type, std::string_view body) {
  ensure_gmime_initialized();
  std::string entity = "Content-Type: ";
  entity.append(content_type).append("\r\n\r\n").append(body);
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(entity.data(), entity.size()));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GObjectPtr<GMimeObject> root(g_mime_parser_construct_part(parser.get(), nullptr));
  if (root == nullptr || !GMIME_IS_MULTIPART(root.get())) {
    return model::make_error(model::ErrorCode::kMalformedInput, "not a multipart entity");
  }
  GMimeMultipart* multipart = GMIME_MULTIPART(root.get());
  if (g_mime_multipart_get_boundary(multipart) == nullptr) {
    return model::make_error(model::ErrorCode::kMalformedInput, "multipart without a boundary");
  }
  std::vector<BodyPart> parts;
  const int count = g_mime_multipart_get_count(multipart);
  for (int i = 0; i < count; ++i) {
    GMimeObject* object = g_mime_multipart_get_part(multipart, i);  // transfer none
    BodyPart part;
    GMimeHeaderList* list = g_mime_object_get_header_list(object);
    const int n = list == nullptr ? 0 : g_mime_header_list_get_count(list);
    for (int h = 0; h < n; ++h) {
      GMimeHeader* header = g_mime_header_list_get_header_at(list, h);
      const char* name = g_mime_header_get_name(header);
      const char* value = g_mime_header_get_value(header);
      part.headers.emplace_back(name != nullptr ? name : "", value != nullptr ? value : "");
    }
    if (GMIME_IS_PART(object)) part.body = content_of(GMIME_PART(object));
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return model::make_error(model::ErrorCode::kMalformedInput, "multipart without parts");
  return parts;
}

}  // namespace hiresync::mime
