// A thin RAII layer over the SQLite C API for the SQLite backend: one connection, a cache of
// prepared statements keyed by their named SQL constant, bound parameters only, and nested
// transactions (BEGIN IMMEDIATE outside, SAVEPOINTs inside). SQLite errors become model::Error here
// and go no further. Not thread-safe: one Db per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/result.hpp"

namespace hiresync::store::sqlite {

// A cached prepared statement, borrowed for one use: reset and unbound when this guard dies.
class Stmt {
 public:
  Stmt(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_), db_(other.db_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  Stmt& bind(int index, std::int64_t v);
  Stmt& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  Stmt& bind(int index, std::string_view v);
  Stmt& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Stmt& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Stmt& bind(int index, std::nullptr_t);

  // Binds all arguments to parameters 1..N.
  template <typename... Args>
  Stmt& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // Advances one row: true when a row is ready, false when done; an Error otherwise.
  model::Result<bool> step();
  // Runs to completion, ignoring rows.
  model::Status run();
  // Runs to completion, collecting column 0 of every row.
  model::Result<std::vector<std::int64_t>> ints() {
    return collect([this] { return int_at(0); });
  }
  model::Result<std::vector<std::string>> texts() {
    return collect([this] { return text_at(0); });
  }

  std::int64_t int_at(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text_at(int col) const;
  bool null_at(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  template <typename Get>
  auto collect(Get get) -> model::Result<std::vector<decltype(get())>> {
    std::vector<decltype(get())> out;
    for (;;) {
      auto row = step();
      if (!row) return row.error();
      if (!*row) return out;
      out.push_back(get());
    }
  }

  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class Db {
 public:
  // Opens (creating) the database file with WAL, foreign keys, synchronous=NORMAL and a busy
  // timeout. kInternal when the file cannot be opened (detail says why).
  static model::Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // The cached statement for `sql`, which must be a named constant (its address is the cache key).
  model::Result<Stmt> prepare(const char* sql);
  // Runs SQL text with no parameters (several statements allowed): migrations and pragmas only.
  model::Status exec(const std::string& sql);

  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }

  // Nested transactions. begin() returns the depth it opened; commit/rollback close the innermost.
  model::Status begin_tx(std::string_view name);
  model::Status commit_tx();
  void rollback_tx();
  int tx_depth() const { return depth_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  // Runs one parameterless statement, prepared once per distinct text (transaction control runs
  // several times per stored message; compiling it each time was a tenth of the import's cost).
  model::Status exec_cached(const std::string& sql);

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::unordered_map<std::string, sqlite3_stmt*> tx_cache_;
  int depth_ = 0;
};

}  // namespace hiresync::store::sqlite
