#include "store/postgres/pg_db.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace hiresync::store::postgres {

using model::ErrorCode;
using model::make_error;

namespace {

struct Translated {
  std::string sql;
  int params = 0;  // the highest parameter number: how many the statement takes
};

// Copies `sql[i]` up to and including the first `close` at or after `from` (to the end when there
// is none); returns the index after it.
std::size_t copy_through(std::string_view sql, std::size_t i, std::size_t from, std::string_view close,
                         std::string& out) {
  const std::size_t end = sql.find(close, from);
  const std::size_t stop = end == std::string_view::npos ? sql.size() : end + close.size();
  out.append(sql.substr(i, stop - i));
  return stop;
}

Translated translate(std::string_view sql) {
  Translated t;
  t.sql.reserve(sql.size() + 8);
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    // A doubled quote inside a literal ('it''s') closes and reopens it: the scan stays right.
    if (c == '\'' || c == '"') {
      i = copy_through(sql, i, i + 1, std::string_view(&c, 1), t.sql);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      i = copy_through(sql, i, i + 2, "\n", t.sql);
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      i = copy_through(sql, i, i + 2, "*/", t.sql);
    } else if (c == '?') {
      std::size_t j = i + 1;
      int n = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9' && n < 100000) n = n * 10 + (sql[j++] - '0');
      if (j == i + 1) n = t.params + 1;  // a bare `?`: one more than the largest so far
      t.params = std::max(t.params, n);
      t.sql += '$';
      t.sql += std::to_string(n);
      i = j;
    } else {
      t.sql += c;
      ++i;
    }
  }
  return t;
}

}  // namespace

std::string to_dollar_params(std::string_view sql) { return translate(sql).sql; }

// One statement: its rewritten text and server-side name, the parameters bound for the next run,
// and the rows of the current one.
class Db::Cursor final : public sql::Cursor {
 public:
  Cursor(Db& db, const char* original, std::string name)
      : db_(db), original_(original), name_(std::move(name)) {
    Translated t = translate(original);
    sql_ = std::move(t.sql);
    count_ = t.params;
    clear_params();
  }

  void bind_int(int index, std::int64_t v) override { set(index, std::to_string(v), false); }
  void bind_text(int index, std::string_view v) override {
    // libpq sends text parameters as C strings: a NUL would cut the value short without a word.
    if (index >= 1 && index <= count_ && v.find('\0') != std::string_view::npos) nul_in_text_ = index;
    set(index, std::string(v), false);
  }
  void bind_blob(int index, std::string_view v) override { set(index, std::string(v), true); }
  void bind_null(int index) override { set(index, std::nullopt, false); }

  model::Result<bool> step() override {
    if (!rows_) {
      if (nul_in_text_ != 0) {
        return make_error(ErrorCode::kInvalidArgument, "text parameter " + std::to_string(nul_in_text_) +
                                                           " holds a NUL byte (bind it as a Blob) in " +
                                                           original_);
      }
      // A borrowed statement may outlive a reconnect made by another prepare().
      if (auto st = db_.ensure_prepared(*this); !st) return st.error();
      auto rows = db_.conn_->exec_prepared(name_, params_, binary_, original_);
      if (!rows) return rows.error();
      if (rows->modified()) db_.changes_ = rows->affected();
      rows_.emplace(std::move(*rows));
      row_ = -1;
    }
    if (row_ < rows_->size()) ++row_;
    return row_ < rows_->size();
  }

  // Off a row (or past the last column) a value reads as NULL would, rather than crashing.
  std::int64_t int_at(int col) const override { return readable(col) ? rows_->int_at(row_, col) : 0; }
  std::string text_at(int col) const override { return readable(col) ? rows_->text_at(row_, col) : ""; }
  std::string blob_at(int col) const override { return readable(col) ? rows_->bytea_at(row_, col) : ""; }
  bool null_at(int col) const override { return !readable(col) || rows_->null_at(row_, col); }

  // Local state only: safe after the connection died, or after a reconnect.
  void reset() override {
    rows_.reset();
    row_ = -1;
    clear_params();
  }

  const std::string& name() const { return name_; }
  const std::string& sql() const { return sql_; }
  const char* original() const { return original_; }
  int prepared_generation = -1;  // the connection it was last prepared on

