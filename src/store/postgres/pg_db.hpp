// The PostgreSQL implementation of the store's SQL connection (store/sql/sql_db.hpp) over libpq.
//
// Statements: the store writes SQLite's `?` / `?N` parameters; each statement is rewritten to
// `$N` once (to_dollar_params), prepared on the server once per connection under a generated name
// (its parameter types left for the server to infer from the SQL), and executed with its
// parameters bound apart from the text: integers and text in text form, blobs in binary form.
// Results come back as text.
//
// Reconnect: a lost connection (server restart, terminated backend, network) fails the statement
// in flight with kTransient; the next prepare(), begin_tx() or exec() connects again by itself,
// forgetting the server-side prepared statements (prepared again on next use) and the transaction.
// When a transaction was open, that call still answers kTransient (the transaction's earlier work is
// gone, so the caller must roll back and retry it whole); outside one it goes on normally. When the
// server cannot be reached yet, kTransient, and the next call tries again.
//
// Errors as SQLite's: a constraint violation (SQLSTATE class 23) is kConflict; a lost connection,
// class 08, 40001, 40P01, 57P01-57P03 kTransient; anything else kInternal. The detail holds the
// SQLSTATE, the server's message and the statement, never the URI's password. Never throws.
// Not thread-safe: one Db per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/result.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/sql/sql_db.hpp"

namespace hiresync::store::postgres {

// `sql` with SQLite's parameters rewritten for PostgreSQL: `?N` becomes `$N`, and a bare `?` gets
// one more than the largest number assigned before it (SQLite's rule: `?2, ?` is `$2, $3`). Text
// inside '...' literals, "..." identifiers, `--` line comments and `/* */` comments is left alone.
std::string to_dollar_params(std::string_view sql);

class Db final : public sql::Db {
 public:
  // Connects to `uri` (postgresql://...). Errors as Connection::open: kInvalidArgument for a URI
  // libpq cannot parse, kTransient when the server cannot be reached.
  static model::Result<std::unique_ptr<Db>> open(const std::string& uri);

  ~Db() override;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sql::Dialect dialect() const override { return sql::Dialect::kPostgres; }
  model::Result<sql::Stmt> prepare(const char* sql) override;
  using sql::Db::prepare;  // the DialectSql overload, hidden by the override otherwise
  model::Status exec(const std::string& sql) override;
  std::int64_t changes() const override { return changes_; }

  // BEGIN (READ COMMITTED) outside, SAVEPOINT spN inside, as the SQLite backend.
  model::Status begin_tx(std::string_view name) override;
  model::Status commit_tx() override;
  void rollback_tx() override;
  int tx_depth() const override { return depth_; }

 private:
  class Cursor;
  friend class Cursor;

  explicit Db(std::unique_ptr<Connection> conn);
  // Connects again when the connection was lost (see the header comment); kTransient when it
  // cannot, or when a transaction was lost with it.
  model::Status ensure_connected();
  // Prepares `cursor`'s statement on the current connection unless it already is.
  model::Status ensure_prepared(Cursor& cursor);
  // Runs transaction control (no parameters; its command tag tells a COMMIT that rolled back).
  model::Result<Rows> control(const std::string& sql);

  std::unique_ptr<Connection> conn_;
  std::unordered_map<const char*, std::unique_ptr<Cursor>> cache_;
  // Counts connections: a cursor prepared under an older one must be prepared again.
  int generation_ = 0;
  int next_name_ = 0;
  int depth_ = 0;
  std::int64_t changes_ = 0;
};

}  // namespace hiresync::store::postgres
