// A small HTTP/1.1 server (Boost.Beast on Asio, C++20 coroutines) that hands each request to one
// handler function. Keep-alive, bodies up to a limit, loopback or any interface.
//
// Threading: `threads` Asio threads accept and serve connections; the handler is called on one of
// them, concurrently for concurrent requests, so it must be thread-safe. A handler may block
// briefly (a database query, an outbound HTTP call); long work belongs on a worker, not here.
// A handler that throws gets a 500 for that request; the server keeps running.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "model/result.hpp"
#include "net/http.hpp"

namespace hiresync::net {

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  int threads = 4;
  std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;  // larger bodies get 413
};

class HttpServer {
 public:
  HttpServer(Handler handler, ServerOptions options);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds "host:port" (port 0 picks a free one) and starts serving on background threads.
  // Returns the bound port. kInvalidArgument for a malformed address, kTransient when the
  // address is in use.
  model::Result<int> start(const std::string& host_port);
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hiresync::net
