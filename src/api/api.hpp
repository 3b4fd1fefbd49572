// The HTTP API of `hiresync serve` (shared/API.md): a route table of thin handlers over the Store
// and the sync engine's SyncService. Handlers authenticate the caller, scope every query to the
// caller's contract (anything else answers 404), call one store or sync method, and render JSON.
// Errors become the API's error shape in one place (api/errors.hpp).
//
// Thread-safety: handle() may be called concurrently from every server thread. Stores are not
// thread-safe, so each request borrows one from a small pool filled by the factory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/metrics.hpp"
#include "net/http.hpp"
#include "store/store.hpp"
#include "sync/service.hpp"

namespace hiresync::api {

struct ApiConfig {
  std::string operator_token;  // Bearer token of the operator; empty: no operator endpoints
  std::string public_url;      // where browsers reach us, without a trailing slash
  bool cookie_secure = false;  // add `Secure` to the session cookie (https public_url)
  // Read the web UI's files from this folder on every request (development: HIRESYNC_WEB_DIR);
  // empty: serve the files embedded at build time.
  std::string web_dir;
  // Seconds since the epoch; injected so tests can drive session expiry. Default: system clock.
  std::function<std::int64_t()> now;
  // Log sink for server-side failures (5xx details). Never receives tokens or passwords. May be null.
  std::function<void(std::string_view)> log;
};

// Opens a Store for one server thread; nullptr when the database cannot be opened.
using StoreFactory = std::function<std::unique_ptr<store::Store>()>;

class Api {
 public:
  // `sync` and `metrics` must outlive the Api.
  Api(StoreFactory store_factory, sync::SyncService& sync, metrics::Registry& metrics, ApiConfig config);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Answers one request; never throws. Thread-safe.
  net::Response handle(const net::Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Name of the session cookie the UI uses.
inline constexpr const char* kSessionCookie = "hiresync_session";

}  // namespace hiresync::api
