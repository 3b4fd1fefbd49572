#include "store/postgres/pg_connection.hpp"

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

std::int64_t Rows::int_at(int row, int col) const {
  const char* v = PQgetvalue(result_.get(), row, col);
  std::int64_t out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
}

std::int64_t Rows::affected() const {
  const char* v = PQcmdTuples(result_.get());
  std::int64_t out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
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
  return std::unique_ptr<Connection>(new Connection(conn, std::move(password)));
}

Connection::~Connection() { PQfinish(conn_); }

model::Error Connection::error_of(const PGresult* result, std::string_view what) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result != nullptr ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  const std::string sqlstate = state != nullptr ? state : "";
  const bool transient = PQstatus(conn_) == CONNECTION_BAD || is_transient_sqlstate(sqlstate);
  std::string detail(what);
  detail += ": ";
  if (!sqlstate.empty()) detail += "SQLSTATE " + sqlstate + ": ";
  detail += scrub(message, password_);
  return make_error(transient ? ErrorCode::kTransient : ErrorCode::kInternal, std::move(detail));
}

model::Result<Rows> Connection::exec(const char* sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* result =
      PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  // The SQL is a named constant (never user data), so the detail may quote its start.
  model::Error error = error_of(result, std::string("query \"") + std::string(sql).substr(0, 60) + "\"");
  PQclear(result);
  return error;
}

model::Status Connection::exec_script(const std::string& sql) {
  PGresult* last = PQexec(conn_, sql.c_str());
  // PQexec returns the last statement's result; it stops at the first statement that fails.
  const ExecStatusType status = last != nullptr ? PQresultStatus(last) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(last);
    return {};
  }
  model::Error error = error_of(last, "script");
  PQclear(last);
  return error;
}

}  // namespace hiresync::store::postgres
