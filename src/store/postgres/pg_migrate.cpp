#include "store/postgres/pg_migrate.hpp"

#include <chrono>

#include "store/migrations.hpp"

namespace hiresync::store::postgres {

namespace {

// Mirrors the SQLite store's table (sqlite_store.cpp); BIGINT is SQLite's 64-bit INTEGER.
constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
constexpr const char* kSelectSchemaVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)";
constexpr const char* kTableExists = "SELECT to_regclass('schema_migrations') IS NOT NULL";
// Serializes migrators of one database across nodes; released at the end of each transaction.
// The key is arbitrary but fixed: "hiresync" as ASCII.
constexpr const char* kLockMigrations = "SELECT pg_advisory_xact_lock(6874661425303419491)";
constexpr const char* kBegin = "BEGIN";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs `body` inside BEGIN ... COMMIT holding the migration lock; rolls back when it fails.
template <typename Body>
model::Status locked_tx(Connection& conn, Body body) {
  if (auto st = conn.exec(kBegin); !st) return st.error();
  model::Status st;
  if (auto lock = conn.exec(kLockMigrations); !lock) {
    st = lock.error();
  } else {
    st = body();
  }
  if (st) {
    if (auto c = conn.exec(kCommit); !c) return c.error();
    return {};
  }
  (void)conn.exec(kRollback);  // best effort: the connection may be gone
  return st;
}

}  // namespace

model::Result<int> schema_version(Connection& conn) {
  auto exists = conn.exec(kTableExists);
  if (!exists) return exists.error();
  if (exists->text_at(0, 0) != "t") return 0;
  auto rows = conn.exec(kSelectSchemaVersion);
  if (!rows) return rows.error();
  return static_cast<int>(rows->int_at(0, 0));
}

model::Result<std::vector<std::string>> apply_migrations(Connection& conn, int max_version) {
  if (auto st = locked_tx(conn,
                          [&]() -> model::Status {
                            auto created = conn.exec(kCreateMigrationsTable);
                            if (!created) return created.error();
                            return {};
                          });
      !st) {
    return st.error();
  }
  std::vector<std::string> applied;
  for (const Migration& m : all_migrations()) {
    if (m.version > max_version) break;
    auto st = locked_tx(conn, [&]() -> model::Status {
      auto current = schema_version(conn);
      if (!current) return current.error();
      if (m.version <= *current) return {};  // applied before, or by another node meanwhile
      if (auto e = conn.exec_script(m.postgres_sql); !e) {
        model::Error error = e.error();
        error.detail = std::string("migration ") + m.name + ": " + error.detail;
        return error;
      }
      auto ins = conn.exec(kInsertMigration, {std::to_string(m.version), m.name, std::to_string(unix_now())});
      if (!ins) return ins.error();
      applied.emplace_back(m.name);
      return {};
    });
    if (!st) return st.error();
  }
  return applied;
}

}  // namespace hiresync::store::postgres
