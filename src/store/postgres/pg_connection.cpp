#include "store/postgres/pg_connection.hpp"

#include <poll.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace hiresync::store::postgres {

using model::ErrorCode;
using model::make_error;

namespace {

// SQLSTATEs after which the same work may succeed on a retry (with a new connection for 57P0x and
// class 08). See the header for why each is here.
bool is_transient_sqlstate(std::string_view state) {
  return state.starts_with("08") || state == "40001" || state == "40P01" || state == "57P01" ||
         state == "57P02" || state == "57P03";
}

// Replaces every occurrence of `secret` in `text` by "***".
std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

// The password written in a URI's userinfo (user:password@), as written; "" when there is none.
std::string uri_password(std::string_view uri) {
  const auto scheme = uri.find("://");
  if (scheme == std::string_view::npos) return {};
  const auto rest = uri.substr(scheme + 3);
  const auto at = rest.rfind('@', rest.find_first_of("/?"));
  if (at == std::string_view::npos) return {};
  const auto userinfo = rest.substr(0, at);
  const auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return {};
  return std::string(userinfo.substr(colon + 1));
}

void drop_notice(void* /*arg*/, const char* /*message*/) {}

std::int64_t parse_int(const char* v) {
  // A boolean comes back as "t" or "f" (SQLite's comparisons are 1 and 0: the store reads both).
  if (v[0] == 't' && v[1] == '\0') return 1;
  std::int64_t out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
}

void trim_newlines(std::string& s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
}

}  // namespace

bool is_postgres_uri(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

std::string redact_uri(std::string_view uri) {
  const std::string password = uri_password(uri);
  if (password.empty()) return std::string(uri);
  const auto scheme = uri.find("://");
  const auto colon = uri.find(':', scheme + 3);
  std::string out(uri);
  out.replace(colon + 1, password.size(), "***");
  return out;
}

std::int64_t Rows::int_at(int row, int col) const { return parse_int(PQgetvalue(result_.get(), row, col)); }

std::string Rows::bytea_at(int row, int col) const {
  if (null_at(row, col)) return {};
  std::size_t length = 0;
  unsigned char* bytes =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, col)), &length);
  if (bytes == nullptr) return {};  // out of memory
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

std::int64_t Rows::affected() const { return parse_int(PQcmdTuples(result_.get())); }

bool Rows::modified() const {
  const std::string_view tag = command();
  return tag.starts_with("INSERT ") || tag.starts_with("UPDATE ") || tag.starts_with("DELETE ") ||
         tag.starts_with("MERGE ");
}

model::Result<std::unique_ptr<Connection>> Connection::open(const std::string& uri) {
  const std::string written = uri_password(uri);  // as written (maybe percent-encoded)
  std::string password = written;                 // as libpq decodes it
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error);
  if (options == nullptr) {
    std::string detail = parse_error != nullptr ? parse_error : "out of memory";
    PQfreemem(parse_error);
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    return make_error(ErrorCode::kInvalidArgument,
                      "bad PostgreSQL URI " + redact_uri(uri) + ": " + scrub(detail, written));
  }
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);

  PGconn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr) return make_error(ErrorCode::kInternal, "libpq: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string detail = scrub(scrub(PQerrorMessage(conn), written), password);
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    PQfinish(conn);
    return make_error(ErrorCode::kTransient, "cannot connect to " + redact_uri(uri) + ": " + detail);
  }
  PQsetNoticeProcessor(conn, &drop_notice, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, std::move(password), written));
}

model::Status Connection::reconnect() {
  // PQreset keeps the PGconn (and its notice processor) and connects again with its parameters.
  PQreset(conn_);
  if (PQstatus(conn_) == CONNECTION_OK) return {};
  std::string detail = scrub(scrub(PQerrorMessage(conn_), written_password_), password_);
  trim_newlines(detail);
  return make_error(ErrorCode::kTransient, "cannot reconnect to PostgreSQL: " + detail);
}

