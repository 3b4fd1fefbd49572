// The SQL connection the store is written against, whatever the database behind it: SQLite for one
// machine (store/sqlite/sqlite_db.hpp) or PostgreSQL for a cluster (store/postgres/pg_db.hpp).
// Statements are named SQL constants with `?` or `?N` parameters (SQLite's notation; the PostgreSQL
// backend rewrites them to `$N` once, when it prepares the statement); parameters are always bound,
// never spliced. Where the dialects differ the store names one constant per dialect (DialectSql).
// Errors are model::Error values here and go no further: a constraint violation is kConflict, a
// busy database, a lost connection or a serialization failure is kTransient, anything else
// kInternal. Not thread-safe: one Db per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"

namespace hiresync::store::sql {

enum class Dialect { kSqlite, kPostgres };

// One statement written twice, for the few places where SQLite and PostgreSQL disagree
// (json_each, scalar MAX, rowid). Both members are named constants (their addresses key the cache).
struct DialectSql {
  const char* sqlite;
  const char* postgres;
};

// Binary data (a sealed token): stored as a BLOB / BYTEA, read back with Stmt::blob_at.
struct Blob {
  std::string_view bytes;
};

// A backend's prepared statement, owned by its Db's cache and borrowed through Stmt.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bind_int(int index, std::int64_t v) = 0;
  virtual void bind_text(int index, std::string_view v) = 0;
  virtual void bind_blob(int index, std::string_view v) = 0;
  virtual void bind_null(int index) = 0;
  // Advances one row: true when a row is ready, false when done; an Error otherwise.
  virtual model::Result<bool> step() = 0;
  virtual std::int64_t int_at(int col) const = 0;
  virtual std::string text_at(int col) const = 0;
  virtual std::string blob_at(int col) const = 0;
  virtual bool null_at(int col) const = 0;
  // Back to not executed, parameters cleared: called when the borrowing Stmt dies.
  virtual void reset() = 0;
};

// A cached prepared statement, borrowed for one use: reset and unbound when this guard dies.
class Stmt {
 public:
  explicit Stmt(Cursor* cursor) : cursor_(cursor) {}
  Stmt(Stmt&& other) noexcept : cursor_(other.cursor_) { other.cursor_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (cursor_ != nullptr) cursor_->reset();
  }

  Stmt& bind(int index, std::int64_t v) {
    cursor_->bind_int(index, v);
    return *this;
  }
  Stmt& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  Stmt& bind(int index, std::string_view v) {
    cursor_->bind_text(index, v);
    return *this;
  }
  Stmt& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Stmt& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Stmt& bind(int index, Blob v) {
    cursor_->bind_blob(index, v.bytes);
    return *this;
  }
  Stmt& bind(int index, std::nullptr_t) {
    cursor_->bind_null(index);
    return *this;
  }

  // Binds all arguments to parameters 1..N.
  template <typename... Args>
  Stmt& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  model::Result<bool> step() { return cursor_->step(); }
  // Runs to completion, ignoring rows.
  model::Status run();
  // Column 0 of the first row (an INSERT ... RETURNING id), running the statement to completion;
  // kNotFound when there is no row.
  model::Result<std::int64_t> single_int();
  // Runs to completion, collecting column 0 of every row.
  model::Result<std::vector<std::int64_t>> ints() {
    return collect([this] { return int_at(0); });
  }
  model::Result<std::vector<std::string>> texts() {
    return collect([this] { return text_at(0); });
  }

  std::int64_t int_at(int col) const { return cursor_->int_at(col); }
  std::string text_at(int col) const { return cursor_->text_at(col); }
  std::string blob_at(int col) const { return cursor_->blob_at(col); }
  bool null_at(int col) const { return cursor_->null_at(col); }

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

  Cursor* cursor_;
};

class Db {
 public:
  virtual ~Db() = default;

  virtual Dialect dialect() const = 0;
  // The cached statement for `sql`, which must be a named constant (its address is the cache key).
  virtual model::Result<Stmt> prepare(const char* sql) = 0;
  model::Result<Stmt> prepare(const DialectSql& sql) { return prepare(pick(sql)); }
  // This backend's text of `sql`.
  const char* pick(const DialectSql& sql) const {
    return dialect() == Dialect::kSqlite ? sql.sqlite : sql.postgres;
  }
  // Runs SQL text with no parameters (several statements allowed): migrations and settings only.
  virtual model::Status exec(const std::string& sql) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE run to completion.
  virtual std::int64_t changes() const = 0;

  // Nested transactions: the outermost is a transaction, the inner ones savepoints.
  // commit_tx/rollback_tx close the innermost.
  virtual model::Status begin_tx(std::string_view name) = 0;
  virtual model::Status commit_tx() = 0;
  virtual void rollback_tx() = 0;
  virtual int tx_depth() const = 0;
};

inline model::Status Stmt::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return {};
  }
}

inline model::Result<std::int64_t> Stmt::single_int() {
  auto row = step();
  if (!row) return row.error();
  if (!*row) return model::make_error(model::ErrorCode::kNotFound, "no row");
  const std::int64_t value = int_at(0);
  if (auto st = run(); !st) return st.error();
  return value;
}

}  // namespace hiresync::store::sql
