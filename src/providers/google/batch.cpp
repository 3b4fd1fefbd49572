// Gmail batch requests (docs/sync.md "Budgets"; Google's guide "Batching requests"): one POST to
// /batch/gmail/v1 carrying up to 100 calls as a multipart/mixed body of application/http parts,
// answered by a multipart/mixed body of HTTP responses, each tagged "response-<Content-ID>".
// GMime splits the multipart (mime/multipart.hpp), Beast reads each HTTP response.
#include <boost/beast/http.hpp>
#include <cstdint>

#include "mime/multipart.hpp"
#include "providers/google/google_internal.hpp"

namespace hiresync::providers::google::internal {

namespace http = boost::beast::http;

namespace {

std::string strip_content_id(std::string id) {
  while (!id.empty() && (id.front() == ' ' || id.front() == '<')) id.erase(id.begin());
  while (!id.empty() && (id.back() == ' ' || id.back() == '>')) id.pop_back();
  constexpr std::string_view kPrefix = "response-";
  if (id.rfind(kPrefix, 0) == 0) id.erase(0, kPrefix.size());
  return id;
}

model::Error malformed(const std::string& what) {
  return model::make_error(model::ErrorCode::kMalformedInput, "google batch: " + what);
}

}  // namespace

std::string batch_body(const std::string& boundary, const std::vector<BatchCall>& calls) {
  std::string body;
  for (const BatchCall& call : calls) {
    body += "--" + boundary + "\r\n";
    body += "Content-Type: application/http\r\n";
    body += "Content-ID: <" + call.content_id + ">\r\n\r\n";
    body += "GET " + call.path + "\r\n\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return body;
}

model::Result<std::vector<BatchReply>> parse_batch_response(std::string_view content_type,
                                                            std::string_view body) {
  auto parts = mime::split_multipart(content_type, body);
  if (!parts) return malformed(parts.error().detail);
  std::vector<BatchReply> out;
  out.reserve(parts->size());
  for (const mime::BodyPart& part : *parts) {
    BatchReply reply;
    reply.content_id = strip_content_id(part.header("Content-ID"));
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(std::uint64_t{64} * 1024 * 1024);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(part.body), ec);
    if (!ec && !parser.is_done()) parser.put_eof(ec);
    if (ec || !parser.is_header_done()) return malformed("part " + reply.content_id + ": " + ec.message());
    const auto& response = parser.get();
    reply.status = static_cast<int>(response.result_int());
    if (const auto it = response.find(http::field::retry_after); it != response.end()) {
      reply.retry_after = std::string(it->value());
    }
    reply.body = response.body();
    out.push_back(std::move(reply));
  }
  return out;
}

}  // namespace hiresync::providers::google::internal
