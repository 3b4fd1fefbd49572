#include "store/testing/test_database.hpp"

#include <sqlite3.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_test_server.hpp"

namespace hiresync::store::testing {

bool use_postgres() {
  const char* backend = std::getenv("HIRESYNC_TEST_BACKEND");
  return backend != nullptr && std::string_view(backend) == "postgres";
}

std::string test_database(const std::string& sqlite_path) {
  if (!use_postgres()) return sqlite_path;
  static std::mutex mu;
  static int counter = 0;
  std::lock_guard lock(mu);
  postgres::TestServer& server = postgres::shared_test_server();
  auto admin = postgres::Connection::open(server.uri("postgres"));
  if (!admin) throw std::runtime_error("test database: " + admin.error().detail);
  // The name is ours (a counter), never user data: splicing it into the DDL is safe.
  const std::string name = "store_test_" + std::to_string(++counter);
  if (auto st = (*admin)->exec_script("CREATE DATABASE " + name); !st)
    throw std::runtime_error("test database: " + st.error().detail);
  return server.uri(name);
}

bool exec(const std::string& db, const std::string& sql, std::string* error) {
  std::string why;
  if (use_postgres()) {
    auto conn = postgres::Connection::open(db);
    if (!conn) {
      why = conn.error().detail;
    } else if (auto st = (*conn)->exec_script(sql); !st) {
      why = st.error().detail;
    }
  } else {
    sqlite3* raw = nullptr;
    if (sqlite3_open(db.c_str(), &raw) != SQLITE_OK ||
        sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      why = sqlite3_errmsg(raw);
    }
    sqlite3_close(raw);
  }
  if (error != nullptr) *error = why;
  return why.empty();
}

std::vector<std::vector<std::string>> query(const std::string& db, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  if (use_postgres()) {
    auto conn = postgres::Connection::open(db);
    if (!conn) return rows;
    auto result = (*conn)->exec(sql.c_str());
    if (!result) return rows;
    for (int r = 0; r < result->size(); ++r) {
      auto& row = rows.emplace_back();
      for (int c = 0; c < result->columns(); ++c) row.push_back(result->text_at(r, c));
    }
    return rows;
  }
  sqlite3* raw = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_open(db.c_str(), &raw) == SQLITE_OK &&
      sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto& row = rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
        row.emplace_back(text != nullptr ? text : "");
      }
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return rows;
}

}  // namespace hiresync::store::testing
