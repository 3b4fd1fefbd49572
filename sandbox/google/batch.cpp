// Gmail batch requests (sandbox/README.md "Batch"; Google's guide "Batching requests",
// developers.google.com/workspace/gmail/api/guides/batch): POST /batch/gmail/v1 with a
// multipart/mixed body of up to 100 application/http parts, each a whole HTTP request with a path
// only. The outer headers (Authorization) apply to every part unless the part sets its own. Each
// part is one Gmail call for quota and limits; the parts run at once, so each holds a concurrency
// slot until the batch answers (a batch larger than the per-user cap gets per-part 429s). The
// answer is multipart/mixed, one application/http response per part with Content-ID
// "response-<the part's Content-ID>", in reverse order, so a client that pairs by position fails.
#include <algorithm>
#include <cctype>

#include "sandbox/google/errors.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/google/mime_tree.hpp"
#include "sandbox/google/random.hpp"

namespace hiresync::sandbox::google {

namespace {

constexpr std::size_t kMaxCalls = 100;

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

// Reads "GET /path?query HTTP/1.1\r\nHeaders...\r\n\r\nbody" into `out`. False when malformed.
bool read_http_request(const std::string& text, net::Request& out) {
  const std::size_t eol = text.find('\n');
  std::string line = text.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string::npos) return false;
  out.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1);
  target = target.substr(0, target.find(' '));  // drop " HTTP/1.1"
  if (target.empty() || target[0] != '/') return false;
  out.target = target;
  const std::size_t q = target.find('?');
  out.path = net::url_decode(target.substr(0, q), false);
  if (q != std::string::npos) out.query = net::parse_query(target.substr(q + 1));
  if (eol != std::string::npos) {
    HeaderList headers;
    std::string_view body;
    const std::string rest = text.substr(eol + 1);
    split_message(rest, headers, body);
    for (auto& [name, value] : headers) out.headers.emplace_back(name, value);
    out.body = std::string(body);
  }
  return true;
}

std::string strip_id(std::string id) {
  while (!id.empty() && (id.front() == '<' || id.front() == ' ')) id.erase(id.begin());
  while (!id.empty() && (id.back() == '>' || id.back() == ' ')) id.pop_back();
  return id;
}

}  // namespace

net::Response GoogleSandbox::handle_batch(const net::Request& req) {
  if (req.method != "POST") return not_found();
  const std::string content_type = req.header("Content-Type");
  const MimePart root = parse_mime_tree("Content-Type: " + content_type + "\r\n\r\n" + req.body);
  if (root.mime_type.rfind("multipart/", 0) != 0 || root.parts.empty()) {
    return bad_request("Batch requests must be multipart/mixed with at least one part");
  }
  const std::string bearer = req.header("Authorization");
  const std::string account =
      bearer.size() > 7 ? oauth_->token_owner(bearer.substr(7)) : std::string();  // for the counters only
  count(account, "batch");
  with_stats(account, [](Stats& s) { ++s.http_requests; });
  delay_answer();
  if (root.parts.size() > kMaxCalls) {
    return bad_request("Too many requests in batch: " + std::to_string(root.parts.size()) + " (at most 100)");
  }

  std::vector<ConcurrencyLimiter::Slot> slots;  // held until every part has answered
  slots.reserve(root.parts.size());
  std::vector<std::pair<std::string, net::Response>> answers;
  for (const MimePart& part : root.parts) {
    const std::string id = strip_id(header_value(part.headers, "Content-ID"));
    net::Request inner;
    inner.remote = req.remote;
    if (!read_http_request(part.body, inner)) {
      answers.emplace_back(id, bad_request("A batch part must be an HTTP request"));
      continue;
    }
    for (const auto& [name, value] : req.headers) {  // outer headers unless the part overrides
      const bool own = std::any_of(inner.headers.begin(), inner.headers.end(), [&n = name](const auto& h) {
        return std::equal(
            h.first.begin(), h.first.end(), n.begin(), n.end(),
            [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); });
      });
      if (!own && name != "Content-Type" && name != "Content-Length") inner.headers.emplace_back(name, value);
    }
    if (inner.path.rfind("/gmail/v1/users/", 0) != 0) {
      answers.emplace_back(id, not_found());
      continue;
    }
    with_stats(account, [](Stats& s) { ++s.batched_calls; });
    auto slot = concurrency_.try_enter(account);
    if (!slot) {
      with_stats(account, [](Stats& s) { ++s.rejected_429; });
      answers.emplace_back(id, too_many_concurrent());
      continue;
    }
    slots.push_back(std::move(*slot));
    answers.emplace_back(id, handle_gmail(inner, true));
  }

  const std::string boundary = "batch_" + random_hex(12);
  std::string body;
  for (auto it = answers.rbegin(); it != answers.rend(); ++it) {
    const net::Response& r = it->second;
    body += "--" + boundary + "\r\nContent-Type: application/http\r\n";
    if (!it->first.empty()) body += "Content-ID: <response-" + it->first + ">\r\n";
    body += "\r\nHTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
    for (const auto& [name, value] : r.headers) body.append(name).append(": ").append(value).append("\r\n");
    body += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  net::Response out;
  out.status = 200;
  out.headers = {{"Content-Type", "multipart/mixed; boundary=" + boundary}};
  out.body = std::move(body);
  return out;
}

}  // namespace hiresync::sandbox::google