Connection::~Connection() { PQfinish(conn_); }

model::Error Connection::error_of(const PGresult* result, std::string_view what) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result != nullptr ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  trim_newlines(message);
  const std::string sqlstate = state != nullptr ? state : "";
  ErrorCode code = ErrorCode::kInternal;
  if (sqlstate.starts_with("23")) code = ErrorCode::kConflict;
  if (PQstatus(conn_) == CONNECTION_BAD || is_transient_sqlstate(sqlstate)) code = ErrorCode::kTransient;
  std::string detail(what);
  detail += ": ";
  if (!sqlstate.empty()) detail += "SQLSTATE " + sqlstate + ": ";
  detail += scrub(scrub(message, written_password_), password_);
  return make_error(code, std::move(detail));
}

model::Result<Rows> Connection::checked(PGresult* result, std::string_view what) const {
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  model::Error error = error_of(result, what);
  PQclear(result);
  return error;
}

model::Result<Rows> Connection::exec(const char* sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* result =
      PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  // The SQL is a named constant (never user data), so the detail may quote its start.
  return checked(result, std::string("query \"") + std::string(sql).substr(0, 60) + "\"");
}

model::Status Connection::prepare(const std::string& name, const char* sql, std::string_view what) {
  auto prepared = checked(PQprepare(conn_, name.c_str(), sql, 0, nullptr), what);
  if (!prepared) return prepared.error();
  return {};
}

model::Result<Rows> Connection::exec_prepared(const std::string& name, const std::vector<Param>& params,
                                              const std::vector<bool>& binary, std::string_view what) {
  const std::size_t n = params.size();
  std::vector<const char*> values(n, nullptr);
  std::vector<int> lengths(n, 0);
  std::vector<int> formats(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (!params[i]) continue;
    values[i] = params[i]->c_str();
    lengths[i] = static_cast<int>(params[i]->size());  // read for binary parameters only
    formats[i] = i < binary.size() && binary[i] ? 1 : 0;
  }
  return checked(PQexecPrepared(conn_, name.c_str(), static_cast<int>(n), values.data(), lengths.data(),
                                formats.data(), 0),
                 what);
}

model::Status Connection::listen(std::string_view channel) {
  return exec_script("LISTEN " + std::string(channel), "LISTEN");
}

model::Result<std::vector<Notification>> Connection::wait_notifications(int timeout_ms) {
  auto drain = [this] {
    std::vector<Notification> out;
    while (PGnotify* n = PQnotifies(conn_)) {
      out.push_back(Notification{n->relname, n->extra != nullptr ? n->extra : ""});
      PQfreemem(n);
    }
    return out;
  };
  if (auto ready = drain(); !ready.empty()) return ready;
  const int sock = PQsocket(conn_);
  if (sock < 0 || lost()) return make_error(ErrorCode::kTransient, "PostgreSQL connection lost");
  pollfd pfd{sock, POLLIN, 0};
  const int polled = ::poll(&pfd, 1, timeout_ms);
  if (polled < 0) return std::vector<Notification>{};  // interrupted: the caller waits again
  if (polled > 0 && PQconsumeInput(conn_) == 0) {
    std::string detail = scrub(scrub(PQerrorMessage(conn_), written_password_), password_);
    trim_newlines(detail);
    return make_error(ErrorCode::kTransient, "PostgreSQL connection lost: " + detail);
  }
  return drain();
}

model::Status Connection::exec_script(const std::string& sql, std::string_view what) {
  PGresult* last = PQexec(conn_, sql.c_str());
  // PQexec returns the last statement's result; it stops at the first statement that fails.
  const ExecStatusType status = last != nullptr ? PQresultStatus(last) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(last);
    return {};
  }
  model::Error error = error_of(last, what);
  PQclear(last);
  return error;
}

}  // namespace hiresync::store::postgres
