// HTTP messages and the wire helpers both ends of an HTTP conversation need (query strings, forms,
// base64url). Plain data, no I/O. Used by the server (net/server.hpp), the client (net/client.hpp),
// the API, the provider connectors and the sandbox alike: transport only, never provider semantics.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hiresync::net {

using Fields = std::vector<std::pair<std::string, std::string>>;  // ordered name/value pairs

// The first value of `name` in `fields`, compared case-insensitively (header names), or nullopt.
std::optional<std::string> find_field(const Fields& fields, std::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // percent-decoded path, without the query
  Fields query;        // decoded query parameters in order (repeated names repeat)
  Fields headers;
  std::string body;
  std::string remote;  // peer address, for logs

  // Header value (case-insensitive name), or "" when absent.
  std::string header(std::string_view name) const;
  // First query parameter with this exact name, or nullopt.
  std::optional<std::string> param(std::string_view name) const;
  // Every value of a repeated query parameter, in order.
  std::vector<std::string> params(std::string_view name) const;
};

struct Response {
  int status = 200;
  Fields headers;
  std::string body;

  // Convenience constructors; each sets Content-Type.
  static Response json(int status, std::string body);
  static Response text(int status, std::string body);
  static Response html(int status, std::string body);
  static Response redirect(const std::string& location, int status = 302);
  std::string header(std::string_view name) const;
};

// Percent-encoding (RFC 3986 unreserved characters stay as they are).
std::string url_encode(std::string_view s);
// Percent-decoding; `plus_is_space` for application/x-www-form-urlencoded. Invalid escapes are kept.
std::string url_decode(std::string_view s, bool plus_is_space);
// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}} ('+' decodes to a space).
Fields parse_query(std::string_view query);
// {{"a","1"},{"b","x y"}} -> "a=1&b=x%20y".
std::string encode_query(const Fields& fields);

// Base64url without padding (RFC 4648 §5), as Gmail and JWTs use. decode accepts input with or
// without '=' padding and returns nullopt on any other invalid character.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
// Standard base64 with padding (HTTP Basic authentication).
std::string base64_encode(std::string_view bytes);

// HTML escaping for text placed in pages (& < > " ').
std::string html_escape(std::string_view s);

}  // namespace hiresync::net
