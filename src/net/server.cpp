#include "net/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's coroutine headers need it
#include <vector>

namespace hiresync::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

Request to_request(const http::request<http::string_body>& in, const std::string& remote) {
  Request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  const std::size_t q = r.target.find('?');
  r.path = url_decode(std::string_view(r.target).substr(0, q), false);
  if (q != std::string::npos) r.query = parse_query(std::string_view(r.target).substr(q + 1));
  for (const auto& field : in)
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = in.body();
  r.remote = remote;
  return r;
}

http::response<http::string_body> to_beast(Response&& out, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(out.status), version};
  for (auto& [name, value] : out.headers) res.insert(name, value);
  res.body() = std::move(out.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

Response call_handler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return Response::json(500,
                          R"({"error":{"code":"internal","message":"Something went wrong on our side."}})");
  }
}

}  // namespace

struct HttpServer::Impl {
  Impl(Handler h, ServerOptions o) : handler(std::move(h)), options(o), acceptor(io) {}

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    std::string remote;
    boost::system::error_code ec;
    const auto endpoint = stream.socket().remote_endpoint(ec);
    if (!ec) remote = endpoint.address().to_string();
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      stream.expires_after(std::chrono::seconds(60));
      boost::system::error_code read_ec;
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, read_ec));
      if (read_ec == http::error::body_limit) {
        auto res = to_beast(Response::text(413, "request body too large\n"), 11, false);
        boost::system::error_code ignored;
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ignored));
        break;
      }
      if (read_ec) break;
      auto& in = parser.get();
      const bool keep_alive = in.keep_alive();
      Response out = call_handler(handler, to_request(in, remote));
      auto res = to_beast(std::move(out), in.version(), keep_alive);
      boost::system::error_code write_ec;
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, write_ec));
      if (write_ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;
      }
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }

  Handler handler;
  ServerOptions options;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  bool stopped = false;
};

HttpServer::HttpServer(Handler handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), options)) {}

HttpServer::~HttpServer() { stop(); }

model::Result<int> HttpServer::start(const std::string& host_port) {
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return model::make_error(model::ErrorCode::kInvalidArgument,
                             "listen address needs host:port: " + host_port);
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(host_port.substr(colon + 1));
  } catch (const std::exception&) {
    return model::make_error(model::ErrorCode::kInvalidArgument, "bad port in listen address: " + host_port);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec || port < 0 || port > 65535) {
    return model::make_error(model::ErrorCode::kInvalidArgument, "bad listen address: " + host_port);
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return model::make_error(model::ErrorCode::kTransient,
                             "cannot listen on " + host_port + ": " + ec.message());
  }
  const int bound = acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return bound;
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->io.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  // Only now, with no thread running the context, is the acceptor safe to close; once closed, new
  // connections are refused instead of waiting in the backlog.
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace hiresync::net
