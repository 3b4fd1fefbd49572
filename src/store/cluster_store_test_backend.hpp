// Where cluster_store_test.cpp opens its stores, so the same tests run on SQLite (store_tests:
// cluster_store_test_sqlite.cpp) and on PostgreSQL (postgres_tests: postgres/cluster_store_test_pg.cpp).
#pragma once

#include <memory>
#include <string>

#include "store/sql/sql_store.hpp"

namespace hiresync::store::cluster_testing {

// A new, empty database for the test `name`; returns what cluster_test_open takes.
std::string cluster_test_database(const std::string& name);
// A store object of its own on that database, migrated.
std::unique_ptr<SqlStore> cluster_test_open(const std::string& database);
// Removes what cluster_test_database made (SQLite: the folder; PostgreSQL keeps it to the end).
void cluster_test_drop(const std::string& database);

}  // namespace hiresync::store::cluster_testing
