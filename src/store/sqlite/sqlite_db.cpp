#include "store/sqlite/sqlite_db.hpp"

namespace hiresync::store::sqlite {

using model::ErrorCode;
using model::make_error;

namespace {

model::Error error_from(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kInternal;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) code = ErrorCode::kTransient;
  if (primary == SQLITE_CONSTRAINT) code = ErrorCode::kConflict;
  std::string detail(what);
  detail += ": ";
  detail += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return make_error(code, std::move(detail));
}

}  // namespace

void Cursor::bind_text(int index, std::string_view v) {
  sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Cursor::bind_blob(int index, std::string_view v) {
  sqlite3_bind_blob64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT);
}

void Cursor::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

model::Result<bool> Cursor::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error_from(db_, rc, sqlite3_sql(stmt_));
}

std::string Cursor::text_at(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

model::Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto err = error_from(raw, rc, "open " + path);
    sqlite3_close(raw);
    return err;
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  // Closing does not checkpoint the WAL into the database file (with its fsync): the next writer's
  // automatic checkpoint does, off the path of a short-lived command. Nothing is less durable:
  // committed transactions are in the WAL, which every connection reads.
  sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // WAL: readers never block the writer; NORMAL: durable at checkpoints, never corrupt.
  // cache_size: 64 MiB of page cache (negative = KiB); the 2 MiB default spilled a large import's
  // dirty pages into the WAL over and over. temp_store: savepoint sub-journals live in memory (each
  // nested savepoint otherwise wrote every page it touched to a temporary file).
  if (auto st = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                         " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
      !st) {
    return st.error();
  }
  return db;
}

Db::~Db() {
  for (auto& [key, cursor] : cache_) sqlite3_finalize(cursor->raw());
  for (auto& [key, cursor] : tx_cache_) sqlite3_finalize(cursor->raw());
  sqlite3_close(db_);
}

model::Result<sql::Stmt> Db::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return error_from(db_, rc, std::string("prepare ") + sql);
    it = cache_.emplace(sql, std::make_unique<Cursor>(stmt, db_)).first;
  }
  return sql::Stmt(it->second.get());
}

model::Status Db::exec(const std::string& sql) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string detail = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    auto err = error_from(nullptr, rc, "exec");
    err.detail += " (" + detail + ")";
    return err;
  }
  return {};
}

model::Status Db::exec_cached(const std::string& sql) {
  auto it = tx_cache_.find(sql);
  if (it == tx_cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return error_from(db_, rc, "prepare " + sql);
    it = tx_cache_.emplace(sql, std::make_unique<Cursor>(stmt, db_)).first;
  }
  return sql::Stmt(it->second.get()).run();
}

model::Status Db::begin_tx(std::string_view name) {
  (void)name;  // kept for the slow-transaction log (not yet needed)
  const std::string sql = depth_ == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT sp" + std::to_string(depth_);
  if (auto st = exec_cached(sql); !st) return st;
  ++depth_;
  return {};
}

model::Status Db::commit_tx() {
  if (depth_ == 0) return make_error(ErrorCode::kInternal, "commit without a transaction");
  const std::string sql = depth_ == 1 ? "COMMIT" : "RELEASE sp" + std::to_string(depth_ - 1);
  if (auto st = exec_cached(sql); !st) return st;
  --depth_;
  return {};
}

void Db::rollback_tx() {
  if (depth_ == 0) return;
  if (depth_ == 1) {
    (void)exec_cached("ROLLBACK");
  } else {
    const std::string sp = "sp" + std::to_string(depth_ - 1);
    (void)exec_cached("ROLLBACK TO " + sp);
    (void)exec_cached("RELEASE " + sp);
  }
  --depth_;
}

}  // namespace hiresync::store::sqlite