 private:
  bool readable(int col) const {
    return rows_ && row_ >= 0 && row_ < rows_->size() && col >= 0 && col < rows_->columns();
  }
  void set(int index, std::optional<std::string> v, bool binary) {
    // A number the statement does not have is ignored, as SQLite's backend does (its bind error is
    // not checked): the same binding code serves both dialects of a DialectSql.
    if (index < 1 || index > count_) return;
    params_[index - 1] = std::move(v);
    binary_[index - 1] = binary;
  }
  void clear_params() {
    // Unbound parameters are NULL, as in SQLite.
    params_.assign(static_cast<std::size_t>(count_), std::nullopt);
    binary_.assign(static_cast<std::size_t>(count_), false);
    nul_in_text_ = 0;
  }

  Db& db_;
  const char* original_;
  std::string name_;
  std::string sql_;
  int count_ = 0;
  std::vector<Param> params_;
  std::vector<bool> binary_;
  int nul_in_text_ = 0;  // the parameter that holds a NUL byte, 0 when none
  std::optional<Rows> rows_;
  int row_ = -1;
};

Db::Db(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}

Db::~Db() = default;

model::Result<std::unique_ptr<Db>> Db::open(const std::string& uri) {
  auto conn = Connection::open(uri);
  if (!conn) return conn.error();
  return std::unique_ptr<Db>(new Db(std::move(*conn)));
}

model::Status Db::ensure_connected() {
  if (!conn_->lost()) return {};
  const int lost_depth = depth_;
  // Whatever happens next, the server-side session is gone: its prepared statements and its
  // transaction with it.
  depth_ = 0;
  ++generation_;
  if (auto st = conn_->reconnect(); !st) return st;
  if (lost_depth > 0) {
    // Going on would run the rest of the caller's transaction on its own, without its start.
    return make_error(ErrorCode::kTransient,
                      "the PostgreSQL connection was lost inside a transaction (rolled back); reconnected");
  }
  return {};
}

model::Status Db::ensure_prepared(Cursor& cursor) {
  if (cursor.prepared_generation == generation_) return {};
  if (auto st = conn_->prepare(cursor.name(), cursor.sql().c_str(), cursor.original()); !st) return st;
  cursor.prepared_generation = generation_;
  return {};
}

model::Result<sql::Stmt> Db::prepare(const char* sql) {
  if (auto st = ensure_connected(); !st) return st.error();
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto cursor = std::make_unique<Cursor>(*this, sql, "s" + std::to_string(++next_name_));
    it = cache_.emplace(sql, std::move(cursor)).first;
  }
  // Prepared now rather than at the first step, so a statement the server refuses fails here.
  if (auto st = ensure_prepared(*it->second); !st) return st.error();
  return sql::Stmt(it->second.get());
}

model::Status Db::exec(const std::string& sql) {
  if (auto st = ensure_connected(); !st) return st;
  return conn_->exec_script(sql, "exec \"" + sql.substr(0, 200) + "\"");
}

model::Result<Rows> Db::control(const std::string& sql) { return conn_->exec(sql.c_str()); }

model::Status Db::begin_tx(std::string_view name) {
  (void)name;  // kept for the slow-transaction log (not yet needed), as SQLite's
  if (auto st = ensure_connected(); !st) return st;
  // READ COMMITTED (the server's default, said here so a changed default cannot change us): the
  // store's writes are guarded by its constraints and explicit checks, as on SQLite.
  const std::string sql =
      depth_ == 0 ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "SAVEPOINT sp" + std::to_string(depth_);
  if (auto done = control(sql); !done) return done.error();
  ++depth_;
  return {};
}

model::Status Db::commit_tx() {
  if (depth_ == 0) return make_error(ErrorCode::kInternal, "commit without a transaction");
  const std::string sql = depth_ == 1 ? "COMMIT" : "RELEASE sp" + std::to_string(depth_ - 1);
  auto done = control(sql);
  if (!done) {
    // A failed COMMIT ends the transaction all the same; a lost connection ends every level.
    if (depth_ == 1 || conn_->lost()) depth_ = 0;
    return done.error();
  }
  --depth_;
  // PostgreSQL answers COMMIT with ROLLBACK, not an error, when a statement in the transaction
  // failed: nothing was written, and the caller must hear it.
  if (done->command() == "ROLLBACK") {
    return make_error(ErrorCode::kInternal, "COMMIT rolled back: a statement in the transaction had failed");
  }
  return {};
}

void Db::rollback_tx() {
  if (depth_ == 0) return;
  if (depth_ == 1) {
    (void)control("ROLLBACK");
  } else {
    const std::string sp = "sp" + std::to_string(depth_ - 1);
    // Two statements: the extended protocol runs one at a time.
    (void)control("ROLLBACK TO " + sp);
    (void)control("RELEASE " + sp);
  }
  --depth_;
}

}  // namespace hiresync::store::postgres
