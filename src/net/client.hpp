// The outbound HTTP client every connector uses, behind an interface so tests can inject one
// (shared/STYLE.md §5). The real one is libcurl.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "model/result.hpp"
#include "net/http.hpp"

namespace hiresync::net {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: scheme, host, path and query
  Fields headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
};

struct ClientResponse {
  int status = 0;
  Fields headers;
  std::string body;
  std::string header(std::string_view name) const;  // "" when absent (case-insensitive)
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request and returns the response, whatever its status (a 404 or 500 is a value).
  // Errors only for no response at all: kTransient for connection refused, DNS failure, timeout,
  // TLS failure (detail names the cause; never the headers, which may hold tokens).
  // Thread-safe: callers on several threads may share one client.
  virtual model::Result<ClientResponse> send(const ClientRequest& request) = 0;
};

// The libcurl client. Follows no redirects; no proxy unless the environment sets one (libcurl reads
// https_proxy / no_proxy).
std::unique_ptr<HttpClient> make_curl_client();

}  // namespace hiresync::net
