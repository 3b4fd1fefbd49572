// The SQLite backend of the store's SQL connection (store/sql/sql_db.hpp): one connection over the
// SQLite C API, a cache of prepared statements keyed by their named SQL constant, and nested
// transactions (BEGIN IMMEDIATE outside, SAVEPOINTs inside). SQLite errors become model::Error here
// and go no further. Not thread-safe: one Db per thread.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql/sql_db.hpp"

namespace hiresync::store::sqlite {

// One prepared statement (sqlite3_stmt), finalized by its Db.
class Cursor final : public sql::Cursor {
 public:
  Cursor(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  void bind_int(int index, std::int64_t v) override { sqlite3_bind_int64(stmt_, index, v); }
  void bind_text(int index, std::string_view v) override;
  void bind_blob(int index, std::string_view v) override;
  void bind_null(int index) override { sqlite3_bind_null(stmt_, index); }
  model::Result<bool> step() override;
  std::int64_t int_at(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::string text_at(int col) const override;
  std::string blob_at(int col) const override { return text_at(col); }
  bool null_at(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  void reset() override;
  sqlite3_stmt* raw() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class Db final : public sql::Db {
 public:
  // Opens (creating) the database file with WAL, foreign keys, synchronous=NORMAL and a busy
  // timeout. kInternal when the file cannot be opened (detail says why).
  static model::Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db() override;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }
  model::Result<sql::Stmt> prepare(const char* sql) override;
  using sql::Db::prepare;
  model::Status exec(const std::string& sql) override;
  std::int64_t changes() const override { return sqlite3_changes64(db_); }

  model::Status begin_tx(std::string_view name) override;
  model::Status commit_tx() override;
  void rollback_tx() override;
  int tx_depth() const override { return depth_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  // Runs one parameterless statement, prepared once per distinct text (transaction control runs
  // several times per stored message; compiling it each time was a tenth of the import's cost).
  model::Status exec_cached(const std::string& sql);

  sqlite3* db_;
  std::unordered_map<const char*, std::unique_ptr<Cursor>> cache_;
  std::unordered_map<std::string, std::unique_ptr<Cursor>> tx_cache_;
  int depth_ = 0;
};

}  // namespace hiresync::store::sqlite
