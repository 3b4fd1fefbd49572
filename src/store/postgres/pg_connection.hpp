// A thin RAII layer over libpq, the official PostgreSQL C client, for the PostgreSQL backend: one
// connection, parameters always bound ($1, $2, ... sent apart from the SQL text), and libpq's
// errors turned into model::Error here and nowhere else (libpq never throws). Not thread-safe: one
// Connection per thread.
//
// Error mapping (what the caller should do; the same as the SQLite backend's):
//   - a constraint violation (SQLSTATE class 23: unique, foreign key, check, not null) -> kConflict;
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
  std::string text_at(int row, int col) const {
    return {PQgetvalue(result_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, col))};
  }
  // The value parsed as an integer (0 for NULL or text that is not a number); a boolean's "t" and
  // "f" are 1 and 0, as SQLite's comparisons give.
  std::int64_t int_at(int row, int col) const;
  // A BYTEA value, decoded from its text form (`\x` hex); "" for NULL.
  std::string bytea_at(int row, int col) const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;
  // True when the statement was an INSERT, UPDATE, DELETE or MERGE (whose affected() counts).
  bool modified() const;
  // The command tag ("INSERT 0 1", "COMMIT", "ROLLBACK", ...).
  std::string_view command() const { return PQcmdStatus(result_.get()); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A NOTIFY this connection received (LISTEN): its channel and payload.
struct Notification {
  std::string channel;
  std::string payload;
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
  // `what` names it in error details.
  model::Status exec_script(const std::string& sql, std::string_view what = "script");

  // Creates the server-side prepared statement `name` for `sql` ($1..$N parameters, their types
  // left for the server to infer). `what` names the statement in error details.
  model::Status prepare(const std::string& name, const char* sql, std::string_view what);

  // Runs the prepared statement `name`, `params` bound to $1..$N in order; `binary[i]` true sends
  // parameter i in binary form (bytes as they are, for a BYTEA), otherwise as text. Results are text.
  model::Result<Rows> exec_prepared(const std::string& name, const std::vector<Param>& params,
                                    const std::vector<bool>& binary, std::string_view what);

  // True once libpq has seen the connection fail (server restart, terminated backend, network).
  bool lost() const { return PQstatus(conn_) == CONNECTION_BAD; }

  // Connects again with the same parameters: a new session, so its prepared statements and any
  // open transaction are gone. kTransient when the server cannot be reached yet.
  model::Status reconnect();

  // Subscribes this session to NOTIFY on `channel` (a constant identifier, never user data). A
  // reconnect() ends the session: LISTEN again after it.
  model::Status listen(std::string_view channel);
  // Waits up to timeout_ms for notifications and returns those received (none on timeout). Uses
  // no statement, so it never blocks a transaction. kTransient when the connection is lost.
  model::Result<std::vector<Notification>> wait_notifications(int timeout_ms);

  // The server process serving this connection (pg_backend_pid()), 0 when disconnected.
  int backend_pid() const { return PQbackendPID(conn_); }

 private:
  Connection(PGconn* conn, std::string password, std::string written)
      : conn_(conn), password_(std::move(password)), written_password_(std::move(written)) {}
  // The Error for a failed `result` (which may be null when libpq could not send the query).
  model::Error error_of(const PGresult* result, std::string_view what) const;
  // Takes a result: itself when it succeeded, its Error (and frees it) otherwise.
  model::Result<Rows> checked(PGresult* result, std::string_view what) const;

  PGconn* conn_;
  std::string password_;          // only to keep it out of error details: as libpq decoded it
  std::string written_password_;  // and as the URI wrote it (maybe percent-encoded)
};

}  // namespace hiresync::store::postgres
