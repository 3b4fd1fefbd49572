// cluster_store_test.cpp on PostgreSQL: a database per test on this binary's server, where the
// dialect's SQL (FOR UPDATE ... SKIP LOCKED, FOR SHARE, pg_notify) runs for real.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "store/cluster_store_test_backend.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_db.hpp"
#include "store/postgres/pg_test_server.hpp"

namespace hiresync::store::cluster_testing {

std::string cluster_test_database(const std::string& name) {
  std::string db = "cluster_" + name;
  std::transform(db.begin(), db.end(), db.begin(), [](unsigned char c) { return std::tolower(c); });
  auto admin = postgres::Connection::open(postgres::shared_test_server().uri("postgres"));
  EXPECT_TRUE(admin.ok()) << (admin.ok() ? "" : admin.error().detail);
  if (admin) {
    auto created = (*admin)->exec(("CREATE DATABASE " + db).c_str());  // a test name, not user data
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().detail);
  }
  return postgres::shared_test_server().uri(db);
}

std::unique_ptr<SqlStore> cluster_test_open(const std::string& database) {
  auto db = postgres::Db::open(database);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().detail);
  if (!db) return nullptr;
  auto s = SqlStore::open(std::move(*db));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().detail);
  return s.ok() ? std::move(*s) : nullptr;
}

void cluster_test_drop(const std::string& /*database*/) {}

}  // namespace hiresync::store::cluster_testing
