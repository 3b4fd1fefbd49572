// A thin RAII layer over libpq, the official PostgreSQL C client, for the PostgreSQL backend: one
// connection, parameters always bound ($1, $2, ... sent apart from the SQL text), and libpq's
// errors turned into model::Error here and nowhere else (libpq never throws). Not thread-safe: one
// Connection per thread.
//
// Error mapping (what the caller should do):
//   - the connection is lost (server restart, pg_terminate_backend, network), SQLSTATE class 08,
//     a serialization failure (40001) or deadlock (40P01), an administrator or crash shutdown
//     (57P01, 57P02) and "cannot connect now" (57P03)             -> kTransient: retry, reconnect;
//   - everything else                                               -> kInternal.
// The detail (log-only) carries the SQLSTATE and the server's message; it never carries the
// password of the connection URI.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"

namespace hiresync::store::postgres {

// True for a libpq URI (`postgresql://...` or `postgres://...`); anything else is a SQLite path.
bool is_postgres_uri(std::string_view db);

// `uri` with its password (if any) replaced by "***", for messages and logs.
std::string redact_uri(std::string_view uri);

// The rows of one statement's result. Owns the PGresult.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int size() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  bool null_at(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  // The text form of a value ("" for NULL).
  std::string text_at(int row, int col) const { return PQgetvalue(result_.get(), row, col); }
  // The value parsed as an integer (0 for NULL or text that is not a number).
  std::int64_t int_at(int row, int col) const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A bound parameter: its text form, or NULL.
using Param = std::optional<std::string>;

class Connection {
 public:
  // Connects to `uri`. kInvalidArgument when libpq cannot parse it, kTransient when the server
  // cannot be reached or refuses (it may be starting), kInternal otherwise; the detail never holds
  // the URI's password. Server notices (e.g. "already exists, skipping") are dropped.
  static model::Result<std::unique_ptr<Connection>> open(const std::string& uri);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement, `params` bound to $1..$N in order. The SQL must be a named constant or
  // built without any user data: user data goes in `params` only.
  model::Result<Rows> exec(const char* sql, const std::vector<Param>& params = {});

  // Runs SQL text that may hold several statements and takes no parameters: migrations and
  // transaction control only (the simple query protocol, all statements in one round trip).
  model::Status exec_script(const std::string& sql);

  // The server process serving this connection (pg_backend_pid()), 0 when disconnected.
  int backend_pid() const { return PQbackendPID(conn_); }

 private:
  Connection(PGconn* conn, std::string password) : conn_(conn), password_(std::move(password)) {}
  // The Error for a failed `result` (which may be null when libpq could not send the query).
  model::Error error_of(const PGresult* result, std::string_view what) const;

  PGconn* conn_;
  std::string password_;  // only to keep it out of error details
};

}  // namespace hiresync::store::postgres
